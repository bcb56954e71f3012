from django.conf import settings
from django.contrib.auth import logout

from . import clock

# Writing the last-seen time on every request would save the session on every request; a minute
# of slack on a 30-minute idle limit is not worth a database write per click.
LAST_SEEN_RESOLUTION_S = 60


class IdleSessionTimeoutMiddleware:
    """End a dashboard session after SESSION_IDLE_TIMEOUT seconds without a request, and in any case
    SESSION_COOKIE_AGE seconds (12 hours) after sign-in (SPEC §8).

    The absolute limit needs its own stamp: Django re-arms the cookie's age whenever the session is
    saved, which this middleware does while the user is active, so the cookie alone would let an
    active session live for ever."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if hasattr(request, "session") and request.user.is_authenticated:
            now = int(clock.now().timestamp())
            session = request.session
            started = session.get("signed_in_at")
            last = session.get("last_seen")
            if started is None:
                session["signed_in_at"] = started = now
            idle = last is not None and now - last > settings.SESSION_IDLE_TIMEOUT
            too_old = now - started > settings.SESSION_COOKIE_AGE
            if idle or too_old:
                logout(request)
                # The fresh anonymous session tells the sign-in page why the user is back there.
                request.session["session_expired"] = "idle" if idle else "absolute"
            elif last is None or now - last >= LAST_SEEN_RESOLUTION_S:
                session["last_seen"] = now
        return self.get_response(request)


class ChineseByDefaultMiddleware:
    """The product speaks Chinese unless the user picked another language in the switcher.

    Django would otherwise follow the browser's Accept-Language, and a branch PC or phone set up
    in English would show English without anyone asking for it. The switcher's cookie still wins
    (LocaleMiddleware reads it first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META["HTTP_ACCEPT_LANGUAGE"] = settings.LANGUAGE_CODE
        return self.get_response(request)


class AdminNetworkMiddleware:
    """The admin site only from ADMIN_ALLOWED_NETWORKS (addresses/CIDRs; empty: from anywhere).

    Everyone else gets the same 404 as an unknown address, so the admin is not even confirmed to
    exist. The client address is the one org.ratelimit resolves behind the trusted proxies."""

    def __init__(self, get_response):
        from django.urls import reverse

        self.get_response = get_response
        self.prefix = reverse("admin:index")

    def __call__(self, request):
        allowed = settings.ADMIN_ALLOWED_NETWORKS
        if allowed and request.path.startswith(self.prefix):
            from django.http import Http404

            from .ratelimit import client_ip, in_networks

            if not in_networks(client_ip(request), allowed):
                raise Http404
        return self.get_response(request)


class RejectNulMiddleware:
    """A NUL byte in the path, the query string or a submitted form answers 400 with a Chinese
    message here, at the edge, instead of 500 from PostgreSQL (which cannot store NUL in text).

    JSON bodies are left to their parsers: DRF's CharField refuses NUL, and the loan webhook rejects
    the one event that carries it (org.text, referrals.services.applications). Uploaded files are
    checked by the importer, row by row."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        from .text import NUL

        if NUL in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        # Form fields, urlencoded or multipart (no view here swaps upload handlers, so parsing the
        # body now changes nothing for it; an uploaded file's content is the importer's to check).
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any(NUL in key or any(NUL in v for v in values) for key, values in request.POST.lists())
        return False

    @staticmethod
    def _refuse(request):
        import logging

        from django.http import JsonResponse
        from django.template.response import TemplateResponse

        from .text import NUL_MESSAGE

        logging.getLogger(__name__).warning("Refused a request carrying a NUL byte: %s", request.path.replace("\x00", "\\0"))
        if request.path.startswith("/api/"):
            return JsonResponse({"error": {"code": "invalid", "message": str(NUL_MESSAGE), "fields": {}}}, status=400)
        return TemplateResponse(request, "400.html", {"message": str(NUL_MESSAGE)}, status=400).render()
