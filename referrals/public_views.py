"""The public landing page of a referral QR (`/r/<token>`): no sign-in, mobile-first, Chinese.

Kept small and fast because a campaign launch sends a whole bank's customers here in the same
hour: a handful of queries (code with employee and outlet, campaign with products, one INSERT for a
counted scan), no session for anonymous visitors, and counters in the cache. Unknown and revoked
codes get a friendly 404 page that says what to do, never an error page.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from org import pii, ratelimit
from org.errors import ApplicationError

from .models import CodeKind
from .selectors.codes import (
    PublicOffer,
    ScanTarget,
    campaign_active_on,
    products_on_offer,
    public_offer,
    referral_code_resolve,
    scan_target_resolve,
)
from .services.scans import (
    LEAD_RETENTION_DAYS,
    PRIVACY_NOTICE_VERSION,
    client_hash,
    client_type_from_user_agent,
    lead_create,
    lead_rate_limited,
    lead_validate,
    scan_rate_limited,
    scan_record,
)


def loan_application_url(*, token: str, product_code: str) -> str:
    """The loan system's application URL with the code and product appended to any query it has."""
    parts = urlsplit(settings.LOAN_APPLICATION_URL)
    query = parse_qsl(parts.query, keep_blank_values=True) + [("referral_code", token), ("product", product_code)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _client(request) -> str:
    # The client's address resolved once, behind the trusted proxies (org.ratelimit.client_ip).
    return client_hash(remote_addr=ratelimit.client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", ""))


def _invalid(request):
    return render(request, "referrals/public/invalid.html", status=404)


def _too_many(request, *, what: str):
    return render(request, "referrals/public/rate_limited.html", {"what": what}, status=429)


def _landing(request, *, target: ScanTarget, offer: PublicOffer, values=None, errors=None, status=200, placeholders=False):
    products = [
        {
            "code": p.code,
            "name": p.name,
            "description": p.description,
            "apply_url": loan_application_url(token=target.token, product_code=p.code),
        }
        for p in offer.products
    ]
    context = {
        "token": target.token,
        "campaign": offer if offer.campaign_id else None,
        "products": products,
        "referrer_name": target.referrer_name,
        "referrer_outlet": target.outlet_name,
        "intermediary": target.intermediary_name if target.kind == CodeKind.MGM else "",
        "values": values or {},
        "errors": errors or {},
        "privacy_version": PRIVACY_NOTICE_VERSION,
    }
    if placeholders:
        context.update({k: v for k, v in _PLACEHOLDERS.items() if k != "token"})
        if target.kind != CodeKind.MGM:
            context["intermediary"] = ""
    return render(request, "referrals/public/landing.html", context, status=status)


# --- The scan page's rendered shell --------------------------------------------------------------
# A first visit (no values, no errors) differs from any other first visit of the same offer only
# in the token, the masked referrer, the outlet, the intermediary and the CSRF token. So each
# process renders the template once per (language, offer, with/without intermediary) with
# placeholders, and a scan fills them in with escaped values: the same HTML as a full render
# (a test compares them) for a fraction of the cost at launch-hour rates.
_PLACEHOLDERS = {
    "token": "RefTokenPlaceholderQz9",
    "referrer_name": "RefNamePlaceholderQz9",
    "referrer_outlet": "RefOutletPlaceholderQz9",
    "intermediary": "RefIntermediaryPlaceholderQz9",
    "csrf_token": "RefCsrfPlaceholderQz9",
}
_shells: dict[tuple, str] = {}


def _landing_shell(request, *, offer: PublicOffer, with_intermediary: bool) -> str:
    key = (get_language(), settings.LOAN_APPLICATION_URL, settings.BANK_NAME, settings.BANK_LOGO, settings.BANK_HOTLINE, offer, with_intermediary)
    shell = _shells.get(key)
    if shell is None:
        target = ScanTarget(0, _PLACEHOLDERS["token"], CodeKind.MGM if with_intermediary else CodeKind.PERSONAL, "", "", "", 0)
        response = _landing(request, target=target, offer=offer, placeholders=True)
        shell = response.content.decode()
        if len(_shells) > 256:  # offers change rarely; never let the memo grow without bound
            _shells.clear()
        _shells[key] = shell
    return shell


def _landing_fast(request, *, target: ScanTarget, offer: PublicOffer) -> HttpResponse:
    intermediary = target.intermediary_name if target.kind == CodeKind.MGM else ""
    html = _landing_shell(request, offer=offer, with_intermediary=bool(intermediary))
    for name, value in (
        ("token", target.token),
        ("referrer_name", target.referrer_name),
        ("referrer_outlet", target.outlet_name),
        ("intermediary", intermediary),
        ("csrf_token", get_token(request)),  # also makes CsrfViewMiddleware set the cookie
    ):
        html = html.replace(_PLACEHOLDERS[name], str(escape(value)))
    return HttpResponse(html)


@never_cache
@require_GET
def scan(request, token: str):
    client = _client(request)
    # Limited before the token lookup, so guessing tokens is as slow as scanning one.
    if scan_rate_limited(client=client):
        return _too_many(request, what=_("访问"))
    target = scan_target_resolve(token=token)
    if target is None:
        return _invalid(request)
    scan_record(
        code_id=target.code_id,
        institution_id=target.institution_id,  # the holder's institution today, kept with the scan
        client=client,
        client_type=client_type_from_user_agent(request.META.get("HTTP_USER_AGENT", "")),
    )
    return _landing_fast(request, target=target, offer=public_offer())


def _parse_amount(raw: str) -> tuple[Decimal | None, str | None]:
    raw = (raw or "").strip().replace(",", "").replace("，", "")
    if not raw:
        return None, None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None, _("请填写正确的金额（元），如 300000")
    if not value.is_finite():
        return None, _("请填写正确的金额（元），如 300000")
    return value, None


@never_cache
@require_http_methods(["GET", "POST"])
def lead(request, token: str):
    if request.method == "GET":  # a refreshed or shared form URL: back to the page itself
        return redirect("referrals_public:scan", token=token)
    client = _client(request)
    if lead_rate_limited(client=client):
        return _too_many(request, what=_("提交"))
    code = referral_code_resolve(token=token)
    if code is None:
        return _invalid(request)
    campaign = campaign_active_on()
    products = products_on_offer(campaign=campaign)
    values = {
        "name": request.POST.get("name", "").strip(),
        "mobile": request.POST.get("mobile", "").strip(),
        "product": request.POST.get("product", ""),
        "amount": request.POST.get("amount", "").strip(),
        "consent": request.POST.get("consent") in ("on", "1", "true", "yes"),
    }
    amount, amount_error = _parse_amount(values["amount"])
    try:
        if amount_error:
            raise ApplicationError(amount_error, fields={"amount": [amount_error]})
        lead_create(
            code=code,
            campaign=campaign,
            products=products,
            name=values["name"],
            mobile=values["mobile"],
            product_code=values["product"],
            amount=amount,
            consent=values["consent"],
            client=client,
        )
    except ApplicationError as exc:
        errors = dict(exc.fields) or {"form": [exc.message]}
        if amount_error:  # report the other fields' problems in the same round trip
            others = lead_validate(
                name=values["name"],
                mobile=values["mobile"],
                product_code=values["product"],
                amount=None,
                consent=values["consent"],
                products=products,
            )
            errors = {**others, **errors}
        target = scan_target_resolve(token=token)
        return _landing(request, target=target, offer=public_offer(), values=values, errors=errors, status=400)
    # Post/redirect/get: a refresh of the thank-you page cannot submit the lead twice.
    return redirect("referrals_public:thanks", token=token)


@never_cache
@require_GET
def thanks(request, token: str):
    code = referral_code_resolve(token=token)
    if code is None:
        return _invalid(request)
    return render(request, "referrals/public/thanks.html", {"code": code, "referrer_name": code.staff.name if code.show_full_name else pii.mask_name(code.staff.name)})


@require_GET
def privacy(request):
    return render(
        request,
        "referrals/public/privacy.html",
        {"version": PRIVACY_NOTICE_VERSION, "retention_days": LEAD_RETENTION_DAYS},
    )
