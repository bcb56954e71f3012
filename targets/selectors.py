"""Reads of targets: the target of institutions and persons for any period, the monthly
distribution, and attainment against time progress (org.progress)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, DecimalField, F, Max, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Round

from org.db import read_connection
from org.models import Institution, Staff
from org.periods import Period
from org.progress import Attainment, time_progress
from org.selectors import common_path

from . import registry
from .models import MonthlyDistribution, Target, calendar_days_percentages

CENT = Decimal("0.01")
MONEY = DecimalField(max_digits=18, decimal_places=2)
SHARE = DecimalField(max_digits=20, decimal_places=12)
ZERO = Decimal("0")
FINER = {"year": ["year", "quarter", "month", "week"], "quarter": ["quarter", "month", "week"], "month": ["month", "week"], "week": ["week"]}
COARSER = {"year": [], "quarter": ["year"], "month": ["quarter", "year"], "week": ["month", "quarter", "year"]}


def monthly_percentages(*, metric: str, year: int) -> list[Decimal]:
    """The twelve monthly shares (percent) of `metric` in `year`: the stored distribution, else by calendar days."""
    row = MonthlyDistribution.objects.filter(metric=metric, year=year).first()
    return row.shares() if row else calendar_days_percentages(year)


def period_share(period: Period, *, within: Period, percentages_by_year: dict[int, list[Decimal]]) -> Decimal:
    """The share (0..1) of `within` (a year, quarter or month) that `period` represents under the
    monthly distribution: each day weighs its month's share divided by the month's days."""
    total = ZERO
    for day in period.days():
        if not within.contains(day):
            continue
        pct = percentages_by_year[day.year][day.month - 1]
        total += pct / 100 / calendar.monthrange(day.year, day.month)[1]
    whole = ZERO
    for day in within.days():
        pct = percentages_by_year[day.year][day.month - 1]
        whole += pct / 100 / calendar.monthrange(day.year, day.month)[1]
    return total / whole if whole else ZERO


@dataclass(frozen=True)
class TargetValue:
    value: Decimal
    source: str  # "set": set for this period; "sum": summed from finer periods or from below; "derived": a share of a longer period


def _rollup(rows: list[tuple[str, Decimal]], node_path: str) -> Decimal | None:
    """Own target, else the nearest targets below (never a parent's and its children's both)."""
    total, found, covered = ZERO, False, None
    for path, value in rows:  # sorted by path: a parent comes before its subtree
        if not path.startswith(node_path) or (covered and path.startswith(covered)):
            continue
        total, found, covered = total + value, True, path
    return total if found else None


def institution_targets(*, metric: str, nodes: list[Institution], period: Period, context: str = "") -> dict[int, TargetValue]:
    """The target of each node (over its subtree) for `period`, by one rule for every page:

    1. targets set for the period itself, or summed over finer periods starting in it (a month's
       campaign weeks); on each node its own target, else the nearest set below it;
    2. otherwise a share of the year's (or quarter's, month's) target by the monthly distribution.
    One query whatever the number of nodes (two when a share of a longer period is needed)."""
    return institution_targets_of(metrics=[metric], nodes=nodes, period=period, context=context)[metric]


def institution_targets_of(*, metrics: list[str], nodes: list[Institution], period: Period, context: str = "") -> dict[str, dict[int, TargetValue]]:
    """`institution_targets` of several metrics at once (one query): {metric: {node id: TargetValue}}."""
    out: dict[str, dict[int, TargetValue]] = {m: {} for m in metrics}
    if not nodes:
        return out
    # Targets under the nodes' common ancestor (one prefix condition, however many nodes): a row
    # outside every node's subtree counts for none of them (`_rollup`).
    ancestor = common_path([n.path for n in nodes])
    under = Q(institution__path__startswith=ancestor) if ancestor else Q()
    coarse = [Period.containing(period.start, k) for k in COARSER[period.kind]]
    rows = (
        Target.objects.filter(metric__in=metrics, context=context, institution__isnull=False)
        .filter(under)
        .filter(Q(period_start__gte=period.start, period_start__lte=period.end, period_kind__in=FINER[period.kind]) | Q(period__in=[c.code for c in coarse]))
        .values_list("metric", "period_kind", "period", "institution__path", "value")
        .order_by("period", "institution__path")
    )
    by_kind: dict[str, dict[str, dict[str, list[tuple[str, Decimal]]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for metric, kind, code, path, value in rows:
        by_kind[metric][kind][code].append((path, value))
    for metric in metrics:
        percentages: dict[int, list[Decimal]] = {}
        shares: dict[str, Decimal] = {}
        for node in nodes:
            for kind in FINER[period.kind]:
                parts = [_rollup(r, node.path) for r in by_kind[metric].get(kind, {}).values()]
                parts = [p for p in parts if p is not None]
                if parts:
                    out[metric][node.pk] = TargetValue(sum(parts, ZERO), "set" if kind == period.kind else "sum")
                    break
            else:
                for c in coarse:
                    value = _rollup(by_kind[metric].get(c.kind, {}).get(c.code, []), node.path)
                    if value is not None:
                        if c.code not in shares:
                            for y in {d.year for d in (c.start, c.end)}:
                                percentages.setdefault(y, monthly_percentages(metric=metric, year=y))
                            shares[c.code] = period_share(period, within=c, percentages_by_year=percentages)
                        out[metric][node.pk] = TargetValue((value * shares[c.code]).quantize(CENT, rounding=ROUND_HALF_UP), "derived")
                        break
    return out


def staff_target_rows(*, metric: str, period: Period, context: str = ""):
    """Every person's target for `period` by the one rule, as one grouped query (staff_id, value,
    source) that callers filter or join: set for the period (or summed over finer periods starting
    in it), else a share of the month's, quarter's or year's target by the monthly distribution
    (rounded to the cent, half up)."""
    finer = FINER[period.kind]
    coarse = [Period.containing(period.start, k) for k in COARSER[period.kind]]
    agg = {f"f{i}": Sum("value", filter=Q(period_kind=kind, period_start__gte=period.start, period_start__lte=period.end)) for i, kind in enumerate(finer)}
    percentages: dict[int, list[Decimal]] = {}
    parts = [F(f"f{i}") for i in range(len(finer))]
    for j, c in enumerate(coarse):
        agg[f"c{j}"] = Max("value", filter=Q(period_kind=c.kind, period=c.code))
        for y in {d.year for d in (c.start, c.end)}:
            percentages.setdefault(y, monthly_percentages(metric=metric, year=y))
        share = period_share(period, within=c, percentages_by_year=percentages)
        parts.append(Round(F(f"c{j}") * Value(share, output_field=SHARE), 2, output_field=MONEY))
    source = Case(When(f0__isnull=False, then=Value("set")), *[When(**{f"f{i}__isnull": False}, then=Value("sum")) for i in range(1, len(finer))], default=Value("derived"))
    return (
        Target.objects.filter(metric=metric, context=context, staff__isnull=False)
        .filter(Q(period_start__gte=period.start, period_start__lte=period.end, period_kind__in=finer) | Q(period__in=[c.code for c in coarse]))
        .values("staff_id")
        .annotate(**agg)
        .annotate(value=Coalesce(*parts, output_field=MONEY) if len(parts) > 1 else parts[0], source=source)
        .values("staff_id", "value", "source")
        .order_by()
    )


def staff_targets(*, metric: str, staff: list[Staff], period: Period, context: str = "") -> dict[int, TargetValue]:
    """Each person's target for `period` (`staff_target_rows`), for the people asked: two queries."""
    ids = [s.id for s in staff]
    if not ids:
        return {}
    rows = staff_target_rows(metric=metric, period=period, context=context)
    if len(ids) <= 1000:  # thousands: no IN list, keep the wanted below
        rows = rows.filter(staff_id__in=ids)
    wanted = set(ids)
    return {pk: TargetValue(value, source) for pk, value, source in rows.values_list("staff_id", "value", "source") if pk in wanted and value is not None}


def staff_inputs_sql(ids, codes, targeted, metrics, period) -> tuple[str, list]:
    """`WITH … x(id, a0…, t0…)`: each person's actual per metric (0 when none, from the metric's
    `staff_query`) and target (NULL when none, by the one target rule), for a set of people of any
    size, as SQL to build on (scorecards, attainment)."""
    from org.bulk import id_set_sql

    sql, params = id_set_sql(ids)
    ctes, joins, cols = [f"s(id) AS ({sql})"], [], []
    for k, code in enumerate(codes):
        q, p = metrics[code].staff_query(period).query.sql_with_params()
        ctes.append(f"a{k}(staff_id, value) AS ({q})")
        params += list(p)
        joins.append(f"LEFT JOIN a{k} ON a{k}.staff_id = s.id")
        cols.append(f"COALESCE(a{k}.value, 0) AS a{k}")
        if code in targeted:
            q, p = staff_target_rows(metric=code, period=period).values("staff_id", "value").query.sql_with_params()
            ctes.append(f"t{k}(staff_id, value) AS ({q})")
            params += list(p)
            joins.append(f"LEFT JOIN t{k} ON t{k}.staff_id = s.id")
            cols.append(f"t{k}.value AS t{k}")
        else:
            cols.append(f"CAST(NULL AS NUMERIC) AS t{k}")
    ctes.append(f"x AS (SELECT s.id, {', '.join(cols)} FROM s {' '.join(joins)})")
    return "WITH " + ",\n".join(ctes), params



class AttainmentRow(tuple):
    """(kind, key, actual, target, time progress) with the attainment made on demand: a table of
    20,000 persons builds plain tuples, and only the rows shown or exported compute their ratio."""

    __slots__ = ()

    def __new__(cls, kind: str, key: int, actual: Decimal, target: Decimal | None, time_progress: float):
        return tuple.__new__(cls, (kind, key, actual, target, time_progress))

    kind = property(lambda self: self[0])  # "institution" or "staff"
    key = property(lambda self: self[1])
    actual = property(lambda self: self[2])
    target = property(lambda self: self[3])

    @property
    def progress(self) -> Attainment:
        return Attainment(self[2], self[3], self[4])


def attainment_rows(
    *, metric: str, period: Period, at: dt.date | dt.datetime, institutions: list[Institution] = (), staff: list[Staff] = ()
) -> tuple[list[AttainmentRow], str]:
    """Actual (the metric's selector), target and attainment against time progress for many
    institutions or persons at once; returns the rows and the rule version the actuals used."""
    m = registry.get(metric)
    progress = time_progress(period, at=at)
    # Persons' figures come from the metric's grouped query below when it has one (the rule version only here).
    values = m.actuals(period=period, institutions=list(institutions), staff=[] if m.staff_query is not None else list(staff))
    rows = []
    if institutions:
        targets = institution_targets(metric=metric, nodes=list(institutions), period=period)
        for inst in institutions:
            actual = values.by_institution.get(inst.pk, ZERO)
            t = targets.get(inst.pk)
            rows.append(AttainmentRow("institution", inst.pk, actual, t.value if t else None, progress))
    if staff and m.staff_query is not None:
        # Actual and target of every person in one statement, read as tuples.
        sql, params = staff_inputs_sql([s.id for s in staff], [metric], [metric], {metric: m}, period)
        with read_connection().cursor() as cursor:
            cursor.execute(f"{sql} SELECT id, a0, t0 FROM x", params)
            found = {pk: (a, t) for pk, a, t in cursor.fetchall()}
        for pk in (s.id for s in staff):  # 20,000 people: the attribute, not the pk property
            actual, target = found[pk]
            actual = actual if type(actual) is Decimal else Decimal(str(actual))
            if target is not None and type(target) is not Decimal:
                target = Decimal(str(target))
            rows.append(AttainmentRow("staff", pk, actual, target, progress))
    elif staff:
        targets = staff_targets(metric=metric, staff=list(staff), period=period)
        by_staff = values.by_staff
        for pk in (s.id for s in staff):
            actual = by_staff.get(pk, ZERO)
            t = targets.get(pk)
            target = t.value if t else None
            rows.append(AttainmentRow("staff", pk, actual, target, progress))
    return rows, values.rule_version


def institution_targets_by_period(*, metrics: list[str], node: Institution, periods: list[Period], context: str = "") -> dict[str, dict[str, Decimal]]:
    """`institution_targets` of one node for several periods of one kind set directly (a trend's
    weeks), in one query: {metric: {period code: value}}; periods with nothing set are absent."""
    rows = (
        Target.objects.filter(metric__in=metrics, context=context, institution__path__startswith=node.path, period__in=[p.code for p in periods])
        .values_list("metric", "period", "institution__path", "value")
        .order_by("period", "institution__path")
    )
    by_period: dict[str, dict[str, list[tuple[str, Decimal]]]] = defaultdict(lambda: defaultdict(list))
    for metric, code, path, value in rows:
        by_period[metric][code].append((path, value))
    out: dict[str, dict[str, Decimal]] = {m: {} for m in metrics}
    for metric, periods_rows in by_period.items():
        for code, r in periods_rows.items():
            value = _rollup(r, node.path)
            if value is not None:
                out[metric][code] = value
    return out


def targets_set_on(*, metric: str, context: str, under: Institution, period: Period) -> list[Target]:
    """The targets set on institutions of a subtree for the periods starting in `period` (the rows
    themselves, with their institutions), ordered by institution and period."""
    return list(
        Target.objects.filter(metric=metric, context=context, institution__path__startswith=under.path)
        .filter(period_start__gte=period.start, period_start__lte=period.end)
        .select_related("institution__parent")
        .order_by("institution__path", "period_start")
    )


def laggard_actions_in_scope(*, user):
    from org.scoping import scope_filter

    from .models import LaggardAction

    return scope_filter(LaggardAction.objects.select_related("staff", "institution__parent", "recorded_by"), user=user).order_by("-on_date", "-pk")


def overdue_follow_ups(*, user, today: dt.date):
    """Follow-ups due before today with no result, in the viewer's scope: a manager sees those of
    every institution below them, so the level above sees what the level below left undone."""
    return laggard_actions_in_scope(user=user).filter(follow_up_on__lt=today, followed_up_at__isnull=True).order_by("follow_up_on", "pk")
