"""Sign-in helpers: failed-login throttling shared by the dashboard and the token API."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from .errors import ApplicationError


class LoginThrottle:
    """Counts failures per account and per client in the cache (Redis in production, so the limit
    holds across web processes). Raises ApplicationError once a limit is reached."""

    prefix = "login-fail"

    def client_key(self, request) -> str:
        raw = (request.META.get("REMOTE_ADDR") or "") if request is not None else ""
        return hashlib.sha256(f"{settings.SECRET_KEY}:{raw}".encode()).hexdigest()[:32]

    def _keys(self, username: str, client: str) -> tuple[str, str]:
        return f"{self.prefix}:acct:{username.strip().upper()}", f"{self.prefix}:client:{client}"

    def check(self, *, username: str, client: str) -> None:
        acct, cli = self._keys(username, client)
        minutes = settings.LOGIN_FAILURE_WINDOW_S // 60
        if (cache.get(acct) or 0) >= settings.LOGIN_FAILURE_LIMIT_PER_ACCOUNT:
            raise ApplicationError(f"该账号登录失败次数过多，请 {minutes} 分钟后再试", code="throttled")
        if (cache.get(cli) or 0) >= settings.LOGIN_FAILURE_LIMIT_PER_CLIENT:
            raise ApplicationError(f"登录失败次数过多，请 {minutes} 分钟后再试", code="throttled")

    def record_failure(self, *, username: str, client: str) -> None:
        for key in self._keys(username, client):
            cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW_S)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW_S)

    def reset(self, *, username: str) -> None:
        cache.delete(self._keys(username, "")[0])


login_throttle = LoginThrottle()
