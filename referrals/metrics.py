"""The referral metrics that carry targets (targets.registry): 进件数, 放款笔数, 放款金额.

Actuals count what the circular and the dashboard count (`counted_q`, credited institution at
submission, Asia/Shanghai periods): applications by submission time, loans and amounts by
disbursement time. Institutions get their subtree's total (one grouped query, rolled up along the
materialised paths); persons their own (one grouped query)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce

from org.periods import Period
from targets.registry import Metric, MetricValues, register

from .models import Application, counted_q

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=18, decimal_places=2)
APPLICATIONS, LOANS, AMOUNT = "referral.applications", "referral.loans", "referral.disbursed_amount"
LARGE = 1000  # more people than this: no IN list


def _aggregates(period: Period) -> dict:
    lo, hi = period.bounds()
    submitted = Q(submitted_at__gte=lo, submitted_at__lt=hi)
    disbursed = Q(disbursed_at__gte=lo, disbursed_at__lt=hi)
    return {
        "touched": submitted | disbursed,
        APPLICATIONS: Count("pk", filter=submitted),
        LOANS: Count("pk", filter=disbursed),
        AMOUNT: Coalesce(Sum("disbursed_amount", filter=disbursed), Value(ZERO), output_field=MONEY),
    }


def actuals_for(code: str):
    def actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
        from .selectors.reporting import referral_rule_label

        agg = _aggregates(period)
        base = Application.objects.filter(counted_q()).filter(agg["touched"])
        out = MetricValues(rule_version=referral_rule_label(period=period))
        if institutions:
            prefixes = Q()
            for inst in institutions:
                prefixes |= Q(institution__path__startswith=inst.path)
            wanted = {inst.path: inst.pk for inst in institutions}
            totals = {pk: ZERO for pk in wanted.values()}
            for path, value in base.filter(prefixes).values("institution__path").annotate(v=agg[code]).values_list("institution__path", "v").order_by():
                # Credit each institution's figure to every requested ancestor (≤ 5 levels).
                parts = path.strip("/").split("/")
                for i in range(1, len(parts) + 1):
                    ancestor = "/" + "/".join(parts[:i]) + "/"
                    if ancestor in wanted:
                        totals[wanted[ancestor]] += Decimal(value)
            out.by_institution = totals
        if staff:
            ids = [s.pk for s in staff]
            # Thousands of people: group the period's applications by person and keep the wanted
            # ones (a 20,000-element IN list costs more to build than the grouping saves).
            scoped = base.filter(staff_id__in=ids) if len(ids) <= LARGE else base.filter(staff_id__isnull=False)
            rows = scoped.values("staff_id").annotate(v=agg[code]).values_list("staff_id", "v").order_by()
            out.by_staff = {pk: ZERO for pk in ids}
            for sid, v in rows:
                if sid in out.by_staff:
                    out.by_staff[sid] = Decimal(v)
        return out

    return actuals


def register_metrics() -> None:
    register(Metric(code=APPLICATIONS, name="进件数", unit="件", program="referrals", actuals=actuals_for(APPLICATIONS)))
    register(Metric(code=LOANS, name="放款笔数", unit="笔", program="referrals", actuals=actuals_for(LOANS)))
    register(Metric(code=AMOUNT, name="放款金额", unit="万元", program="referrals", actuals=actuals_for(AMOUNT), decimals=2))
    register(Metric(code=VIOLATIONS, name="确认违规进件", unit="件", program="referrals", actuals=violations_actuals, higher_is_better=False))


VIOLATIONS = "referral.violations"


def violations_actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
    """Applications confirmed as abuse (确认违规), by submission time: a deduction item of scorecards."""
    from .models import FlagStatus
    from .selectors.reporting import referral_rule_label

    lo, hi = period.bounds()
    base = Application.objects.filter(flag_status=FlagStatus.CONFIRMED, submitted_at__gte=lo, submitted_at__lt=hi)
    out = MetricValues(rule_version=referral_rule_label(period=period))
    if staff:
        ids = [s.pk for s in staff]
        scoped = base.filter(staff_id__in=ids) if len(ids) <= LARGE else base.filter(staff_id__isnull=False)
        out.by_staff = dict.fromkeys(ids, ZERO)
        for sid, v in scoped.values("staff_id").annotate(v=Count("pk")).values_list("staff_id", "v").order_by():
            if sid in out.by_staff:
                out.by_staff[sid] = Decimal(v)
    if institutions:
        wanted = {i.path: i.pk for i in institutions}
        out.by_institution = dict.fromkeys(wanted.values(), ZERO)
        for path, n in base.values("institution__path").annotate(v=Count("pk")).values_list("institution__path", "v").order_by():
            parts = path.strip("/").split("/")
            for k in range(1, len(parts) + 1):
                ancestor = "/" + "/".join(parts[:k]) + "/"
                if ancestor in wanted:
                    out.by_institution[wanted[ancestor]] += n
    return out
