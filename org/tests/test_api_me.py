import pytest
from rest_framework.test import APIClient

from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db


def test_me_returns_the_employee_the_institution_path_and_positions():
    t = tree()
    staff = StaffFactory(employee_no="LO0001", name="李强", institution=t["OUT3"], positions=";loan_officer;teller;", tier=2)
    client = APIClient()
    client.force_authenticate(user_for(staff))
    body = client.get("/api/v1/me").json()
    assert body["employee_no"] == "LO0001" and body["name"] == "李强" and body["tier"] == 2
    assert body["employment_type"] == "formal" and body["employment_type_label"] == "正式"
    assert body["institution"]["code"] == "OUT3"
    assert [(p["code"], p["name"]) for p in body["institution_path"]] == [
        ("HO", "总行"),
        ("BR1", "长春分行"),
        ("SB2", "朝阳支行"),
        ("OUT3", "红旗街网点"),
    ]
    assert body["positions"] == [{"code": "loan_officer", "label": "客户经理(零售信贷)"}, {"code": "teller", "label": "柜员"}]


def test_me_refuses_a_sign_in_without_an_employee_record():
    client = APIClient()
    client.force_authenticate(user_for(None, username="sysadmin"))
    resp = client.get("/api/v1/me")
    assert resp.status_code == 403
    assert resp.json()["error"] == {"code": "permission_denied", "message": "当前账号未关联员工", "fields": {}}


def test_me_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    staff = StaffFactory(institution=tree()["OUT1"])
    client = APIClient()
    client.force_authenticate(user_for(staff))
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/me").status_code == 200
