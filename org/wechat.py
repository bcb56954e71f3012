"""WeChat mini-program sign-in (SPEC §7): code exchange, one-time bind codes, bindings.

The mini-program sends the `code` from `wx.login()`; we exchange it with WeChat's `jscode2session`
for the user's openid. An openid bound to an employee gets a token. The first time, the employee
also types a one-time bind code that a manager in scope issued for them, which binds the openid
to that employee once.

The HTTP client is chosen by the `WECHAT_CLIENT_CLASS` setting, so tests (and a staging system)
point `WECHAT_API_BASE` at a local fake (`org.testing.fake_wechat`) instead of api.weixin.qq.com.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import clock
from .auth import login_throttle, staff_login_allowed, staff_user_ensure
from .errors import ApplicationError
from .models import Staff, User, WeChatBindCode, WeChatBinding

# Letters and digits a person reads off a screen without confusing them (no 0/O, 1/I/L).
BIND_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BIND_CODE_LENGTH = 8


class WeChatError(ApplicationError):
    """WeChat refused the code (errcode) or could not be reached. `errcode` is WeChat's number,
    or None for a network failure."""

    def __init__(self, message: str, *, errcode: int | None = None, code: str = "authentication_failed"):
        super().__init__(message, code=code)
        self.errcode = errcode


@dataclass(frozen=True)
class WeChatSession:
    openid: str
    unionid: str = ""


class WeChatClient:
    """A real HTTP client for `sns/jscode2session`, standard library only.

    The session_key WeChat returns is deliberately dropped: we never decrypt user data, so keeping
    it would only be one more secret to leak."""

    path = "/sns/jscode2session"

    def __init__(self, *, api_base: str | None = None, app_id: str | None = None, secret: str | None = None, timeout: float = 5.0):
        self.api_base = (api_base or settings.WECHAT_API_BASE).rstrip("/")
        self.app_id = app_id or settings.WECHAT_APP_ID
        self.secret = secret or settings.WECHAT_APP_SECRET
        self.timeout = timeout

    def code2session(self, code: str) -> WeChatSession:
        query = urllib.parse.urlencode({"appid": self.app_id, "secret": self.secret, "js_code": code, "grant_type": "authorization_code"})
        url = f"{self.api_base}{self.path}?{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as resp:  # noqa: S310 (https/http only, from settings)
                payload = json.loads(resp.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise WeChatError(_("暂时无法连接微信服务器，请稍后重试"), code="upstream_unavailable") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise WeChatError(_("微信服务器返回了无法识别的内容，请稍后重试"), code="upstream_unavailable") from exc
        errcode = payload.get("errcode") or 0
        if errcode:
            raise WeChatError(self.describe(errcode, payload.get("errmsg", "")), errcode=int(errcode))
        openid = payload.get("openid")
        if not openid:
            raise WeChatError(_("微信服务器未返回用户标识，请稍后重试"), code="upstream_unavailable")
        return WeChatSession(openid=openid, unionid=payload.get("unionid", ""))

    @staticmethod
    def describe(errcode: int, errmsg: str) -> str:
        known = {
            40029: _("微信登录凭证无效，请重新打开小程序再试"),
            40163: _("微信登录凭证已被使用，请重新打开小程序再试"),
            45011: _("微信登录过于频繁，请稍后再试"),
            40226: _("该微信账号存在安全风险，已被微信拦截"),
            -1: _("微信服务器繁忙，请稍后再试"),
        }
        return _("%(reason)s（错误码 %(errcode)s）") % {"reason": known.get(errcode, _("微信登录失败")), "errcode": errcode}


def wechat_enabled() -> bool:
    return bool(settings.WECHAT_APP_ID and settings.WECHAT_APP_SECRET)


def wechat_client() -> WeChatClient:
    """The configured client (`WECHAT_CLIENT_CLASS`), so a deployment or a test can swap it.

    Without an app id and secret WeChat sign-in is not enabled: a 400 that says so, not the 503 of
    a configured WeChat that cannot be reached."""
    if not wechat_enabled():
        raise WeChatError(_("本系统未启用微信登录，请使用工号和密码登录"), code="wechat_disabled")
    return import_string(settings.WECHAT_CLIENT_CLASS)()


def normalise_bind_code(value: str) -> str:
    return "".join(ch for ch in (value or "").upper() if ch.isalnum())


def bind_code_hash(value: str) -> str:
    # Keyed with SECRET_KEY: a copy of the table alone cannot be used to find live codes.
    return salted_hmac("org.wechat.bind-code", normalise_bind_code(value), algorithm="sha256").hexdigest()


@transaction.atomic
def wechat_bind_code_issue(*, staff: Staff, issued_by: User) -> tuple[WeChatBindCode, str]:
    """Issue a one-time bind code; return the row and the code in clear (shown once, never stored).

    Earlier unused codes for the same person stop working, so only the latest one handed out is
    live. A person already bound must be unbound in the system administration first."""
    if WeChatBinding.objects.filter(staff=staff).exists():
        raise ApplicationError(
            _("员工 %(no)s 已绑定微信，如需更换请先由系统管理员解除原绑定") % {"no": staff.employee_no}, code="already_bound"
        )
    if not staff_login_allowed(staff):
        raise ApplicationError(_("员工 %(no)s 已离职，不能生成绑定码") % {"no": staff.employee_no}, code="inactive")
    now = clock.now()
    WeChatBindCode.objects.filter(staff=staff, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    raw = "".join(secrets.choice(BIND_CODE_ALPHABET) for _ in range(BIND_CODE_LENGTH))
    row = WeChatBindCode.objects.create(
        staff=staff,
        code_hash=bind_code_hash(raw),
        issued_by=issued_by,
        issued_at=now,
        expires_at=now + dt.timedelta(seconds=settings.WECHAT_BIND_CODE_TTL_S),
    )
    return row, raw


def _token_for(staff: Staff):
    """A new API token for the employee's device: (ApiToken, raw key)."""
    from .tokens import token_issue

    return token_issue(user=staff_user_ensure(staff=staff))


def _refuse_inactive(staff: Staff) -> None:
    if not staff_login_allowed(staff):
        raise ApplicationError(_("员工 %(no)s 已离职，不能登录") % {"no": staff.employee_no}, code="authentication_failed")


def wechat_login(*, code: str, bind_code: str = "", client_key: str = "") -> tuple[tuple, Staff, bool]:
    """Exchange a mini-program code for a token; bind the openid once with a manager's bind code.

    Returns (token, staff, newly_bound). Failed bind-code attempts count against the openid and the
    client in the same throttle as password sign-ins, so codes cannot be guessed."""
    session = wechat_client().code2session(code)
    openid = session.openid
    binding = WeChatBinding.objects.select_related("staff").filter(openid=openid).first()
    if binding is not None:
        staff = binding.staff
        if bind_code:
            other = _live_code(bind_code)
            if other is not None and other.staff_id != staff.pk:
                message = _("该微信已绑定员工 %(no)s，不能再绑定其他员工") % {"no": staff.employee_no}
                raise ApplicationError(message, code="already_bound", fields={"bind_code": [message]})
        _refuse_inactive(staff)
        return _token_for(staff), staff, False
    if not bind_code:
        raise ApplicationError(_("该微信尚未绑定员工，请向您的主管索取绑定码后再登录"), code="authentication_failed")
    throttle_key = f"wechat:{openid}"
    login_throttle.check(username=throttle_key, client=client_key)
    try:
        staff = _bind(openid=openid, bind_code=bind_code)
    except ApplicationError:
        login_throttle.record_failure(username=throttle_key, client=client_key)
        raise
    return _token_for(staff), staff, True


def _live_code(bind_code: str) -> WeChatBindCode | None:
    return WeChatBindCode.objects.filter(code_hash=bind_code_hash(bind_code), used_at__isnull=True, expires_at__gt=clock.now()).first()


def _bind_error(message: str, code: str) -> ApplicationError:
    return ApplicationError(message, code=code, fields={"bind_code": [message]})


@transaction.atomic
def _bind(*, openid: str, bind_code: str) -> Staff:
    row = WeChatBindCode.objects.select_for_update().select_related("staff").filter(code_hash=bind_code_hash(bind_code)).first()
    now = clock.now()
    if row is None:
        raise _bind_error(_("绑定码不正确，请核对后重新输入"), "bind_code_invalid")
    if row.used_at is not None:
        raise _bind_error(_("绑定码已被使用，请向主管重新索取"), "bind_code_used")
    if row.expires_at <= now:
        raise _bind_error(_("绑定码已过期，请向主管重新索取"), "bind_code_expired")
    staff = row.staff
    if WeChatBinding.objects.filter(staff=staff).exists():
        raise _bind_error(_("员工 %(no)s 已绑定其他微信，如需更换请联系系统管理员") % {"no": staff.employee_no}, "already_bound")
    _refuse_inactive(staff)
    row.used_at = now
    row.save(update_fields=["used_at"])
    try:
        with transaction.atomic():
            WeChatBinding.objects.create(staff=staff, openid=openid, bound_at=now)
    except IntegrityError as exc:  # a concurrent request bound the same person or openid first
        raise _bind_error(_("员工 %(no)s 已绑定其他微信，如需更换请联系系统管理员") % {"no": staff.employee_no}, "already_bound") from exc
    return staff
