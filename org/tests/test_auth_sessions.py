"""Dashboard sign-in: throttling per account and per client, 30 minutes idle, 12 hours in all."""

import datetime as dt

import pytest

from org import clock
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2024, 11, 11, 8, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def manager():
    t = tree()
    return user_for(StaffFactory(employee_no="OH0001", institution=t["SB1"]), scope=t["SB1"], password="right-pass-1")


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def form_errors(resp) -> list[str]:
    return list(resp.context["form"].non_field_errors())


def test_right_password_signs_in(client, manager):
    resp = sign_in(client, "OH0001", "right-pass-1")
    assert resp.status_code == 302 and resp["Location"] == "/"
    assert client.get("/org/staff/").status_code == 200


def test_sixth_attempt_on_an_account_is_refused_even_with_the_right_password(client, manager):
    for i in range(5):
        resp = sign_in(client, "OH0001", f"guess-{i}", ip=f"10.0.1.{i}")
        assert form_errors(resp) == ["员工号或密码错误，请重新输入。"]
    resp = sign_in(client, "OH0001", "right-pass-1", ip="10.0.2.1")
    assert resp.status_code == 200
    assert form_errors(resp) == ["该账号登录失败次数过多，请 15 分钟后再试"]
    assert client.get("/org/staff/").status_code == 302  # still signed out


def test_one_client_is_stopped_after_twenty_failures_across_accounts(client, manager):
    for i in range(20):
        sign_in(client, f"U{i:03d}", "guess", ip="10.7.7.7")
    resp = sign_in(client, "OH0001", "right-pass-1", ip="10.7.7.7")
    assert form_errors(resp) == ["登录失败次数过多，请 15 分钟后再试"]
    assert sign_in(client, "OH0001", "right-pass-1", ip="10.7.7.8").status_code == 302


def test_an_employee_who_has_left_cannot_sign_in_to_the_dashboard(client, manager):
    staff = manager.staff
    staff.active_to = dt.date(2024, 10, 31)
    staff.save()
    with clock.frozen(T0):
        resp = sign_in(client, "OH0001", "right-pass-1")
    assert form_errors(resp) == ["员工 OH0001 已于 2024-10-31 离职，不能登录"]


def test_a_session_ends_after_thirty_minutes_idle(client, manager):
    with clock.frozen(T0):
        assert sign_in(client, "OH0001", "right-pass-1").status_code == 302
    with clock.frozen(T0 + dt.timedelta(minutes=29, seconds=59)):
        assert client.get("/org/staff/").status_code == 200
    # 29 min 59 s after that last request: still alive, the idle clock restarted.
    with clock.frozen(T0 + dt.timedelta(minutes=59, seconds=58)):
        assert client.get("/org/staff/").status_code == 200
    with clock.frozen(T0 + dt.timedelta(minutes=90)):
        resp = client.get("/org/staff/")
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")
        login_page = client.get(resp["Location"])
    assert "您已超过 30 分钟未操作，请重新登录。" in login_page.content.decode()


def test_a_session_ends_after_twelve_hours_however_active(client, manager):
    with clock.frozen(T0):
        sign_in(client, "OH0001", "right-pass-1")
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes all day
        with clock.frozen(T0 + dt.timedelta(minutes=minutes)):
            assert client.get("/").status_code == 200, minutes
    with clock.frozen(T0 + dt.timedelta(hours=12, minutes=1)):
        resp = client.get("/")
        assert resp.status_code == 302
        assert "登录已超过 12 小时，请重新登录。" in client.get(resp["Location"]).content.decode()


def test_signing_in_again_starts_a_fresh_twelve_hours(client, manager):
    with clock.frozen(T0):
        sign_in(client, "OH0001", "right-pass-1")
    with clock.frozen(T0 + dt.timedelta(hours=11, minutes=50)):
        client.post("/logout/")
        sign_in(client, "OH0001", "right-pass-1")
    with clock.frozen(T0 + dt.timedelta(hours=12, minutes=5)):
        assert client.get("/").status_code == 200


def test_a_signed_in_user_comes_with_their_scope_in_one_query(client, manager):
    from django.contrib.auth import get_user
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org.scoping import user_scope_path, user_staff

    assert sign_in(client, "OH0001", "right-pass-1").status_code == 302
    request = client.get("/org/staff/").wsgi_request
    request.user = None
    with CaptureQueriesContext(connection) as queries:
        user = get_user(request)
        # What every page and API call reads of its user's scope: no further query.
        assert user_scope_path(user) == manager.scope_institution.path
        assert user_staff(user).institution.code == "SB1"
    assert [q["sql"].split(" FROM ")[1].split()[0] for q in queries.captured_queries] == ['"org_user"']  # the session is already read
    # A wrong password still fails, once (one backend).
    client.logout()
    assert form_errors(sign_in(client, "OH0001", "wrong-pass", ip="10.0.9.9")) == ["员工号或密码错误，请重新输入。"]
