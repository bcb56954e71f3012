import datetime as dt

import pytest
from rest_framework.test import APIClient

from org import clock, services
from org.models import AuditLog, WeChatBinding
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    t = tree()
    people = [
        StaffFactory(employee_no="A001", name="王小明", mobile="13900001111", institution=t["OUT1"], id_masked="220***********1234"),
        StaffFactory(employee_no="A002", name="李丽", mobile="13900002222", institution=t["OUT1"], positions=";loan_officer;"),
        StaffFactory(employee_no="A003", name="赵华", institution=t["OUT2"], employment_type="outsourced", positions=";lobby_manager;"),
        StaffFactory(employee_no="A004", name="陈伟", institution=t["OUT3"]),
        StaffFactory(employee_no="B001", name="黄军", institution=t["OUT4"]),
    ]
    manager = user_for(StaffFactory(employee_no="OH001", name="孙主任", institution=t["SB1"], positions=";outlet_head;"), scope=t["SB1"])
    return {"tree": t, "people": {p.employee_no: p for p in people}, "manager": manager}


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_manager_lists_the_staff_of_their_subtree_with_full_mobiles(bank):
    resp = api(bank["manager"]).get("/api/v1/staff/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["count"] == 4
    assert [r["employee_no"] for r in body["results"]] == ["A001", "A002", "A003", "OH001"]
    first = body["results"][0]
    assert first["mobile"] == "13900001111"
    assert first["institution"] == {"code": "OUT1", "name": "人民广场网点", "kind": "outlet", "kind_label": "二级支行/网点"}
    assert first["positions"] == [{"code": "wealth_manager", "label": "理财经理"}]
    assert first["wechat_bound"] is False


def test_a_page_of_full_mobiles_is_one_audit_row(bank):
    api(bank["manager"]).get("/api/v1/staff/?page_size=2")
    log = AuditLog.objects.get(action="staff.list")
    assert log.user == bank["manager"] and log.detail == {"employee_nos": ["A001", "A002"]}


def test_filters_by_institution_subtree_position_and_employment_type(bank):
    client = api(bank["manager"])

    def nos(query):
        return [r["employee_no"] for r in client.get("/api/v1/staff/" + query).json()["results"]]

    assert nos("?institution=OUT1") == ["A001", "A002"]
    assert nos("?institution=SB1") == ["A001", "A002", "A003", "OH001"]
    assert nos("?position=loan_officer") == ["A002"]
    assert nos("?employment_type=outsourced") == ["A003"]
    assert nos("?q=赵") == ["A003"]
    assert nos("?institution=OUT4") == []  # another branch: nothing, not an error


def test_an_unknown_filter_value_is_a_400_with_the_field(bank):
    resp = api(bank["manager"]).get("/api/v1/staff/?position=astronaut")
    assert resp.status_code == 400
    assert list(resp.json()["error"]["fields"]) == ["position"]


def test_pages_are_bounded(bank):
    client = api(bank["manager"])
    body = client.get("/api/v1/staff/?page_size=3").json()
    assert body["count"] == 4 and len(body["results"]) == 3 and body["next"].endswith("page=2&page_size=3")


def test_staff_list_query_count_does_not_grow_with_rows(bank, django_assert_max_num_queries):
    for i in range(60):
        s = StaffFactory(employee_no=f"Z{i:03d}", institution=bank["tree"]["OUT2"])
        if i % 2:
            WeChatBinding.objects.create(staff=s, openid=f"o{i}", bound_at=clock.now())
    client = api(bank["manager"])
    with django_assert_max_num_queries(5):
        body = client.get("/api/v1/staff/?page_size=100").json()
    assert body["count"] == 64
    assert sum(r["wechat_bound"] for r in body["results"]) == 30


def test_detail_shows_history_and_is_audited_for_a_manager(bank):
    a = bank["people"]["A001"]
    services.staff_transfer(staff=a, institution=bank["tree"]["OUT2"], effective=dt.date(2024, 6, 1))
    resp = api(bank["manager"]).get("/api/v1/staff/A001/")
    assert resp.status_code == 200
    body = resp.json()
    assert body["mobile"] == "13900001111" and body["id_masked"] == "220***********1234"
    assert [(h["institution"]["code"], h["valid_from"], h["valid_to"]) for h in body["assignments"]] == [
        ("OUT2", "2024-06-01", None),
        ("OUT1", "2020-01-01", "2024-05-31"),
    ]
    log = AuditLog.objects.get(action="staff.view")
    assert log.user == bank["manager"] and log.object_id == str(a.pk) and log.object_type == "org.staff"


def test_outside_the_scope_a_person_does_not_exist(bank):
    assert api(bank["manager"]).get("/api/v1/staff/A004/").status_code == 404
    assert api(bank["manager"]).get("/api/v1/staff/B001/").status_code == 404
    assert not AuditLog.objects.filter(action="staff.view").exists()


def test_an_employee_sees_only_themselves_with_the_mobile_masked(bank):
    plain = user_for(bank["people"]["A002"])
    body = api(plain).get("/api/v1/staff/").json()
    assert [r["employee_no"] for r in body["results"]] == ["A002"]
    assert body["results"][0]["mobile"] == "139****2222"
    assert api(plain).get("/api/v1/staff/A001/").status_code == 404
    assert api(plain).get("/api/v1/staff/A002/").json()["mobile"] == "139****2222"
    assert not AuditLog.objects.exists()  # not a manager's view of someone's data


def test_a_manager_of_another_branch_gets_nothing_of_this_one(bank):
    other = user_for(StaffFactory(employee_no="BM2", institution=bank["tree"]["BR2"]), scope=bank["tree"]["BR2"])
    body = api(other).get("/api/v1/staff/").json()
    assert [r["employee_no"] for r in body["results"]] == ["B001", "BM2"]
    assert api(other).get("/api/v1/staff/A001/").status_code == 404


def test_the_serializer_masks_anyone_outside_the_viewers_scope(bank):
    """Defence in depth: even if a queryset ever let an outside person through, the mobile stays
    masked unless the viewer is a manager whose scope holds that person."""
    from org.api.serializers import StaffSerializer
    from org.scoping import institution_in_scope

    manager = bank["manager"]
    far = bank["people"]["B001"]
    context = {"pii_visible": lambda s: institution_in_scope(s.institution, user=manager)}
    assert StaffSerializer(far, context=context).data["mobile"] == f"{far.mobile[:3]}****{far.mobile[-4:]}"
    assert StaffSerializer(bank["people"]["A001"], context=context).data["mobile"] == "13900001111"
    assert StaffSerializer(far).data["mobile"].count("*") == 4  # no decision: masked


def test_anonymous_callers_are_401(bank):
    resp = api().get("/api/v1/staff/")
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": "not_authenticated", "message": "请先登录", "fields": {}}}
