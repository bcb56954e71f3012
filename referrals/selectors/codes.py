"""Reads of referral codes, the active campaign, and the manager's code overview."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from org import clock
from org.models import Staff
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
