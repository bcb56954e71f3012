from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy

from .auth import login_throttle, refuse_departed
from .errors import ApplicationError


class ThrottledSignInMixin:
    """Failures limited per account and per client (org.auth.login_throttle), shared by every
    sign-in form: the dashboard's and the admin's.

    The limit is checked before the password, so once an account is locked even the right password
    is refused until the window passes (otherwise guessing could simply continue)."""

    def clean(self):
        username = (self.cleaned_data.get("username") or "").strip()
        client = login_throttle.client_key(self.request)
        try:
            login_throttle.check(username=username, client=client)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        try:
            return super().clean()
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) == "invalid_login":
                login_throttle.record_failure(username=username, client=client)
            raise

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        try:
            refuse_departed(user)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code="departed") from exc
        login_throttle.reset(username=user.get_username())


class LoginForm(ThrottledSignInMixin, AuthenticationForm):
    """The dashboard's session sign-in."""

    error_messages = {
        "invalid_login": gettext_lazy("员工号或密码错误，请重新输入。"),
        "inactive": gettext_lazy("该账号已停用。"),
    }


class AdminLoginForm(ThrottledSignInMixin, AdminAuthenticationForm):
    """/admin/login/: the same throttle (it was not throttled at all), staff-only as Django's."""
