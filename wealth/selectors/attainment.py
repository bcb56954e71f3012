"""2053 attainment (SPEC §4): per person per working day, and per period (week, month) the totals,
2053 days and coverage of managed customers. Counting happens in the database (grouped queries
over `rules.counted_calls` / `rules.counted_visits`); each figure keeps the institution the person
belonged to on the day (stamped on the call or visit), so a transfer mid-week leaves the days before
it with the old outlet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from org.memo import memoised
from org.models import Customer, Institution, Staff
from org.selectors import working_days

from ..models import DoNotCall, Rule
from . import rules

TWO = Decimal("0.01")


def _day_customer():
    """One effective call per customer per day: count distinct (customer, day) pairs."""
    return Concat(Cast("customer_id", CharField()), Value("|"), Cast("local_date", CharField()), output_field=CharField())


def call_day_counts(*, start: dt.date, end: dt.date, calls: QuerySet | None = None) -> QuerySet:
    """(staff_id, institution_id, local_date, calls) of effective calls."""
    qs = rules.counted_calls(start=start, end=end)
    if calls is not None:
        qs = qs.filter(pk__in=calls.values("pk"))
    return qs.values("staff_id", "institution_id", "local_date").annotate(calls=Count("customer_id", distinct=True)).order_by()


def visit_day_counts(*, start: dt.date, end: dt.date, staff_filter: Q | None = None) -> QuerySet:
    """(staff_id, institution_id, local_date, visits, products) of counted visits."""
    qs = rules.counted_visits(start=start, end=end)
    if staff_filter is not None:
        qs = qs.filter(staff_filter)
    return qs.values("staff_id", "institution_id", "local_date").annotate(visits=Count("pk", distinct=True), products=Count("pitched")).order_by()


@dataclass
class Day:
    date: dt.date
    calls: int = 0
    visits: int = 0
    products: int = 0
    rule: Rule | None = None

    @property
    def products_per_visit(self) -> Decimal:
        return (Decimal(self.products) / self.visits).quantize(TWO, ROUND_HALF_UP) if self.visits else Decimal("0.00")

    @property
    def is_2053(self) -> bool:
        r = self.rule
        return bool(
            r and self.calls >= r.calls_required and self.visits >= r.visits_required and self.products >= r.products_required * self.visits
        )


@dataclass
class Row:
    staff_id: int
    institution_id: int
    calls: int = 0
    visits: int = 0
    products: int = 0
    days_2053: int = 0
    managed: int = 0
    covered: int = 0
    days: dict[dt.date, Day] = field(default_factory=dict)

    @property
    def products_per_visit(self) -> Decimal:
        return (Decimal(self.products) / self.visits).quantize(TWO, ROUND_HALF_UP) if self.visits else Decimal("0.00")

    @property
    def coverage(self) -> Decimal | None:
        return (Decimal(self.covered) / self.managed).quantize(Decimal("0.0001"), ROUND_HALF_UP) if self.managed else None


def rule_map(start: dt.date, end: dt.date) -> dict[dt.date, Rule]:
    versions = rules.rules_between(start, end)
    out = {}
    for i in range(int((end - start).days) + 1):
        d = start + dt.timedelta(days=i)
        applicable = [r for r in versions if r.effective_from <= d]
        out[d] = applicable[-1] if applicable else (versions[0] if versions else None)
    return out


@memoised
def attainment_rows(*, start: dt.date, end: dt.date, path: str | None = None, staff_ids=None) -> dict[tuple[int, int], Row]:
    """{(staff_id, institution_id): Row} for the people with facts in [start, end] at
    institutions under `path` (the stamped institution of each day), or for `staff_ids`."""
    where = Q()
    if path:
        where &= Q(institution__path__startswith=path)
    if staff_ids is not None:
        where &= Q(staff_id__in=list(staff_ids))
    ruling = rule_map(start, end)
    out: dict[tuple[int, int], Row] = {}

    def row(staff_id, inst_id):
        key = (staff_id, inst_id)
        if key not in out:
            out[key] = Row(staff_id=staff_id, institution_id=inst_id)
        return out[key]

    for r in rules.counted_calls(start=start, end=end).filter(where).values("staff_id", "institution_id", "local_date").annotate(
        n=Count("customer_id", distinct=True)
    ).order_by():
        item = row(r["staff_id"], r["institution_id"])
        item.calls += r["n"]
        item.days.setdefault(r["local_date"], Day(r["local_date"], rule=ruling[r["local_date"]])).calls += r["n"]
    for r in visit_day_counts(start=start, end=end, staff_filter=where):
        item = row(r["staff_id"], r["institution_id"])
        item.visits += r["visits"]
        item.products += r["products"]
        day = item.days.setdefault(r["local_date"], Day(r["local_date"], rule=ruling[r["local_date"]]))
        day.visits += r["visits"]
        day.products += r["products"]
    for item in out.values():
        item.days_2053 = sum(1 for d in item.days.values() if d.is_2053)
    _coverage(out, start=start, end=end)
    return out


def _coverage(out: dict[tuple[int, int], Row], *, start: dt.date, end: dt.date) -> None:
    """Managed customers (not do-not-call) with ≥ 1 effective call in the period ÷ managed customers
    at its end — credited to the row of the person's latest institution in the period."""
    staff_ids = {s for s, _ in out}
    if not staff_ids:
        return
    managed = coverage_counts(staff_ids=staff_ids, start=start, end=end)
    latest: dict[int, tuple[int, int]] = {}
    for key, item in out.items():
        last = max(item.days) if item.days else dt.date.min
        if key[0] not in latest or last >= max(out[latest[key[0]]].days or [dt.date.min]):
            latest[key[0]] = key
    for staff_id, (total, covered) in managed.items():
        if staff_id in latest:
            item = out[latest[staff_id]]
            item.managed, item.covered = total, covered


def coverage_counts(*, staff_ids, start: dt.date, end: dt.date) -> dict[int, tuple[int, int]]:
    """{staff_id: (managed customers not do-not-call, of which called effectively in the period)}:
    two grouped queries, one over the customers and one over the period's effective calls."""
    staff_ids = list(staff_ids)
    dnc = Exists(DoNotCall.objects.filter(customer_id=OuterRef("customer_id")))
    totals = (
        Customer.objects.filter(manager_id__in=staff_ids).exclude(Exists(DoNotCall.objects.filter(customer_id=OuterRef("pk"))))
        .values("manager_id").annotate(total=Count("pk")).order_by()
    )
    covered = dict(
        rules.counted_calls(start=start, end=end).filter(staff_id__in=staff_ids, customer__manager_id=F("staff_id")).exclude(dnc)
        .values("staff_id").annotate(n=Count("customer_id", distinct=True)).values_list("staff_id", "n").order_by()
    )
    return {r["manager_id"]: (r["total"], covered.get(r["manager_id"], 0)) for r in totals}


def person_days(*, staff: Staff, start: dt.date, end: dt.date) -> list[Day]:
    """Every working day of [start, end] for one person, with their figures (zero days included)."""
    ruling = rule_map(start, end)
    days = {d: Day(d, rule=ruling[d]) for d in working_days(start=start, end=end)}
    for item in attainment_rows(start=start, end=end, staff_ids=[staff.pk]).values():
        for d, day in item.days.items():
            if d in days:
                days[d].calls += day.calls
                days[d].visits += day.visits
                days[d].products += day.products
    return [days[d] for d in sorted(days)]


def rows_with_people(rows: dict[tuple[int, int], Row]) -> list[tuple[Row, Staff, Institution]]:
    people = Staff.objects.in_bulk({s for s, _ in rows})
    places = Institution.objects.in_bulk({i for _, i in rows})
    return [(r, people[r.staff_id], places[r.institution_id]) for r in rows.values()]
