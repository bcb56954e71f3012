"""Every error answer has one shape: {"error": {"code", "message", "fields"}} with a Chinese message."""

import pytest
from rest_framework.test import APIClient

from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db


def test_400_validation_lists_every_bad_field_with_a_chinese_message():
    resp = APIClient().post("/api/v1/auth/wechat", {"bind_code": "x" * 40}, format="json")
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {"code": ["该字段是必填项。"], "bind_code": ["请确保这个字段不能超过 32 个字符。"]}
    assert error["message"] == "该字段是必填项。"


def test_400_for_a_body_that_is_not_json():
    resp = APIClient().post("/api/v1/auth/token", "{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "parse_error"
    assert resp.json()["error"]["message"] == "请求内容格式错误"


def test_401_without_credentials_and_with_a_bad_token():
    resp = APIClient().get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": "not_authenticated", "message": "请先登录", "fields": {}}}
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    resp = client.get("/api/v1/me")
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": "authentication_failed", "message": "登录凭证无效，请重新登录", "fields": {}}}


def test_404_out_of_scope_says_not_found_in_chinese():
    t = tree()
    manager = user_for(StaffFactory(institution=t["SB1"]), scope=t["SB1"])
    StaffFactory(employee_no="FAR1", institution=t["OUT4"])
    client = APIClient()
    client.force_authenticate(manager)
    resp = client.get("/api/v1/staff/FAR1/")
    assert resp.status_code == 404
    assert resp.json() == {"error": {"code": "not_found", "message": "未找到，或不在您的管理范围内", "fields": {}}}


def test_405_for_a_wrong_method():
    resp = APIClient().get("/api/v1/auth/token")
    assert resp.status_code == 405
    assert resp.json()["error"] == {"code": "method_not_allowed", "message": "不支持该请求方法", "fields": {}}


def test_429_body_for_a_throttled_sign_in():
    StaffFactory(employee_no="T1", institution=tree()["OUT1"])
    client = APIClient()
    for i in range(5):
        client.post("/api/v1/auth/token", {"employee_no": "T1", "password": f"p{i}"}, format="json")
    resp = client.post("/api/v1/auth/token", {"employee_no": "T1", "password": "p"}, format="json")
    assert resp.status_code == 429
    assert resp.json() == {"error": {"code": "throttled", "message": "该账号登录失败次数过多，请 15 分钟后再试", "fields": {}}}
