"""The 2053 metrics that carry targets (targets.registry): 有效电访, 面访, 2053达标天数, 覆盖率.

Institutions get their subtree's total over the institution stamped on each call or visit (the
outlet of the day); persons their own. 有效电访 and 面访 also have a `staff_query` (one grouped
query of every person) for scorecards."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Q

from org.periods import Period
from org.selectors import common_path
from targets.registry import Metric, MetricValues, register

from .selectors import rules
from .selectors.attainment import _day_customer, attainment_rows

CALLS, VISITS, DAYS, COVERAGE = "wealth.effective_calls", "wealth.visits", "wealth.days_2053", "wealth.coverage"
ZERO = Decimal("0")


def calls_staff_query(period: Period):
    return (
        rules.counted_calls(start=period.start, end=period.end).values("staff_id")
        .annotate(value=Count(_day_customer(), distinct=True)).values("staff_id", "value").order_by()
    )


def visits_staff_query(period: Period):
    return rules.counted_visits(start=period.start, end=period.end).values("staff_id").annotate(value=Count("pk")).values("staff_id", "value").order_by()


def _value(code: str, row) -> Decimal:
    if code == CALLS:
        return Decimal(row.calls)
    if code == VISITS:
        return Decimal(row.visits)
    if code == DAYS:
        return Decimal(row.days_2053)
    return (row.coverage or ZERO) * 100


def actuals_for(code: str):
    def actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
        institutions = list(institutions)
        out = MetricValues(rule_version=rules.rule_label(period.start, period.end))
        if staff:
            ids = [s.pk for s in staff]
            out.by_staff = dict.fromkeys(ids, ZERO)
            for row in attainment_rows(start=period.start, end=period.end, staff_ids=ids).values():
                if code == COVERAGE:
                    if row.managed:
                        out.by_staff[row.staff_id] = _value(code, row)
                else:
                    out.by_staff[row.staff_id] += _value(code, row)
        if institutions:
            prefix = Q()
            for inst in institutions:
                prefix |= Q(path__startswith=inst.path)
            from org.models import Institution

            paths = dict(Institution.objects.filter(prefix).values_list("pk", "path"))
            out.by_institution = dict.fromkeys((i.pk for i in institutions), ZERO)
            # Only the facts under the institutions' common ancestor (the whole bank only when they
            # span branches), read once for all of them.
            path = common_path([i.path for i in institutions])
            all_rows = attainment_rows(start=period.start, end=period.end, path=path)
            managed = dict.fromkeys(out.by_institution, 0)
            covered = dict.fromkeys(out.by_institution, 0)
            for row in all_rows.values():
                path = paths.get(row.institution_id)
                if path is None:
                    continue
                for inst in institutions:
                    if path.startswith(inst.path):
                        if code == COVERAGE:
                            managed[inst.pk] += row.managed
                            covered[inst.pk] += row.covered
                        else:
                            out.by_institution[inst.pk] += _value(code, row)
            if code == COVERAGE:
                out.by_institution = {pk: (Decimal(covered[pk]) * 100 / managed[pk]).quantize(Decimal("0.01")) if managed[pk] else ZERO for pk in managed}
        return out

    return actuals


def register_metrics() -> None:
    register(Metric(code=CALLS, name="有效电访", positions=("wealth_manager",), unit="件", program="wealth", actuals=actuals_for(CALLS), staff_query=calls_staff_query))
    register(Metric(code=VISITS, name="面访", positions=("wealth_manager",), unit="件", program="wealth", actuals=actuals_for(VISITS), staff_query=visits_staff_query))
    register(Metric(code=DAYS, name="2053达标天数", positions=("wealth_manager",), unit="天", program="wealth", actuals=actuals_for(DAYS)))
    register(Metric(code=COVERAGE, name="覆盖率", positions=("wealth_manager",), unit="%", program="wealth", actuals=actuals_for(COVERAGE), decimals=2))
    register(Metric(code=SPOT, name="录音抽查得分", positions=("wealth_manager",), unit="分", program="wealth", actuals=spot_actuals, staff_query=spot_staff_query, levels=("person", "branch", "head_office")))


SPOT = "wealth.spot_check_score"


def spot_staff_query(period: Period):
    from django.db.models import Avg

    from .models import SpotCheck

    return (
        SpotCheck.objects.filter(score__isnull=False, call__local_date__range=(period.start, period.end))
        .values(staff_id=F("call__staff_id")).annotate(value=Avg("score")).values("staff_id", "value").order_by()
    )


def spot_actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
    """Average spot-check score of the calls of the period (persons; institutions over their subtree)."""
    from django.db.models import Avg

    from .models import SpotCheck

    out = MetricValues(rule_version="录音抽查 v1")
    if staff:
        got = dict(spot_staff_query(period).filter(call__staff_id__in=[s.pk for s in staff]).values_list("staff_id", "value"))
        out.by_staff = {s.pk: Decimal(str(round(got[s.pk], 2))) if s.pk in got else ZERO for s in staff}
    for inst in institutions:
        avg = SpotCheck.objects.filter(score__isnull=False, call__local_date__range=(period.start, period.end),
                                       call__institution__path__startswith=inst.path).aggregate(v=Avg("score"))["v"]
        out.by_institution[inst.pk] = Decimal(str(round(avg, 2))) if avg is not None else ZERO
    return out
