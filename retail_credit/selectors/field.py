"""Reading the field work (SPEC §5): each officer's three visits per day against the rule "one of
each kind a day", the leads through the MGM codes they promoted, weekly plans filed or not with
their problems, pairings. Counting happens in the database (GROUP BY), a bounded number of queries
whatever the number of people and visits."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, DateTimeField, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from org import clock
from org.models import Institution, Position, Staff
from org.periods import Period
from org.scoping import scope_filter
from referrals.models import Application, ReferralCode, ScanEvent, counted_q

from ..models import FieldVisit, Pairing, PlanProblem, VisitKind, WeeklyPlan

KINDS = tuple(VisitKind.values)


@dataclass
class Day:
    date: dt.date
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))

    @property
    def met(self) -> bool:
        return all(self.counts[k] >= 1 for k in KINDS)

    @property
    def missing(self) -> str:
        return "、".join(label.removeprefix("走访") for value, label in VisitKind.choices if not self.counts[value])

    def __getattr__(self, name):  # day.property / day.agency / day.merchant in tables and templates
        if name in KINDS:
            return self.counts[name]
        raise AttributeError(name)


@dataclass
class OfficerLine:
    staff: Staff
    counts: dict[str, int]
    days_met: int
    days: int
    scans: int = 0
    applications: int = 0
    codes: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def __getattr__(self, name):
        if name in KINDS:
            return self.counts[name]
        raise AttributeError(name)


def period_days(period: Period, *, today: dt.date | None = None) -> list[dt.date]:
    """The days of the period that have begun (a visit is logged on the day)."""
    today = today or clock.today()
    return [d for d in period.days() if d <= today]


def officers_of(node: Institution, *, period: Period) -> QuerySet[Staff]:
    """Loan officers under `node` active at some point of the period."""
    return (
        Staff.objects.with_position(Position.LOAN_OFFICER)
        .filter(institution__path__startswith=node.path, active_from__lte=period.end)
        .filter(Q(active_to__isnull=True) | Q(active_to__gte=period.start))
        .select_related("institution")
    )


def daily_counts(*, visits: QuerySet[FieldVisit], start: dt.date, end: dt.date) -> dict[int, dict[dt.date, Day]]:
    """{staff_id → {day → Day}}: one GROUP BY staff, day, kind."""
    out: dict[int, dict[dt.date, Day]] = {}
    rows = visits.filter(visited_on__range=(start, end)).order_by().values_list("staff_id", "visited_on", "kind").annotate(n=Count("pk"))
    for staff_id, day, kind, n in rows:
        out.setdefault(staff_id, {}).setdefault(day, Day(day)).counts[kind] = n
    return out


def promoted_codes(*, staff_ids, until: dt.date) -> QuerySet[ReferralCode]:
    """MGM codes the officers promoted in a visit on or before `until`."""
    promoted = FieldVisit.objects.filter(staff_id__in=staff_ids, mgm_code=OuterRef("pk"), visited_on__lte=until)
    return ReferralCode.objects.filter(Exists(promoted))


def leads_by_staff(*, staff_ids, period: Period) -> dict[int, dict[str, int]]:
    """{staff_id → {"scans", "applications", "codes"}} of the MGM codes the officer promoted:
    scans and (counted) applications through them in the period; three grouped queries."""
    lo, hi = period.bounds()
    codes = promoted_codes(staff_ids=staff_ids, until=period.end)
    out: dict[int, dict[str, int]] = {}

    def put(rows, key):
        for staff_id, n in rows:
            out.setdefault(staff_id, {"scans": 0, "applications": 0, "codes": 0})[key] = n

    put(codes.order_by().values_list("staff_id").annotate(n=Count("pk")), "codes")
    put(ScanEvent.objects.filter(code__in=codes, at__gte=lo, at__lt=hi).order_by().values_list("code__staff_id").annotate(n=Count("pk")), "scans")
    put(
        Application.objects.filter(counted_q(), code__in=codes, submitted_at__gte=lo, submitted_at__lt=hi)
        .order_by().values_list("code__staff_id").annotate(n=Count("pk")),
        "applications",
    )
    return out


def code_leads(*, staff: Staff, period: Period) -> list[ReferralCode]:
    """The officer's promoted MGM codes, each with its scans and applications in the period and
    the visits that promoted it (one query)."""
    lo, hi = period.bounds()
    scans = ScanEvent.objects.filter(code=OuterRef("pk"), at__gte=lo, at__lt=hi).order_by().values("code").annotate(n=Count("pk")).values("n")
    apps = (
        Application.objects.filter(counted_q(), code=OuterRef("pk"), submitted_at__gte=lo, submitted_at__lt=hi)
        .order_by().values("code").annotate(n=Count("pk")).values("n")
    )
    visits = FieldVisit.objects.filter(staff=staff, mgm_code=OuterRef("pk"), visited_on__range=(period.start, period.end))
    visits = visits.order_by().values("mgm_code").annotate(n=Count("pk")).values("n")
    def count(sub):
        return Coalesce(Subquery(sub, output_field=IntegerField()), 0)

    return list(
        promoted_codes(staff_ids=[staff.pk], until=period.end)
        .annotate(scan_count=count(scans), application_count=count(apps), visit_count=count(visits))
        .order_by("-application_count", "-scan_count", "pk")
    )


def visit_lines(*, node: Institution, period: Period, user) -> list[OfficerLine]:
    """Per officer of the node (and anyone who visited for it in the period): counts by kind,
    days when all three kinds were visited, leads through promoted MGM codes."""
    visits = scope_filter(FieldVisit.objects.all(), user=user).filter(institution__path__startswith=node.path)
    days = period_days(period)
    end = days[-1] if days else period.start - dt.timedelta(days=1)
    per_day = daily_counts(visits=visits, start=period.start, end=end) if days else {}
    people = {s.pk: s for s in officers_of(node, period=period)}
    missing = set(per_day) - set(people)
    if missing:
        people.update({s.pk: s for s in Staff.objects.filter(pk__in=missing).select_related("institution")})
    leads = leads_by_staff(staff_ids=list(people), period=period) if people else {}
    lines = []
    for pk, staff in people.items():
        counts = dict.fromkeys(KINDS, 0)
        met = 0
        for day in per_day.get(pk, {}).values():
            met += day.met
            for k in KINDS:
                counts[k] += day.counts[k]
        lines.append(OfficerLine(staff=staff, counts=counts, days_met=met, days=len(days), **leads.get(pk, {})))
    lines.sort(key=lambda ln: (-ln.days_met, -ln.total, ln.staff.employee_no))
    return lines


def person_days(*, staff: Staff, period: Period, visits: QuerySet[FieldVisit] | None = None) -> list[Day]:
    """Each begun day of the period for one officer, with counts by kind and whether it was met."""
    days = period_days(period)
    if not days:
        return []
    qs = (visits if visits is not None else FieldVisit.objects.all()).filter(staff=staff)
    got = daily_counts(visits=qs, start=days[0], end=days[-1]).get(staff.pk, {})
    return [got.get(d) or Day(d) for d in days]


def week_summary(*, staff: Staff, period: Period) -> dict:
    days = person_days(staff=staff, period=period)
    counts = {k: sum(d.counts[k] for d in days) for k in KINDS}
    return {"counts": counts, "total": sum(counts.values()), "days_met": sum(d.met for d in days), "days": len(days), "period": period}


# --- weekly plans -----------------------------------------------------------------------------------


def plan_lines(*, node: Institution, week: Period) -> QuerySet[Staff]:
    """Loan officers of the node active in the week, each annotated with their plan of the week
    (filed or not, problems and unanswered problems): one query."""
    plans = WeeklyPlan.objects.filter(staff=OuterRef("pk"), week_start=week.start)
    problems = PlanProblem.objects.filter(plan__staff=OuterRef("pk"), plan__week_start=week.start).order_by().values("plan")
    return officers_of(node, period=week).annotate(
        filed=Exists(plans),
        filed_at=Subquery(plans.values("filed_at")[:1], output_field=DateTimeField()),
        problem_count=Coalesce(Subquery(problems.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0),
        open_count=Coalesce(Subquery(problems.filter(answered_at__isnull=True).annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0),
    )


def problems_of_week(*, node: Institution, week: Period, user) -> QuerySet[PlanProblem]:
    visible = scope_filter(PlanProblem.objects.all(), user=user)
    return (
        visible.filter(plan__week_start=week.start, plan__staff__institution__path__startswith=node.path)
        .select_related("plan__staff__institution", "answered_by")
        .order_by("answered_at", "plan__staff__employee_no", "pk")
    )


def my_plan(*, staff: Staff, week: Period) -> WeeklyPlan | None:
    return WeeklyPlan.objects.filter(staff=staff, week_start=week.start).prefetch_related("problems__answered_by").first()


# --- pairings ---------------------------------------------------------------------------------------


def pairings_visible(*, user) -> QuerySet[Pairing]:
    return scope_filter(Pairing.objects.all(), user=user).select_related("manager__institution", "officer__institution")


def current_pairing(*, officer: Staff, day: dt.date | None = None) -> Pairing | None:
    day = day or clock.today()
    return (
        Pairing.objects.filter(officer=officer, start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))
        .select_related("manager").order_by("-start").first()
    )


def with_state(pairings: QuerySet[Pairing], *, day: dt.date) -> QuerySet[Pairing]:
    """Each pairing with its state on `day` (未开始 / 进行中 / 已结束), sortable in the database."""
    return pairings.annotate(state=Case(
        When(start__gt=day, then=Value("未开始")), When(end__lt=day, then=Value("已结束")), default=Value("进行中"), output_field=CharField(),
    ))
