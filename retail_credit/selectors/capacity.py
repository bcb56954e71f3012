"""Capacity points, attainment, warnings and exits (SPEC §5), computed in the database.

Points of a month, per product p: `count_p × coefficient_p × clamp(avg_amount_p / benchmark_p, low,
high)`, summed over products, with the scheme in force on the month's first day. One expression
(`_product_points`) is the formula: the table of every officer (`capacity_query`, one GROUP BY
officer with one conditional count and sum per product) and a person's breakdown (`breakdown`, one
GROUP BY product) both use it.

Warnings: a completed month below the officer's lifeline warns; the month in progress warns when
its amount so far is below the lifeline pro rata to the month's time progress (working days). A run
of three consecutive completed months below the lifeline makes an exit candidate; a month at or
above it ends the run; exempt months (recorded leave, the first 3 months in the role, months before
it) neither warn nor break the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Case, Count, DecimalField, ExpressionWrapper, F, FloatField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce, Greatest, Least, TruncMonth

from org.bulk import in_ids
from org.memo import memoised
from org.models import Staff
from org.periods import Period
from org.progress import time_progress
from org.ranking import competition_ranks

from ..models import LeaveMonth, Loan, OfficerRole, Pairing, Product
from .scheme import Terms, terms_by_month, terms_for, tiers_of

ZERO = Decimal("0")
CENT = Decimal("0.01")
EXEMPT_FIRST_MONTHS = 3
EXIT_RUN = 3
MONEY = DecimalField(max_digits=20, decimal_places=4)
LOAN_OFFICER = "loan_officer"


def q2(value) -> Decimal:
    return Decimal(value if value is not None else 0).quantize(CENT, ROUND_HALF_UP)


def month_period(day: dt.date) -> Period:
    return Period.containing(day, "month")


def _real(expression):
    """SQLite keeps whole-yuan sums as integers and divides them as integers: make it REAL there
    (PostgreSQL keeps exact numeric)."""
    return Cast(expression, FloatField()) if connection.vendor == "sqlite" else expression


def _product_points(p: str, terms: Terms):
    """The formula for product `p` over the grouped `n_<p>` (count) and `t_<p>` (total): 0 without loans."""
    coefficient, benchmark = terms.products.get(p, (ZERO, Decimal(1)))
    ratio = ExpressionWrapper(_real(F(f"t_{p}")) / (F(f"n_{p}") * Value(benchmark)), output_field=MONEY)
    adjustment = Greatest(Value(terms.clamp_low), Least(Value(terms.clamp_high), ratio, output_field=MONEY), output_field=MONEY)
    return Case(When(**{f"n_{p}__gt": 0}, then=ExpressionWrapper(F(f"n_{p}") * Value(coefficient) * adjustment, output_field=MONEY)),
                default=Value(ZERO), output_field=MONEY)


def capacity_query(*, start: dt.date, end: dt.date, terms: Terms, staff_ids=None, by: str = "staff_id", path: str | None = None):
    """Per officer (or per `by`) with loans in [start, end]: loans, amount (元) and points — one grouped query."""
    loans = Loan.objects.filter(disbursed_on__range=(start, end))
    if staff_ids is not None:
        loans = loans.filter(staff_id__in=in_ids(staff_ids))
    if path is not None:  # only the loans credited to this subtree
        loans = loans.filter(institution__path__startswith=path)
    annotations = {}
    for p in Product.values:
        annotations[f"n_{p}"] = Count("pk", filter=Q(product=p))
        annotations[f"t_{p}"] = Coalesce(Sum("amount", filter=Q(product=p)), Value(ZERO), output_field=MONEY)
    points = sum((_product_points(p, terms) for p in Product.values[1:]), _product_points(Product.values[0], terms))
    return (
        loans.values(by).annotate(**annotations).annotate(loans=Count("pk"), amount=Sum("amount"), points=points)
        .values(by, "loans", "amount", "points").order_by()
    )


def month_figures(month: Period, staff_ids=None, *, until: dt.date | None = None) -> dict[int, dict]:
    """{staff_id: {loans, amount, points}} for the month (to `until` when given), rounded to cents."""
    end = min(month.end, until) if until else month.end
    terms = terms_for(month.start)
    return {
        r["staff_id"]: {"loans": r["loans"], "amount": q2(r["amount"]), "points": q2(r["points"])}
        for r in capacity_query(start=month.start, end=end, terms=terms, staff_ids=staff_ids)
    }


@dataclass
class ProductLine:
    product: str
    label: str
    loans: int
    total: Decimal
    average: Decimal | None
    coefficient: Decimal
    benchmark: Decimal
    ratio: Decimal | None
    adjustment: Decimal
    points: Decimal
    clamped: str = ""


def breakdown(*, staff: Staff, month: Period, until: dt.date | None = None) -> tuple[list[ProductLine], Terms]:
    """One line per product (all three, zero lines included) so anyone can redo the sum by hand."""
    terms = terms_for(month.start)
    end = min(month.end, until) if until else month.end
    got = {r["product"]: r for r in capacity_query(start=month.start, end=end, terms=terms, staff_ids=[staff.pk], by="product")}
    lines = []
    for p, label in Product.choices:
        coefficient, benchmark = terms.products.get(p, (ZERO, Decimal(1)))
        row = got.get(p)
        n, total = (row["loans"], q2(row["amount"])) if row else (0, ZERO)
        ratio = (total / n / benchmark).quantize(Decimal("0.0001")) if n else None
        adjustment = min(max(ratio, terms.clamp_low), terms.clamp_high) if ratio is not None else ZERO
        clamped = ("按下限" if ratio < terms.clamp_low else "按上限" if ratio > terms.clamp_high else "") if ratio is not None else ""
        lines.append(ProductLine(p, label, n, total, q2(total / n) if n else None, coefficient, benchmark, ratio, adjustment,
                                 q2(row["points"]) if row else ZERO, clamped))
    return lines, terms


# --- warnings and exits ------------------------------------------------------------------------


@dataclass
class MonthMark:
    month: dt.date
    amount: Decimal
    lifeline: Decimal | None
    complete: bool
    exempt: str = ""  # why the month is exempt, "" when it is judged
    below: bool = False

    @property
    def code(self) -> str:
        return f"{self.month:%Y-%m}"


@dataclass
class Standing:
    """An officer's warning and exit status at the end of (or during) a month, with the months behind it."""

    staff_id: int
    warning: bool = False
    exit_candidate: bool = False
    run: list[str] = field(default_factory=list)  # the months below the lifeline in the current run
    months: list[MonthMark] = field(default_factory=list)
    exempt_reason: str = ""  # of the month asked for

    @property
    def label(self) -> str:
        if self.exit_candidate:
            return "退出候选"
        return "预警" if self.warning else ""

    @property
    def detail(self) -> str:
        if self.exit_candidate:
            return f"退出候选（连续低于生命线：{'、'.join(self.run)}）"
        if self.warning:
            return f"预警（低于生命线：{'、'.join(self.run) or '本月'}）"
        return self.exempt_reason


def add_months(day: dt.date, n: int) -> dt.date:
    """The first day of the month `n` months after (before, when negative) the month of `day`."""
    y, m = divmod(day.month - 1 + n, 12)
    return dt.date(day.year + y, m + 1, 1)


def standings(staff: list[Staff], *, month: Period, until: dt.date, lookback: int = 12) -> dict[int, Standing]:
    """Warning and exit status of each person for `month` as of `until`: three grouped queries
    (monthly amounts, leave months, role starts) over the `lookback` months before it."""
    ids = [s.pk for s in staff]
    first = add_months(month.start, -lookback)
    months = [add_months(first, i) for i in range(lookback + 1)]
    amounts: dict[tuple[int, dt.date], Decimal] = {}
    for staff_id, m, total in (Loan.objects.filter(staff_id__in=in_ids(ids), disbursed_on__range=(first, min(month.end, until)))
                               .annotate(m=TruncMonth("disbursed_on")).values("staff_id", "m").annotate(total=Sum("amount"))
                               .values_list("staff_id", "m", "total").order_by()):
        amounts[(staff_id, m.date() if isinstance(m, dt.datetime) else m)] = q2(total)
    leave = set(LeaveMonth.objects.filter(staff_id__in=in_ids(ids), month__range=(first, month.start)).values_list("staff_id", "month"))
    role_since = dict(OfficerRole.objects.filter(staff_id__in=in_ids(ids)).values_list("staff_id", "since"))
    terms = terms_by_month(months)
    tiers_by_year: dict[int, dict[int, int | None]] = {y: tiers_of(staff, y) for y in {m.year for m in months}}
    progress = Decimal(str(time_progress(month, at=until)))
    # What depends only on the month (and the tier): computed once, not once per person.
    complete = {m: until >= month_period(m).end for m in months}
    lifelines: dict[tuple[dt.date, int | None], Decimal | None] = {}
    bars: dict[tuple[dt.date, int | None], Decimal | None] = {}
    for m in months:
        for tier in {t for year in tiers_by_year.values() for t in year.values()} | {None}:
            lifelines[(m, tier)] = line = terms[m].lifeline(tier)
            bars[(m, tier)] = None if line is None else line if complete[m] else line * progress
    first_judged = {}  # role start → (first month in the role, first month past the exempt months)
    out = {}
    first_months = f"任客户经理前 {EXEMPT_FIRST_MONTHS} 个月"
    for s in staff:
        pk, left = s.pk, s.active_to
        since = role_since.get(pk, s.active_from)
        if since not in first_judged:
            start = since.replace(day=1)
            first_judged[since] = (start, add_months(start, EXEMPT_FIRST_MONTHS))
        start, judged_from = first_judged[since]
        standing = Standing(pk)
        run: list[str] = []
        for m in months:
            tier = tiers_by_year[m.year].get(pk)
            mark = MonthMark(m, amounts.get((pk, m), ZERO), lifelines[(m, tier)], complete[m])
            if m < start:
                mark.exempt = "尚未任客户经理"
            elif m < judged_from:
                mark.exempt = first_months
            elif (pk, m) in leave:
                mark.exempt = "请假"
            elif left is not None and left < m:
                mark.exempt = "已离职"
            elif mark.lifeline is None:
                mark.exempt = "未定梯队"
            else:
                mark.below = mark.amount < bars[(m, tier)]
            standing.months.append(mark)
            if mark.exempt or not mark.complete:
                continue  # an exempt month neither warns nor breaks the run; the month in progress warns below, it never extends the run
            if mark.below:
                run.append(mark.code)
            else:
                run = []
        standing.run = run
        current = standing.months[-1]
        standing.exempt_reason = current.exempt
        standing.warning = current.below and not current.exempt
        standing.exit_candidate = len(standing.run) >= EXIT_RUN
        if standing.warning and not current.complete:
            standing.run = [*standing.run, f"{current.code}（截至 {until:%m-%d}）"]
        out[pk] = standing
    return out


# --- the capacity table ------------------------------------------------------------------------


@dataclass
class CapacityRow:
    staff_id: int
    employee_no: str
    name: str
    institution_id: int
    institution_name: str
    branch_name: str
    tier: int | None
    loans: int
    amount: Decimal
    points: Decimal
    target: Decimal | None
    lifeline: Decimal | None
    attainment: float | None
    time_progress: float
    week_target: Decimal | None = None
    standing: Standing | None = None
    paired_with: str = ""
    rank_in_tier: int | None = None

    @property
    def behind(self) -> bool:
        return self.attainment is not None and self.attainment < self.time_progress

    @property
    def warning_label(self) -> str:
        return self.standing.label if self.standing else ""


def officers(*, root, month: Period):
    """Loan officers of the subtree of `root` (by their current institution) in the role during the
    month, and anyone else there who had a loan credited that month."""
    base = Staff.objects.filter(institution__path__startswith=root.path).select_related("institution")
    in_role = Q(positions__contains=f";{LOAN_OFFICER};", active_from__lte=month.end) & (Q(active_to__isnull=True) | Q(active_to__gte=month.start))
    with_loans = Q(pk__in=Loan.objects.filter(disbursed_on__range=(month.start, month.end)).values("staff_id"))
    return base.filter(in_role | with_loans).order_by("employee_no")


def week_share(target: Decimal | None, week: Period, month: Period) -> Decimal | None:
    """The week's share of a monthly target, by the calendar days of the week inside the month."""
    if target is None:
        return None
    days = sum(1 for d in week.days() if month.contains(d))
    return q2(target * days / len(month.days()))


@memoised
def capacity_rows(*, root, month: Period, until: dt.date, with_standing: bool = True) -> list[CapacityRow]:
    """One row per officer of the subtree: loans, amount and points of the month to `until`, tier,
    target and lifeline of the scheme in force, attainment beside time progress, warning/exit and
    rank by points within their branch and tier (ties share a rank)."""
    from org.selectors import branch_for_path, branches_by_path

    # Only the fields the table and the standings read (thousands of officers on the bank's table).
    people = list(officers(root=root, month=month).only(
        "id", "employee_no", "name", "institution_id", "active_from", "active_to", "tier", "institution__name", "institution__path"))
    figures = month_figures(month, [p.pk for p in people], until=until)
    terms = terms_for(month.start)
    tiers = tiers_of(people, month.start.year)
    progress = time_progress(month, at=until)
    marks = standings(people, month=month, until=until) if with_standing else {}
    paired = dict(
        Pairing.objects.filter(officer_id__in=in_ids(p.pk for p in people), start__lte=until).filter(Q(end__isnull=True) | Q(end__gte=month.start))
        .values_list("officer_id", "manager__name")
    )
    branch_index = branches_by_path()
    branches: dict[int, str] = {}
    rows = []
    for p in people:
        f = figures.get(p.pk, {"loans": 0, "amount": ZERO, "points": ZERO})
        tier = tiers.get(p.pk)
        target = terms.target(tier)
        if p.institution_id not in branches:
            b = branch_for_path(p.institution.path, branch_index)
            branches[p.institution_id] = b.name if b else p.institution.name
        rows.append(CapacityRow(
            p.pk, p.employee_no, p.name, p.institution_id, p.institution.name, branches[p.institution_id], tier, f["loans"], f["amount"], f["points"],
            target, terms.lifeline(tier), float(f["amount"] / target) if target else None, progress, standing=marks.get(p.pk),
            paired_with=paired.get(p.pk, ""),
        ))
    groups: dict[tuple, list[CapacityRow]] = {}
    for r in rows:
        groups.setdefault((r.branch_name, r.tier), []).append(r)
    for members in groups.values():
        for r, rank in zip(members, competition_ranks([m.points for m in members]), strict=True):
            r.rank_in_tier = rank if r.tier else None
    return rows


@dataclass
class TierSummary:
    branch_name: str
    tier: int | None
    officers: int
    amount: Decimal
    points: Decimal
    target: Decimal
    warnings: int
    exits: int
    attainment: float | None


def tier_summaries(rows: list[CapacityRow]) -> list[TierSummary]:
    """Per branch and tier: officers, amount, points, summed targets, warnings and exit candidates."""
    out: dict[tuple, TierSummary] = {}
    for r in rows:
        s = out.setdefault((r.branch_name, r.tier), TierSummary(r.branch_name, r.tier, 0, ZERO, ZERO, ZERO, 0, 0, None))
        s.officers += 1
        s.amount += r.amount
        s.points += r.points
        s.target += r.target or ZERO
        s.warnings += bool(r.standing and r.standing.warning)
        s.exits += bool(r.standing and r.standing.exit_candidate)
    for s in out.values():
        s.attainment = float(s.amount / s.target) if s.target else None
    return sorted(out.values(), key=lambda s: (s.branch_name, s.tier or 9))
