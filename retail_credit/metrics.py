"""The capacity metrics that carry targets (targets.registry): 放款金额 and 产能积分.

Persons get their own loans of the period; institutions the loans credited to their subtree (the
officer's institution on the disbursement date). Points are computed month by month, each with the
scheme of its month, so a quarter's points are the sum of its months'."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F, Q, Sum

from org.periods import Period
from org.selectors import subtree_totals_each
from targets.registry import Metric, MetricValues, register

from .models import Loan
from .selectors.capacity import ZERO, capacity_query, q2
from .selectors.scheme import scheme_label, terms_for

AMOUNT, POINTS = "retail_credit.amount", "retail_credit.points"


def _months(period: Period) -> list[Period]:
    return period.months() if period.kind in ("quarter", "year") else [Period.containing(period.start, "month")]


def rule_label(period: Period) -> str:
    return "；".join(dict.fromkeys(scheme_label(m.start) for m in _months(period)))


def amount_staff_query(period: Period):
    return Loan.objects.filter(disbursed_on__range=(period.start, period.end)).values("staff_id").annotate(value=Sum("amount")).values("staff_id", "value").order_by()


def points_staff_query(period: Period):
    """Points of the period's first month as one grouped query (scorecards of a month or a week)."""
    month = _months(period)[0]
    start, end = max(period.start, month.start), min(period.end, month.end)
    return capacity_query(start=start, end=end, terms=terms_for(month.start)).values("staff_id", value=F("points"))


def amount_actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
    out = MetricValues(rule_version=rule_label(period))
    loans = Loan.objects.filter(disbursed_on__range=(period.start, period.end))
    if staff:
        got = dict(loans.filter(staff_id__in=[s.pk for s in staff]).values("staff_id").annotate(v=Sum("amount")).values_list("staff_id", "v").order_by())
        out.by_staff = {s.pk: q2(got.get(s.pk)) for s in staff}
    if institutions:
        out.by_institution = amount_institution_values(periods=[period], institutions=institutions)[0]
    return out


def amount_institution_values(*, periods: list[Period], institutions) -> list[dict[int, Decimal]]:
    """Each period's loans credited to each institution's subtree, in one scan of the loans."""
    span = Period.span(periods)
    loans = Loan.objects.filter(disbursed_on__range=(span.start, span.end))
    values = [Sum("amount", filter=Q(disbursed_on__range=(p.start, p.end))) for p in periods] if len(periods) > 1 else [Sum("amount")]
    totals = subtree_totals_each(loans, path_field="institution__path", values=values, institutions=institutions)
    return [{pk: q2(v) for pk, v in t.items()} for t in totals]


def points_actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
    out = MetricValues(rule_version=rule_label(period))
    out.by_staff = {s.pk: ZERO for s in staff}
    out.by_institution = {i.pk: ZERO for i in institutions}
    ids = [s.pk for s in staff]
    for month in _months(period):
        start, end = max(period.start, month.start), min(period.end, month.end)
        terms = terms_for(month.start)
        if staff:
            for r in capacity_query(start=start, end=end, terms=terms, staff_ids=ids):
                out.by_staff[r["staff_id"]] += Decimal(r["points"])
        for inst in institutions:
            # Points are a person's: an institution's are the sum, over officers, of the points of the
            # loans credited to its subtree (one statement: the grouped query as a subquery).
            got = capacity_query(start=start, end=end, terms=terms, path=inst.path).aggregate(total=Sum("points"))["total"]
            out.by_institution[inst.pk] += Decimal(got or 0)
    out.by_staff = {k: q2(v) for k, v in out.by_staff.items()}
    out.by_institution = {k: q2(v) for k, v in out.by_institution.items()}
    return out


def tier_groups(staff, period: Period) -> dict[int, str]:
    """League breakdown: each officer's tier of the period's year ("3 梯队"; "未定梯队")."""
    from .selectors.scheme import tiers_of

    return {pk: f"{tier} 梯队" if tier else "未定梯队" for pk, tier in tiers_of(staff, period.end.year).items()}


def register_metrics() -> None:
    common = {"program": "retail_credit", "positions": ("loan_officer",), "person_groups": (("梯队", tier_groups),), "decimals": 2}
    register(Metric(code=AMOUNT, name="放款金额", unit="万元", actuals=amount_actuals, staff_query=amount_staff_query,
                    institution_values=amount_institution_values, **common))
    register(Metric(code=POINTS, name="产能积分", unit="分", actuals=points_actuals, staff_query=points_staff_query, **common))
