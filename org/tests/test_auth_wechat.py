import datetime as dt
import socket

import pytest
from rest_framework.test import APIClient

from org import clock
from org.models import AuditLog, WeChatBindCode, WeChatBinding
from org.tests.factories import StaffFactory, tree, user_for
from org.wechat import WeChatClient, WeChatError, bind_code_hash

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/wechat"
T0 = dt.datetime(2024, 11, 11, 9, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def org():
    t = tree()
    employee = StaffFactory(employee_no="LM0001", institution=t["OUT1"], positions=";lobby_manager;")
    colleague = StaffFactory(employee_no="LM0002", institution=t["OUT2"])
    far_away = StaffFactory(employee_no="LM0009", institution=t["OUT4"])
    manager = user_for(StaffFactory(employee_no="OH0001", institution=t["SB1"]), scope=t["SB1"])
    return {"tree": t, "employee": employee, "colleague": colleague, "far": far_away, "manager": manager}


def issue(manager, employee_no):
    client = APIClient()
    client.force_authenticate(manager)
    return client.post(f"/api/v1/staff/{employee_no}/wechat-bind-code")


def wechat_login(code, bind_code=None):
    body = {"code": code} if bind_code is None else {"code": code, "bind_code": bind_code}
    return APIClient().post(LOGIN, body, format="json")


def test_a_manager_issues_a_code_that_binds_once_and_then_the_openid_alone_signs_in(org, fake_wechat):
    with clock.frozen(T0):
        issued = issue(org["manager"], "LM0001")
    assert issued.status_code == 201
    code = issued.json()["bind_code"]
    assert len(code) == 8
    assert issued.json()["expires_at"].startswith("2024-11-12T09:00:00")
    # Only a keyed hash is stored, never the code itself.
    row = WeChatBindCode.objects.get(staff=org["employee"])
    assert row.code_hash == bind_code_hash(code) and code not in row.code_hash

    fake_wechat.add_code("wx-1", openid="openid-lm1")
    with clock.frozen(T0 + dt.timedelta(hours=1)):
        first = wechat_login("wx-1", code.lower())  # typed in lower case: still accepted
    assert first.status_code == 200, first.json()
    assert first.json()["employee_no"] == "LM0001" and first.json()["newly_bound"] is True
    assert WeChatBinding.objects.get(openid="openid-lm1").staff == org["employee"]

    fake_wechat.add_code("wx-2", openid="openid-lm1")
    again = wechat_login("wx-2")
    assert again.status_code == 200
    # Each sign-in is its own device's token; both work until they expire or are revoked.
    assert again.json()["token"] != first.json()["token"] and again.json()["newly_bound"] is False

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {again.json()['token']}")
    assert client.get("/api/v1/me").json()["employee_no"] == "LM0001"
    # The real client sent the app's credentials and the code to the (fake) WeChat.
    assert fake_wechat.requests[0] == {
        "path": "/sns/jscode2session",
        "appid": "wx-test-app",
        "secret": "wx-test-secret",
        "js_code": "wx-1",
        "grant_type": "authorization_code",
    }


def test_an_unbound_wechat_without_a_bind_code_is_401(org, fake_wechat):
    fake_wechat.add_code("wx-1", openid="openid-new")
    resp = wechat_login("wx-1")
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "该微信尚未绑定员工，请向您的主管索取绑定码后再登录"
    assert not WeChatBinding.objects.exists()


def test_a_used_code_cannot_bind_a_second_wechat(org, fake_wechat):
    code = issue(org["manager"], "LM0001").json()["bind_code"]
    fake_wechat.add_code("wx-1", openid="openid-a")
    fake_wechat.add_code("wx-2", openid="openid-b")
    assert wechat_login("wx-1", code).status_code == 200
    resp = wechat_login("wx-2", code)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "bind_code_used"
    assert resp.json()["error"]["fields"] == {"bind_code": ["绑定码已被使用，请向主管重新索取"]}
    assert not WeChatBinding.objects.filter(openid="openid-b").exists()


def test_an_expired_code_is_refused(org, fake_wechat, settings):
    settings.WECHAT_BIND_CODE_TTL_S = 3600
    with clock.frozen(T0):
        code = issue(org["manager"], "LM0001").json()["bind_code"]
    fake_wechat.add_code("wx-1", openid="openid-a")
    with clock.frozen(T0 + dt.timedelta(seconds=3601)):
        resp = wechat_login("wx-1", code)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "绑定码已过期，请向主管重新索取"
    assert not WeChatBinding.objects.exists()


def test_a_wrong_code_is_refused_and_repeated_guesses_are_throttled(org, fake_wechat):
    issue(org["manager"], "LM0001")
    for i in range(5):
        fake_wechat.add_code(f"wx-{i}", openid="openid-guesser")
        resp = wechat_login(f"wx-{i}", f"WRONG{i:03d}")
        assert resp.status_code == 400
        assert resp.json()["error"]["message"] == "绑定码不正确，请核对后重新输入"
    fake_wechat.add_code("wx-9", openid="openid-guesser")
    resp = wechat_login("wx-9", "WRONG999")
    assert resp.status_code == 429
    assert resp.json()["error"]["code"] == "throttled"


def test_a_new_code_replaces_the_previous_one(org, fake_wechat):
    old = issue(org["manager"], "LM0001").json()["bind_code"]
    new = issue(org["manager"], "LM0001").json()["bind_code"]
    fake_wechat.add_code("wx-1", openid="openid-a")
    assert wechat_login("wx-1", old).json()["error"]["code"] == "bind_code_expired"
    fake_wechat.add_code("wx-2", openid="openid-a")
    assert wechat_login("wx-2", new).status_code == 200


def test_a_code_for_someone_already_bound_elsewhere_is_refused(org, fake_wechat):
    code = issue(org["manager"], "LM0001").json()["bind_code"]
    # Meanwhile the person was bound to another WeChat (e.g. by the administrator).
    WeChatBinding.objects.create(staff=org["employee"], openid="openid-other", bound_at=clock.now())
    fake_wechat.add_code("wx-1", openid="openid-a")
    resp = wechat_login("wx-1", code)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "员工 LM0001 已绑定其他微信，如需更换请联系系统管理员"
    assert WeChatBindCode.objects.get(staff=org["employee"]).used_at is None


def test_a_bound_wechat_cannot_take_a_code_meant_for_a_colleague(org, fake_wechat):
    WeChatBinding.objects.create(staff=org["employee"], openid="openid-a", bound_at=clock.now())
    code = issue(org["manager"], "LM0002").json()["bind_code"]
    fake_wechat.add_code("wx-1", openid="openid-a")
    resp = wechat_login("wx-1", code)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "该微信已绑定员工 LM0001，不能再绑定其他员工"
    assert not WeChatBinding.objects.filter(staff=org["colleague"]).exists()


def test_a_manager_cannot_issue_a_code_for_someone_already_bound(org):
    WeChatBinding.objects.create(staff=org["employee"], openid="openid-a", bound_at=clock.now())
    resp = issue(org["manager"], "LM0001")
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "员工 LM0001 已绑定微信，如需更换请先由系统管理员解除原绑定"


def test_bind_codes_are_issued_only_inside_the_managers_scope(org):
    assert issue(org["manager"], "LM0009").status_code == 404
    assert issue(org["manager"], "NOBODY").status_code == 404
    assert not WeChatBindCode.objects.exists()
    # An employee cannot issue a code, not even for themselves.
    plain = user_for(org["employee"])
    assert issue(plain, "LM0001").status_code == 404
    assert AuditLog.objects.filter(action="wechat.bind_code_issue").count() == 0
    issue(org["manager"], "LM0001")
    assert AuditLog.objects.filter(action="wechat.bind_code_issue", user=org["manager"]).count() == 1


def test_an_employee_who_has_left_cannot_sign_in_with_wechat(org, fake_wechat):
    WeChatBinding.objects.create(staff=org["employee"], openid="openid-a", bound_at=clock.now())
    org["employee"].active_to = dt.date(2024, 10, 31)
    org["employee"].save()
    fake_wechat.add_code("wx-1", openid="openid-a")
    with clock.frozen(T0):
        resp = wechat_login("wx-1")
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "员工 LM0001 已离职，不能登录"


def test_an_invalid_wechat_code_is_401_with_wechats_errcode(org, fake_wechat):
    resp = wechat_login("never-issued")
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "微信登录凭证无效，请重新打开小程序再试（错误码 40029）"


def test_a_wechat_code_works_only_once(org, fake_wechat):
    WeChatBinding.objects.create(staff=org["employee"], openid="openid-a", bound_at=clock.now())
    fake_wechat.add_code("wx-1", openid="openid-a")
    assert wechat_login("wx-1").status_code == 200
    resp = wechat_login("wx-1")
    assert resp.status_code == 401 and "40163" in resp.json()["error"]["message"]


def test_wechat_configured_but_unreachable_is_503(org, settings):
    settings.WECHAT_APP_ID = "wx-configured"
    settings.WECHAT_APP_SECRET = "configured-secret"
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.WECHAT_API_BASE = f"http://127.0.0.1:{port}"
    resp = wechat_login("wx-1")
    assert resp.status_code == 503
    assert resp.json()["error"]["message"] == "暂时无法连接微信服务器，请稍后重试"


def test_wechat_not_configured_is_400_saying_so(org, settings):
    settings.WECHAT_APP_ID = ""
    settings.WECHAT_APP_SECRET = ""
    resp = wechat_login("wx-1")
    assert resp.status_code == 400
    assert resp.json()["error"] == {"code": "wechat_disabled", "message": "本系统未启用微信登录，请使用工号和密码登录", "fields": {}}


def test_the_client_gives_up_after_its_timeout(fake_wechat):
    fake_wechat.delay_s = 1.0
    fake_wechat.add_code("wx-1", openid="openid-a")
    client = WeChatClient(api_base=fake_wechat.url, app_id="wx-test-app", secret="wx-test-secret", timeout=0.2)
    with pytest.raises(WeChatError) as err:
        client.code2session("wx-1")
    assert err.value.errcode is None and err.value.code == "upstream_unavailable"


def test_a_wrong_app_secret_surfaces_wechats_errcode(fake_wechat):
    client = WeChatClient(api_base=fake_wechat.url, app_id="wx-test-app", secret="wrong")
    with pytest.raises(WeChatError) as err:
        client.code2session("wx-1")
    assert err.value.errcode == 40125


def test_the_client_class_is_swappable_by_setting(org, settings):
    settings.WECHAT_CLIENT_CLASS = "org.tests.test_auth_wechat.AlwaysAlice"
    settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET = "wx-configured", "configured-secret"
    WeChatBinding.objects.create(staff=org["employee"], openid="openid-alice", bound_at=clock.now())
    resp = wechat_login("anything")
    assert resp.status_code == 200 and resp.json()["employee_no"] == "LM0001"


class AlwaysAlice(WeChatClient):
    def code2session(self, code):
        from org.wechat import WeChatSession

        return WeChatSession(openid="openid-alice")
