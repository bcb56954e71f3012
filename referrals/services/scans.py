"""The public side of a code: counting scans, taking leads, and keeping floods off the database.

No raw IP address is stored. A client is identified by `client_hash`, a truncated HMAC (keyed with
PII_HASH_KEY) of its address and user agent: stable enough to count a client once per window and
to rate-limit it, useless for finding out who the client was.

Counters live in the cache (Redis in production, shared by every web process). A cache outage
must never take the landing page down, so every cache error is logged and the request carries on:
a scan is then counted (possibly twice) and no rate limit applies until the cache is back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import gettext as _

from org import clock, pii, ratelimit
from org.errors import ApplicationError
from org.selectors import staff_institution_on

from ..models import Campaign, Lead, ReferralCode, ReferralProduct, ScanEvent

logger = logging.getLogger(__name__)

# Bump when the text of the privacy notice (templates/referrals/public/privacy.html) changes:
# every lead records the version its customer agreed to.
PRIVACY_NOTICE_VERSION = "2024-11-v1"
LEAD_RETENTION_DAYS = 180  # stated in the privacy notice; leads older than this are purged

CLIENT_HASH_LENGTH = 32


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def scan_dedupe_window_s() -> int:
    return _setting("REFERRAL_SCAN_DEDUPE_WINDOW_S", 10 * 60)


class ClientType:
    WECHAT = "wechat"
    ALIPAY = "alipay"
    IOS = "ios"
    ANDROID = "android"
    DESKTOP = "desktop"
    OTHER = "other"


def client_type_from_user_agent(user_agent: str) -> str:
    """A coarse client type. The in-app browsers come first: WeChat and Alipay on an iPhone also
    say "iPhone", and which app the customer scanned with is what the campaign wants to know."""
    ua = (user_agent or "").lower()
    if "micromessenger" in ua:
        return ClientType.WECHAT
    if "alipayclient" in ua or "alipay" in ua:
        return ClientType.ALIPAY
    if "iphone" in ua or "ipad" in ua or "ipod" in ua:
        return ClientType.IOS
    if "android" in ua:
        return ClientType.ANDROID
    if any(word in ua for word in ("windows", "macintosh", "x11", "linux", "cros")):
        return ClientType.DESKTOP
    return ClientType.OTHER


def client_hash(*, remote_addr: str, user_agent: str) -> str:
    message = f"{remote_addr or ''}\n{user_agent or ''}".encode()
    return hmac.new(settings.PII_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()[:CLIENT_HASH_LENGTH]


def scan_rate_limited(*, client: str) -> bool:
    return ratelimit.hit(
        "scan",
        client,
        limit=_setting("REFERRAL_SCAN_RATE_LIMIT", 30),
        window_s=_setting("REFERRAL_SCAN_RATE_WINDOW_S", 60),
    )


def lead_rate_limited(*, client: str) -> bool:
    return ratelimit.hit(
        "lead",
        client,
        limit=_setting("REFERRAL_LEAD_RATE_LIMIT", 5),
        window_s=_setting("REFERRAL_LEAD_RATE_WINDOW_S", 10 * 60),
    )


def scan_record(*, code_id: int, client: str, client_type: str, institution_id: int | None = None) -> bool:
    """Count a scan once per client and code per dedupe window: one `cache.add` and at most one
    INSERT, so a whole bank scanning in the same hour costs the database one row per real scan.
    Returns False when this client's scan was already counted."""
    window = scan_dedupe_window_s()
    try:
        first = cache.add(f"ref:scan:{code_id}:{client}", 1, timeout=window)
    except Exception:  # noqa: BLE001 - count rather than fail when the cache is down
        logger.warning("Scan de-duplication cache unavailable", exc_info=True)
        first = True
    if not first:
        return False
    # A plain INSERT: the page's hottest write, without building a model instance.
    with connection.cursor() as cursor:
        cursor.execute(_SCAN_INSERT_SQL, [code_id, institution_id, clock.now(), client_type, client])
    return True


_SCAN_INSERT_SQL = f"INSERT INTO {ScanEvent._meta.db_table} (code_id, institution_id, at, client_type, client_hash) VALUES (%s, %s, %s, %s, %s)"


def lead_validate(
    *, name: str, mobile: str, product_code: str, amount: Decimal | None, consent: bool, products: list[ReferralProduct]
) -> dict[str, list[str]]:
    """The lead rules, with the messages a customer reads next to each field."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("请填写您的姓名")]
    elif len(name) > 50:
        errors["name"] = [_("姓名不能超过 50 个字")]
    if not (mobile or "").strip():
        errors["mobile"] = [_("请填写手机号")]
    elif not pii.is_valid_mobile(mobile):
        errors["mobile"] = [_("请填写正确的 11 位手机号，如 13800138000")]
    if not product_code:
        errors["product"] = [_("请选择您感兴趣的产品")]
    elif product_code not in {p.code for p in products}:
        errors["product"] = [_("所选产品不在本次活动中，请重新选择")]
    if amount is not None:
        if amount <= 0:
            errors["amount"] = [_("意向金额须大于 0")]
        elif amount.as_tuple().exponent < -2:
            errors["amount"] = [_("意向金额最多保留两位小数")]
        elif amount >= Decimal("1e12"):
            errors["amount"] = [_("意向金额过大，请核对")]
    if not consent:
        errors["consent"] = [_("请阅读并同意《个人信息保护说明》后再提交")]
    return errors


@transaction.atomic
def lead_create(
    *,
    code: ReferralCode,
    campaign: Campaign | None,
    products: list[ReferralProduct],
    name: str,
    mobile: str,
    product_code: str,
    amount: Decimal | None,
    consent: bool,
    client: str = "",
    day: dt.date | None = None,
) -> Lead:
    """Record a lead credited to the code's employee and to the institution they belong to today
    (a later transfer does not move it), with the consent the customer gave and its version."""
    errors = lead_validate(name=name, mobile=mobile, product_code=product_code, amount=amount, consent=consent, products=products)
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], code="invalid", fields=errors)
    now = clock.now()
    day = day or clock.local(now).date()
    product = next(p for p in products if p.code == product_code)
    return Lead.objects.create(
        code=code,
        staff=code.staff,
        institution=staff_institution_on(staff=code.staff, day=day),
        campaign=campaign,
        product=product,
        name=name.strip(),
        mobile=pii.normalise(mobile),
        amount=amount,
        consent_at=now,
        consent_version=PRIVACY_NOTICE_VERSION,
        created_at=now,
        client_hash=client,
    )


@transaction.atomic
def lead_purge_expired(*, retention_days: int = LEAD_RETENTION_DAYS) -> int:
    """Delete leads older than the retention period the privacy notice promises; returns how many.

    Meant for a nightly job. Leads that became applications live on as applications (the loan
    system's record), so nothing else depends on the lead row."""
    cutoff = clock.now() - dt.timedelta(days=retention_days)
    deleted, _per_model = Lead.objects.filter(created_at__lt=cutoff).delete()
    return deleted
