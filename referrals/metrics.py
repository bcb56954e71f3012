"""The referral metrics that carry targets (targets.registry): 进件数, 放款笔数, 放款金额.

Actuals count what the circular and the dashboard count (`counted_q`, credited institution at
submission, Asia/Shanghai periods): applications by submission time, loans and amounts by
disbursement time. Institutions get their subtree's total (one grouped query, rolled up along the
materialised paths); persons their own (one grouped query)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce

from org.periods import Period
from org.selectors import subtree_totals, subtree_totals_each
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
        # the rows each figure reads: applications by submission, loans and amounts by disbursement
        "touched": {APPLICATIONS: submitted, LOANS: disbursed, AMOUNT: disbursed},
        APPLICATIONS: Count("pk", filter=submitted),
        LOANS: Count("pk", filter=disbursed),
        AMOUNT: Coalesce(Sum("disbursed_amount", filter=disbursed), Value(ZERO), output_field=MONEY),
    }


def staff_query_for(code: str):
    def staff_query(period: Period):
        """Every person's figure of the period: one grouped query (staff_id, value)."""
        return staff_values_for(code)([period]).annotate(value=F("value_0")).values("staff_id", "value")

    return staff_query


def staff_values_for(code: str):
    def staff_values(periods: list[Period]):
        """Every person's figure of each period, in one scan: (staff_id, value_0, value_1, …)."""
        aggs = [_aggregates(p)[code] for p in periods]
        return (
            Application.objects.filter(counted_q()).filter(_aggregates(Period.span(periods))["touched"][code], staff_id__isnull=False)
            .values("staff_id").annotate(**{f"value_{i}": agg for i, agg in enumerate(aggs)}).order_by()
        )

    return staff_values


def _by_staff(query, ids: list[int]) -> dict[int, Decimal]:
    # Thousands of people: group the period's rows by person and keep the wanted ones (a
    # 20,000-element IN list costs more to build than the grouping saves).
    scoped = query.filter(staff_id__in=ids) if len(ids) <= LARGE else query
    out = dict.fromkeys(ids, ZERO)
    for row in scoped:
        if row["staff_id"] in out:
            out[row["staff_id"]] = Decimal(row["value"])
    return out


def institution_values_for(code: str):
    def institution_values(*, periods: list[Period], institutions) -> list[dict[int, Decimal]]:
        """Each period's figure of each institution's subtree, in one scan of the applications."""
        aggs = [_aggregates(p) for p in periods]
        base = Application.objects.filter(counted_q()).filter(_aggregates(Period.span(periods))["touched"][code])
        return subtree_totals_each(base, path_field="institution__path", values=[a[code] for a in aggs], institutions=institutions)

    return institution_values


def actuals_for(code: str):
    staff_query = staff_query_for(code)
    institution_values = institution_values_for(code)

    def actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
        from .selectors.reporting import referral_rule_label

        out = MetricValues(rule_version=referral_rule_label(period=period))
        if institutions:
            out.by_institution = institution_values(periods=[period], institutions=institutions)[0]
        if staff:
            out.by_staff = _by_staff(staff_query(period), [s.pk for s in staff])
        return out

    return actuals


def register_metrics() -> None:
    register(Metric(code=APPLICATIONS, name="进件数", unit="件", program="referrals", actuals=actuals_for(APPLICATIONS), institution_values=institution_values_for(APPLICATIONS), staff_query=staff_query_for(APPLICATIONS), staff_values=staff_values_for(APPLICATIONS)))
    register(Metric(code=LOANS, name="放款笔数", unit="笔", program="referrals", actuals=actuals_for(LOANS), institution_values=institution_values_for(LOANS), staff_query=staff_query_for(LOANS), staff_values=staff_values_for(LOANS)))
    register(Metric(code=AMOUNT, name="放款金额", unit="万元", program="referrals", actuals=actuals_for(AMOUNT), institution_values=institution_values_for(AMOUNT), decimals=2, staff_query=staff_query_for(AMOUNT), staff_values=staff_values_for(AMOUNT)))
    register(Metric(code=VIOLATIONS, name="确认违规进件", unit="件", program="referrals", actuals=violations_actuals, higher_is_better=False, staff_query=violations_staff_query))


VIOLATIONS = "referral.violations"


def violations_actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
    """Applications confirmed as abuse (确认违规), by submission time: a deduction item of scorecards."""
    from .models import FlagStatus
    from .selectors.reporting import referral_rule_label

    lo, hi = period.bounds()
    base = Application.objects.filter(flag_status=FlagStatus.CONFIRMED, submitted_at__gte=lo, submitted_at__lt=hi)
    out = MetricValues(rule_version=referral_rule_label(period=period))
    if staff:
        out.by_staff = _by_staff(violations_staff_query(period), [s.pk for s in staff])
    if institutions:
        out.by_institution = subtree_totals(base, path_field="institution__path", value=Count("pk"), institutions=institutions)
    return out


def violations_staff_query(period: Period):
    from .models import FlagStatus

    lo, hi = period.bounds()
    return (
        Application.objects.filter(flag_status=FlagStatus.CONFIRMED, submitted_at__gte=lo, submitted_at__lt=hi, staff_id__isnull=False)
        .values("staff_id").annotate(value=Count("pk")).values("staff_id", "value").order_by()
    )
