import datetime as dt

import pytest
from rest_framework.test import APIClient

from org import clock
from org.models import ApiToken
from org.tests.factories import StaffFactory, tree, user_for
from org.tokens import _hash

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
    assert set(resp.json()) == {"token", "expires_at"}
    assert ApiToken.objects.get(user=employee.user).key_hash == _hash(resp.json()["token"])  # only the hash is kept
    client.credentials(HTTP_AUTHORIZATION=f"Token {resp.json()['token']}")
    me = client.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["employee_no"] == "WM0001"


def test_each_sign_in_gets_its_own_token_and_both_work(employee):
    first = login(APIClient(), "WM0001", "right-pass-1").json()["token"]
    second = login(APIClient(), "WM0001", "right-pass-1").json()["token"]
    assert first != second
    for token in (first, second):
        assert APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me").status_code == 200


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
    assert not ApiToken.objects.filter(user=employee.user).exists()
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


# --- token life (issue 7 §1): maximum age, idle limit, leaving date, refresh, revoke, departure ---

T0 = dt.datetime(2024, 11, 1, 9, 0, tzinfo=clock.SHANGHAI)


def signed_in(employee, at=T0):
    with clock.frozen(at):
        return login(APIClient(), "WM0001", "right-pass-1").json()["token"]


def me(token, at):
    with clock.frozen(at):
        return APIClient(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me")


def test_a_token_expires_thirty_days_after_issue_however_often_it_is_used(employee):
    token = signed_in(employee)
    for day in range(0, 30, 3):  # used every three days: never idle
        assert me(token, T0 + dt.timedelta(days=day)).status_code == 200
    resp = me(token, T0 + dt.timedelta(days=30, minutes=1))
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "登录已超过 30 天，请重新登录"
    assert not ApiToken.objects.exists()


def test_a_token_unused_for_seven_days_is_refused(employee):
    token = signed_in(employee)
    assert me(token, T0 + dt.timedelta(days=6, hours=23)).status_code == 200  # use re-arms the idle clock
    assert me(token, T0 + dt.timedelta(days=13, hours=22)).status_code == 200
    resp = me(token, T0 + dt.timedelta(days=20, hours=23))
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "超过 7 天未使用，请重新登录"


def test_the_limits_are_settings(employee, settings):
    settings.API_TOKEN_IDLE_DAYS = 1
    token = signed_in(employee)
    assert me(token, T0 + dt.timedelta(days=1, minutes=1)).status_code == 401


def test_a_token_is_refused_the_day_after_the_employee_leaves(employee):
    """Seen: a manager ten days past active_to still read /api/v1/staff/ with their token."""
    token = signed_in(employee)
    employee.active_to = dt.date(2024, 11, 5)
    employee.save()
    assert me(token, dt.datetime(2024, 11, 5, 18, 0, tzinfo=clock.SHANGHAI)).status_code == 200
    resp = me(token, dt.datetime(2024, 11, 6, 8, 0, tzinfo=clock.SHANGHAI))
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "员工 WM0001 已于 2024-11-05 离职，登录凭证已失效"


def test_refresh_swaps_the_token_and_the_old_one_stops(employee):
    old = signed_in(employee)
    for day in (6, 12, 18, 24):  # kept in use: only the maximum age is ahead
        assert me(old, T0 + dt.timedelta(days=day)).status_code == 200
    with clock.frozen(T0 + dt.timedelta(days=29)):
        resp = APIClient(HTTP_AUTHORIZATION=f"Token {old}").post("/api/v1/auth/token/refresh")
    assert resp.status_code == 200
    new = resp.json()["token"]
    assert new != old
    assert resp.json()["expires_at"].startswith("2024-12-07")  # 7 idle days from the refresh
    assert me(old, T0 + dt.timedelta(days=29, minutes=5)).status_code == 401
    # The new token has a fresh 30 days: past the old one's end, still in.
    assert me(new, T0 + dt.timedelta(days=35)).status_code == 200


def test_revoke_signs_the_device_out(employee):
    token = signed_in(employee)
    with clock.frozen(T0):
        resp = APIClient(HTTP_AUTHORIZATION=f"Token {token}").post("/api/v1/auth/token/revoke")
        assert resp.status_code == 204
    assert me(token, T0).status_code == 401


def test_refresh_and_revoke_need_a_token(employee):
    assert APIClient().post("/api/v1/auth/token/refresh").status_code == 401
    assert APIClient().post("/api/v1/auth/token/revoke").status_code == 401


def test_the_staff_import_recording_a_departure_deletes_the_tokens(employee, tmp_path):
    from org.importing.base import run_import
    from org.tests.importing_utils import write_csv
    from org.tests.test_import_staff import ZH

    signed_in(employee)
    other = StaffFactory(employee_no="WM0002", institution=employee.institution)
    user_for(other, password="right-pass-2")
    with clock.frozen(T0):
        login(APIClient(), "WM0002", "right-pass-2")
    inst = employee.institution.code
    rows = [
        ["WM0001", employee.name, employee.mobile, inst, "wealth_manager", "formal", "2024-01-01", "2024-11-30", "", ""],
        ["WM0002", other.name, other.mobile, inst, "wealth_manager", "formal", "2024-01-01", "", "", ""],
    ]
    result = run_import(kind="staff", path=write_csv(tmp_path / "staff.csv", ZH, rows))
    assert result.rejected == 0
    assert not ApiToken.objects.filter(user=employee.user).exists()
    assert ApiToken.objects.filter(user=other.user).exists()  # nobody else is signed out
