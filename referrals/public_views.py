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
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from org import pii
from org.errors import ApplicationError

from .models import CodeKind
from .selectors.codes import campaign_active_on, products_on_offer, referral_code_resolve
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
    return client_hash(remote_addr=request.META.get("REMOTE_ADDR", ""), user_agent=request.META.get("HTTP_USER_AGENT", ""))


def _invalid(request):
    return render(request, "referrals/public/invalid.html", status=404)


def _too_many(request, *, what: str):
    return render(request, "referrals/public/rate_limited.html", {"what": what}, status=429)


def _offer(code):
    campaign = campaign_active_on()
    products = products_on_offer(campaign=campaign)
    for product in products:
        product.apply_url = loan_application_url(token=code.token, product_code=product.code)
    return campaign, products


def _landing(request, *, code, campaign, products, values=None, errors=None, status=200):
    staff = code.staff
    context = {
        "code": code,
        "campaign": campaign,
        "products": products,
        "referrer_name": pii.mask_name(staff.name),
        "referrer_outlet": staff.institution.name,
        "intermediary": code.intermediary_name if code.kind == CodeKind.MGM else "",
        "values": values or {},
        "errors": errors or {},
        "privacy_version": PRIVACY_NOTICE_VERSION,
    }
    return render(request, "referrals/public/landing.html", context, status=status)


@never_cache
@require_GET
def scan(request, token: str):
    client = _client(request)
    # Limited before the token lookup, so guessing tokens is as slow as scanning one.
    if scan_rate_limited(client=client):
        return _too_many(request, what=_("访问"))
    code = referral_code_resolve(token=token)
    if code is None:
        return _invalid(request)
    scan_record(code=code, client=client, client_type=client_type_from_user_agent(request.META.get("HTTP_USER_AGENT", "")))
    campaign, products = _offer(code)
    return _landing(request, code=code, campaign=campaign, products=products)


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
    campaign, products = _offer(code)
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
        return _landing(request, code=code, campaign=campaign, products=products, values=values, errors=errors, status=400)
    # Post/redirect/get: a refresh of the thank-you page cannot submit the lead twice.
    return redirect("referrals_public:thanks", token=token)


@never_cache
@require_GET
def thanks(request, token: str):
    code = referral_code_resolve(token=token)
    if code is None:
        return _invalid(request)
    return render(request, "referrals/public/thanks.html", {"code": code, "referrer_name": pii.mask_name(code.staff.name)})


@require_GET
def privacy(request):
    return render(
        request,
        "referrals/public/privacy.html",
        {"version": PRIVACY_NOTICE_VERSION, "retention_days": LEAD_RETENTION_DAYS},
    )
