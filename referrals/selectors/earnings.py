"""Reads of earnings: an employee's by month, and the payout sheets a manager may see."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from org import clock
from org.scoping import scope_filter

from ..models import Earning, EarningStatus, PayoutSheet
from .applications import month_period

MONEY = DecimalField(max_digits=16, decimal_places=2)
TOTAL_STATUSES = (EarningStatus.PENDING, EarningStatus.CONFIRMED, EarningStatus.PAID, EarningStatus.REVERSED)


def _with_month(qs: QuerySet) -> QuerySet:
    # An earning belongs to the month it was confirmed (disbursement); before that, to the month
    # the application was submitted.
    return qs.annotate(
        booked_at=Coalesce("confirmed_at", "application__submitted_at"),
        month=TruncMonth(Coalesce("confirmed_at", "application__submitted_at"), tzinfo=clock.SHANGHAI),
    )


def my_earnings_by_month(*, staff) -> list[dict]:
    """[{month: "YYYY-MM", pending, confirmed, paid, reversed, lines}] newest first, summed in the DB."""
    sums = {s: Coalesce(Sum("amount", filter=Q(status=s)), Value(Decimal("0")), output_field=MONEY) for s in TOTAL_STATUSES}
    rows = _with_month(Earning.objects.filter(staff=staff)).values("month").annotate(lines=Count("id"), **sums).order_by("-month")
    out = []
    for row in rows:
        month = row["month"]
        if hasattr(month, "astimezone") and getattr(month, "tzinfo", None):
            month = clock.local(month)
        out.append({"month": f"{month:%Y-%m}", "lines": row["lines"], **{s: row[s] for s in TOTAL_STATUSES}})
    return out


def my_earning_lines(*, staff, month: str | None = None) -> QuerySet[Earning]:
    qs = _with_month(Earning.objects.filter(staff=staff))
    period = month_period(month)
    if period is not None:
        lo, hi = period.bounds()
        qs = qs.filter(booked_at__gte=lo, booked_at__lt=hi)
    return qs.select_related("application", "incentive", "paid_in", "deducted_in").order_by(F("booked_at").desc(), "-pk")


def payout_sheets_in_scope(*, user) -> QuerySet[PayoutSheet]:
    return scope_filter(PayoutSheet.objects.select_related("branch", "generated_by"), user=user).order_by("-month", "branch__path")
