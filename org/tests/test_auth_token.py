import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from org import clock
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token"


@pytest.fixture
def employee():
    staff = StaffFactory(employee_no="WM0001", institution=tree()["OUT1"])
    user_for(staff, password="right-pass-1")
    return staff


def login(client, employee_no, password, ip="10.0.0.1"):
    return client.post(URL, {"employee_no": employee_no, "password": password}, format="json", REMOTE_ADDR=ip)


def test_right_password_returns_a_token_that_opens_the_api(employee):
    client = APIClient()
    resp = login(client, "WM0001", "right-pass-1")
    assert resp.status_code == 200
    assert set(resp.json()) == {"token"}
    assert resp.json()["token"] == Token.objects.get(user=employee.user).key
    client.credentials(HTTP_AUTHORIZATION=f"Token {resp.json()['token']}")
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["employee_no"] == "WM0001"


def test_a_second_login_returns_the_same_token(employee):
    first = login(APIClient(), "WM0001", "right-pass-1").json()["token"]
    assert login(APIClient(), "WM0001", "right-pass-1").json()["token"] == first


def test_wrong_password_is_401_with_a_chinese_message(employee):
    resp = login(APIClient(), "WM0001", "wrong")
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": "authentication_failed", "message": "员工号或密码错误，请重新输入", "fields": {}}}


def test_unknown_employee_is_refused_like_a_wrong_password(employee):
    resp = login(APIClient(), "NOPE", "right-pass-1")
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "员工号或密码错误，请重新输入"


def test_missing_fields_are_a_400_listing_each_field():
    resp = APIClient().post(URL, {"employee_no": ""}, format="json")
    assert resp.status_code == 400
    fields = resp.json()["error"]["fields"]
    assert set(fields) == {"employee_no", "password"}


def test_sixth_attempt_on_an_account_is_429_even_with_the_right_password(employee):
    client = APIClient()
    for i in range(5):
        assert login(client, "WM0001", f"guess-{i}", ip=f"10.0.1.{i}").status_code == 401
    resp = login(client, "WM0001", "right-pass-1", ip="10.0.2.1")
    assert resp.status_code == 429
    assert resp.json()["error"]["code"] == "throttled"
    assert resp.json()["error"]["message"] == "该账号登录失败次数过多，请 15 分钟后再试"


def test_one_client_guessing_many_accounts_is_stopped_after_twenty_failures(employee):
    client = APIClient()
    for i in range(20):
        assert login(client, f"X{i:03d}", "guess", ip="10.9.9.9").status_code == 401
    blocked = login(client, "WM0001", "right-pass-1", ip="10.9.9.9")
    assert blocked.status_code == 429
    assert blocked.json()["error"]["message"] == "登录失败次数过多，请 15 分钟后再试"
    # The same account from another client still signs in: the account itself was never guessed.
    assert login(client, "WM0001", "right-pass-1", ip="10.9.9.10").status_code == 200


def test_a_success_clears_the_account_counter(employee):
    client = APIClient()
    for i in range(4):
        login(client, "WM0001", f"guess-{i}")
    assert login(client, "WM0001", "right-pass-1").status_code == 200
    for i in range(4):
        assert login(client, "WM0001", f"again-{i}").status_code == 401
    assert login(client, "WM0001", "right-pass-1").status_code == 200


def test_dashboard_and_api_failures_share_one_account_limit(employee, client):
    for i in range(3):
        client.post("/login/", {"username": "WM0001", "password": f"form-{i}"})
    for i in range(2):
        assert login(APIClient(), "WM0001", f"api-{i}", ip="10.3.3.3").status_code == 401
    assert login(APIClient(), "WM0001", "right-pass-1", ip="10.3.3.4").status_code == 429


def test_staff_who_has_left_is_refused(employee):
    employee.active_to = dt.date(2024, 3, 31)
    employee.save()
    with clock.frozen(dt.datetime(2024, 4, 1, 9, 0)):
        resp = login(APIClient(), "WM0001", "right-pass-1")
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "员工 WM0001 已于 2024-03-31 离职，不能登录"
    assert not Token.objects.filter(user=employee.user).exists()
    # On their last day they could still sign in.
    with clock.frozen(dt.datetime(2024, 3, 31, 17, 0)):
        assert login(APIClient(), "WM0001", "right-pass-1").status_code == 200


def test_login_endpoint_ignores_a_stale_session_cookie_and_csrf(employee, client):
    """A browser that is signed in to the dashboard must not get a CSRF 403 on the login API."""
    client.force_login(employee.user)
    api = APIClient(enforce_csrf_checks=True)
    api.cookies = client.cookies
    resp = api.post(URL, {"employee_no": "WM0001", "password": "right-pass-1"}, format="json")
    assert resp.status_code == 200
