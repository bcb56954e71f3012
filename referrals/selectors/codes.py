"""Reads of referral codes, the active campaign, and the manager's code overview."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from org import clock
from org.db import read_connection
from org.models import Institution, Staff
from org.scoping import scope_filter

from ..models import Campaign, CodeKind, ReferralCode, ReferralProduct


def referral_code_resolve(*, token: str, day: dt.date | None = None) -> ReferralCode | None:
    """The code behind a scanned token, with its employee and outlet, in one query; None when the
    token is unknown, revoked, or belongs to someone who has left (their code must not earn)."""
    if not token or len(token) > 64:
        return None
    day = day or clock.today()
    return (
        ReferralCode.objects.select_related("staff__institution")
        .filter(token=token, revoked_at__isnull=True, staff__active_from__lte=day)
        .filter(Q(staff__active_to__isnull=True) | Q(staff__active_to__gte=day))
        .first()
    )


def personal_code_of(*, staff: Staff) -> ReferralCode | None:
    return ReferralCode.objects.filter(staff=staff, kind=CodeKind.PERSONAL, revoked_at__isnull=True).first()


def mgm_codes_of(*, staff: Staff) -> QuerySet[ReferralCode]:
    """An employee's MGM codes, newest first (active and revoked, so they can see both)."""
    return ReferralCode.objects.filter(staff=staff, kind=CodeKind.MGM).order_by("-created_at", "-pk")


def campaign_active_on(*, day: dt.date | None = None) -> Campaign | None:
    """The campaign whose period contains `day` (the latest started when several overlap), with its
    products on sale prefetched: two queries."""
    day = day or clock.today()
    products = Prefetch("products", queryset=ReferralProduct.objects.filter(is_active=True).order_by("code"), to_attr="products_on_sale")
    return Campaign.objects.filter(start_date__lte=day, end_date__gte=day).order_by("-start_date", "-pk").prefetch_related(products).first()


def products_on_offer(*, campaign: Campaign | None) -> list[ReferralProduct]:
    """What the scan page offers: the active campaign's products on sale, or, between campaigns,
    every product on sale so a scanned code still leads somewhere."""
    if campaign is not None:
        return list(campaign.products_on_sale)
    return list(ReferralProduct.objects.filter(is_active=True).order_by("code"))


def staff_with_code_status(*, user, day: dt.date | None = None) -> QuerySet[Staff]:
    """Active staff in the user's scope annotated with their active personal code (token and
    issue time, or None): one query per page whatever the scope's size."""
    day = day or clock.today()
    active = ReferralCode.objects.filter(staff=OuterRef("pk"), kind=CodeKind.PERSONAL, revoked_at__isnull=True)
    mgm = ReferralCode.objects.filter(staff=OuterRef("pk"), kind=CodeKind.MGM, revoked_at__isnull=True)
    return (
        scope_filter(Staff.objects.select_related("institution"), user=user)
        .active_on(day)
        .annotate(
            code_token=Subquery(active.values("token")[:1]),
            code_created_at=Subquery(active.values("created_at")[:1]),
            has_mgm=Exists(mgm),
        )
        .order_by("institution__path", "employee_no")
    )


def personal_code_rows(*, staff_qs: QuerySet[Staff], day: dt.date | None = None):
    """(employee_no, name, institution_code, token) of every active employee in `staff_qs` with
    an active personal code, ordered for printing: one query."""
    day = day or clock.today()
    return (
        ReferralCode.objects.filter(kind=CodeKind.PERSONAL, revoked_at__isnull=True, staff__in=staff_qs.active_on(day).values("pk"))
        .order_by("staff__institution__path", "staff__employee_no")
        .values_list("staff__employee_no", "staff__name", "staff__institution__code", "staff__institution__name", "token")
    )


# --- The public scan page's fast path --------------------------------------------------------
# A campaign launch sends a whole bank's customers to `/r/<token>` in the same hour, so the page
# reads with one hand-written indexed query and a cached offer instead of composing ORM queries
# per request (Django's query compilation was half of the page's time; see bench/).


@dataclass(frozen=True)
class ScanTarget:
    """What the landing page needs of a resolved code: no model instances, no lazy lookups."""

    code_id: int
    token: str
    kind: str
    intermediary_name: str
    staff_name: str
    outlet_name: str
    institution_id: int
    show_full_name: bool = False

    @property
    def referrer_name(self) -> str:
        """The name the scan page shows: in full only where the employee agreed, else 张*."""
        from org import pii

        return self.staff_name if self.show_full_name else pii.mask_name(self.staff_name)


_SCAN_TARGET_SQL = None


def _scan_target_sql() -> str:
    global _SCAN_TARGET_SQL
    if _SCAN_TARGET_SQL is None:
        code_t, staff_t, inst_t = ReferralCode._meta.db_table, Staff._meta.db_table, Institution._meta.db_table
        _SCAN_TARGET_SQL = (
            f"SELECT c.id, c.token, c.kind, c.intermediary_name, s.name, i.name, i.id, c.show_full_name "
            f"FROM {code_t} c JOIN {staff_t} s ON s.id = c.staff_id JOIN {inst_t} i ON i.id = s.institution_id "
            f"WHERE c.token = %s AND c.revoked_at IS NULL AND s.active_from <= %s AND (s.active_to IS NULL OR s.active_to >= %s)"
        )
    return _SCAN_TARGET_SQL


def scan_target_resolve(*, token: str, day: dt.date | None = None) -> ScanTarget | None:
    """Same rule as `referral_code_resolve` (unknown, revoked or leaver's code: None) in one
    indexed query on the unique token."""
    if not token or len(token) > 64:
        return None
    day = day or clock.today()
    with read_connection().cursor() as cursor:
        cursor.execute(_scan_target_sql(), [token, day, day])
        row = cursor.fetchone()
    return ScanTarget(*row[:7], bool(row[7])) if row else None


@dataclass(frozen=True)
class OfferProduct:
    code: str
    name: str
    description: str


@dataclass(frozen=True)
class PublicOffer:
    campaign_id: int | None
    campaign_name: str
    tagline: str
    products: tuple[OfferProduct, ...]


OFFER_CACHE_S = 60
# Each web process also keeps the offer for a few seconds: at launch-hour rates that saves a cache
# round trip on almost every scan, and a campaign edit reaches every process within OFFER_LOCAL_S.
# (REFERRAL_OFFER_LOCAL_S; the test settings turn it off so each test sees its own campaigns).
_local_offers: dict[dt.date, tuple[float, PublicOffer]] = {}


def _offer_key(day: dt.date) -> str:
    return f"ref:offer:{day.isoformat()}"


def public_offer(*, day: dt.date | None = None) -> PublicOffer:
    """The active campaign and its products as the scan page shows them, cached for a minute
    (changes to campaigns and products drop the cache at once: `offer_cache_clear`)."""
    day = day or clock.today()
    local_s = getattr(settings, "REFERRAL_OFFER_LOCAL_S", 5)
    local = _local_offers.get(day) if local_s else None
    if local is not None and local[0] > time.monotonic():
        return local[1]
    key = _offer_key(day)
    try:
        offer = cache.get(key)
    except Exception:  # noqa: BLE001 - a cache outage must not take the page down
        offer = None
    if offer is not None:
        _local_offers[day] = (time.monotonic() + local_s, offer)
        return offer
    campaign = campaign_active_on(day=day)
    products = tuple(OfferProduct(p.code, p.name, p.description) for p in products_on_offer(campaign=campaign))
    offer = PublicOffer(
        campaign_id=campaign.pk if campaign else None,
        campaign_name=campaign.name if campaign else "",
        tagline=campaign.tagline if campaign else "",
        products=products,
    )
    try:
        cache.set(key, offer, OFFER_CACHE_S)
    except Exception:  # noqa: BLE001
        pass
    _local_offers[day] = (time.monotonic() + local_s, offer)
    return offer


def offer_cache_clear(**_signal_kwargs) -> None:
    """Connected to campaign and product changes (referrals/apps.py)."""
    _local_offers.clear()
    today = clock.today()
    try:
        cache.delete_many([_offer_key(today + dt.timedelta(days=d)) for d in (-1, 0, 1)])
    except Exception:  # noqa: BLE001
        pass


def product_names() -> dict[str, str]:
    """Product code → Chinese name, for every table and export that shows a product."""
    return dict(ReferralProduct.objects.values_list("code", "name"))
