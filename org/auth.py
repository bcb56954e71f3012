"""Sign-in helpers: failed-login throttling shared by the dashboard and the token API."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils.translation import gettext as _

from . import clock, ratelimit
from .errors import ApplicationError
from .scoping import user_staff


class LoginThrottle:
    """Failed sign-ins per account and per client, on the counters of `org.ratelimit` (one limiter
    for sign-in, scan and lead form). Every sign-in form shares it: the dashboard, the admin, the
    token API and WeChat binding. Raises ApplicationError once a limit is reached; with the cache
    down it lets sign-ins through (logged), it never answers 500."""

    def client_key(self, request) -> str:
        return ratelimit.client_key(request)

    def check(self, *, username: str, client: str) -> None:
        minutes = settings.LOGIN_FAILURE_WINDOW_S // 60
        if ratelimit.count("login-acct", username.strip().upper()) >= settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT:
            raise ApplicationError(_("该账号登录失败次数过多，请 %(minutes)s 分钟后再试") % {"minutes": minutes}, code="throttled")
        if ratelimit.count("login-client", client) >= settings.LOGIN_FAILURE_LIMIT_PER_CLIENT:
            raise ApplicationError(_("登录失败次数过多，请 %(minutes)s 分钟后再试") % {"minutes": minutes}, code="throttled")

    def record_failure(self, *, username: str, client: str) -> None:
        window = settings.LOGIN_FAILURE_WINDOW_S
        ratelimit.hit("login-acct", username.strip().upper(), limit=settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT, window_s=window)
        ratelimit.hit("login-client", client, limit=settings.LOGIN_FAILURE_LIMIT_PER_CLIENT, window_s=window)

    def reset(self, *, username: str) -> None:
        ratelimit.reset("login-acct", username.strip().upper())


login_throttle = LoginThrottle()

# What every request's scope reads off its user (org.scoping): the institution a manager is scoped
# to, the staff record and its institution, and those institutions' parents (a label names the parent
# where a name is ambiguous: org.selectors.institution_label). Loaded with the user: one query.
USER_WITH_SCOPE = ("scope_institution__parent", "staff__institution__parent")


class ScopedModelBackend(ModelBackend):
    """Django's model backend (passwords, permissions), loading a signed-in user with the records
    their scope is read from (`USER_WITH_SCOPE`)."""

    def get_user(self, user_id):
        # get(), not first(): no ORDER BY for a primary key (a fifth of the lookup, on every request).
        model = get_user_model()
        try:
            user = model._default_manager.select_related(*USER_WITH_SCOPE).get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


def staff_login_allowed(staff) -> bool:
    """A person whose leaving date has passed may no longer sign in (by password or WeChat)."""
    return staff.active_to is None or staff.active_to >= clock.today()


def refuse_departed(user) -> None:
    """Raise if the sign-in belongs to an employee who has left."""
    staff = user_staff(user)
    if staff is not None and not staff_login_allowed(staff):
        message = _("员工 %(no)s 已于 %(day)s 离职，不能登录") % {"no": staff.employee_no, "day": f"{staff.active_to:%Y-%m-%d}"}
        raise ApplicationError(message, code="authentication_failed")


def staff_user_ensure(*, staff):
    """The sign-in of an employee (username = employee number), created without a password for
    people who only ever use the mini-program."""
    from .models import User

    if staff.user_id is not None:
        return staff.user
    user = User.objects.filter(username=staff.employee_no).first()
    if user is None:
        user = User(username=staff.employee_no)
        user.set_unusable_password()
        user.save()
    staff.user = user
    staff.save(update_fields=["user"])
    return user


def token_login(*, employee_no: str, password: str, request=None):
    """Check the password of an employee and return a new API token for this device: (ApiToken, raw key).

    Throttled exactly like the dashboard form: the same counters, so failures on either count
    towards one limit per account and one per client."""
    from django.contrib.auth import authenticate

    from .tokens import token_issue

    username = (employee_no or "").strip()
    client = login_throttle.client_key(request)
    login_throttle.check(username=username, client=client)
    user = authenticate(request, username=username, password=password)
    if user is None:
        login_throttle.record_failure(username=username, client=client)
        raise ApplicationError(_("员工号或密码错误，请重新输入"), code="authentication_failed")
    refuse_departed(user)
    login_throttle.reset(username=username)
    return token_issue(user=user)


def stamp_sign_in(sender, request, user, **kwargs):
    """`user_logged_in` receiver: start the 12-hour clock of the session at the sign-in itself."""
    if request is not None and hasattr(request, "session"):
        now = int(clock.now().timestamp())
        request.session["signed_in_at"] = now
        request.session["last_seen"] = now
        request.session.pop("session_expired", None)
