import datetime as dt

import pytest
from rest_framework.test import APIClient

from org import services
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    t = tree()
    StaffFactory(employee_no="A001", institution=t["OUT1"])
    StaffFactory(employee_no="A002", institution=t["OUT2"])
    StaffFactory(employee_no="A003", institution=t["OUT3"])
    StaffFactory(employee_no="A004", institution=t["OUT3"], active_to=dt.date(2021, 1, 1))
    StaffFactory(employee_no="B001", institution=t["OUT4"])
    manager = user_for(StaffFactory(employee_no="BM001", institution=t["BR1"]), scope=t["BR1"])
    return {"tree": t, "manager": manager}


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_branch_manager_lists_the_institutions_of_their_branch_with_counts(bank):
    body = api(bank["manager"]).get("/api/v1/institutions/").json()
    counts = {r["code"]: r["staff_count"] for r in body["results"]}
    assert counts == {"BR1": 4, "SB1": 2, "OUT1": 1, "OUT2": 1, "SB2": 1, "OUT3": 1}
    assert body["results"][1]["parent_code"] == "BR1"


def test_institutions_filter_by_kind_and_parent(bank):
    client = api(bank["manager"])
    assert [r["code"] for r in client.get("/api/v1/institutions/?kind=outlet").json()["results"]] == ["OUT1", "OUT2", "OUT3"]
    assert [r["code"] for r in client.get("/api/v1/institutions/?parent=SB1").json()["results"]] == ["OUT1", "OUT2"]


def test_detail_has_the_path_from_the_top_and_the_children_with_counts(bank):
    body = api(bank["manager"]).get("/api/v1/institutions/SB1/").json()
    assert body["name"] == "南关支行" and body["staff_count"] == 2
    assert [p["code"] for p in body["path"]] == ["HO", "BR1", "SB1"]
    assert [(c["code"], c["staff_count"]) for c in body["children"]] == [("OUT1", 1), ("OUT2", 1)]


def test_another_branch_and_its_parts_are_404(bank):
    client = api(bank["manager"])
    for code in ["BR2", "SB3", "OUT4", "HO", "NOPE"]:
        assert client.get(f"/api/v1/institutions/{code}/").status_code == 404, code


def test_an_employee_without_a_scope_gets_404_not_403(bank):
    plain = user_for(StaffFactory(employee_no="W1", institution=bank["tree"]["OUT1"]))
    for url in ["/api/v1/institutions/", "/api/v1/institutions/OUT1/"]:
        resp = api(plain).get(url)
        assert resp.status_code == 404
        assert resp.json()["error"]["message"] == "未找到，或不在您的管理范围内"


def test_the_list_costs_the_same_queries_for_a_bigger_tree(bank, django_assert_max_num_queries):
    for i in range(30):
        services.institution_create(code=f"X{i:02d}", name=f"网点{i}", kind="outlet", parent=bank["tree"]["SB2"])
    with django_assert_max_num_queries(4):
        body = api(bank["manager"]).get("/api/v1/institutions/?page_size=100").json()
    assert body["count"] == 36
    with django_assert_max_num_queries(6):
        detail = api(bank["manager"]).get("/api/v1/institutions/SB2/").json()
    assert len(detail["children"]) == 31
