"""API tokens of the mini-program: issue, authenticate, refresh, revoke (issue 7 §1).

Our own small model behind a subclass of DRF's TokenAuthentication (`org.api.authentication`)
rather than django-rest-knox: the mini-program already sends `Authorization: Token <key>` and we
needed only an idle limit, a maximum age, the employee's leaving date and deletion on departure —
four rules that fit in this module, where knox would bring its own token format, login views and
expiry semantics (no idle limit) to adapt around. Only a SHA-256 of each key is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

from . import clock
from .errors import ApplicationError
from .models import ApiToken

# Writing last_used_at on every request would be one UPDATE per API call; a minute of slack on a
# seven-day idle limit is not worth it.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


def idle_limit() -> dt.timedelta:
    return dt.timedelta(days=settings.API_TOKEN_IDLE_DAYS)


def expires_at(token: ApiToken) -> dt.datetime:
    """When the token stops working if used no more: the earlier of the two limits."""
    return min(token.created_at + max_age(), token.last_used_at + idle_limit())


def token_issue(*, user) -> tuple[ApiToken, str]:
    """A new token for one device; returns (row, raw key). The raw key is never stored."""
    raw = secrets.token_hex(20)
    now = clock.now()
    token = ApiToken.objects.create(key_hash=_hash(raw), user=user, created_at=now, last_used_at=now)
    return token, raw


def _refused(message: str) -> ApplicationError:
    return ApplicationError(message, code="authentication_failed")


def token_authenticate(raw: str) -> tuple[object, ApiToken]:
    """(user, token) for a presented key, or ApplicationError(authentication_failed) in Chinese."""
    from .auth import USER_WITH_SCOPE, staff_login_allowed
    from .scoping import user_staff

    token = ApiToken.objects.select_related(*(f"user__{x}" for x in USER_WITH_SCOPE)).filter(key_hash=_hash(raw or "")).first()
    if token is None:
        raise _refused(_("登录凭证无效，请重新登录"))
    now = clock.now()
    if now >= token.created_at + max_age():
        token.delete()
        raise _refused(_("登录已超过 %(days)s 天，请重新登录") % {"days": settings.API_TOKEN_MAX_AGE_DAYS})
    if now >= token.last_used_at + idle_limit():
        token.delete()
        raise _refused(_("超过 %(days)s 天未使用，请重新登录") % {"days": settings.API_TOKEN_IDLE_DAYS})
    user = token.user
    if not user.is_active:
        raise _refused(_("该账号已停用"))
    staff = user_staff(user)
    if staff is not None and not staff_login_allowed(staff):
        token.delete()
        raise _refused(_("员工 %(no)s 已于 %(day)s 离职，登录凭证已失效") % {"no": staff.employee_no, "day": f"{staff.active_to:%Y-%m-%d}"})
    if now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return user, token


def token_refresh(*, token: ApiToken) -> tuple[ApiToken, str]:
    """Swap a valid token for a new one (a fresh maximum age); the old one stops at once."""
    new, raw = token_issue(user=token.user)
    ApiToken.objects.filter(pk=token.pk).delete()
    return new, raw


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).delete()


def tokens_revoke_for_users(user_ids) -> int:
    """Delete every token of these users (the staff import recorded their departure)."""
    deleted, _ = ApiToken.objects.filter(user_id__in=list(user_ids)).delete()
    return deleted
