"""Points per person (month, quarter, year), the per-product breakdown a person can redo by hand,
pay bands for the assessment year to date, and the rule versions that produced them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce

from org import clock
from org.periods import Period
from org.selectors import subtree_totals

from ..models import MarketingRule, PointsTable, Sale

ZERO = Decimal("0")
CENT = Decimal("0.01")
POINTS = DecimalField(max_digits=16, decimal_places=2)
LARGE = 1000


def sales_in(period: Period, *, until: dt.date | None = None):
    end = min(period.end, until) if until else period.end
    return Sale.objects.filter(sold_on__gte=period.start, sold_on__lte=end)


def staff_points_query(period: Period, *, until: dt.date | None = None):
    """Every person's points of the period: one grouped query (staff_id, value) — the metric's
    `staff_query` and the base of rankings, bands and the payroll sheet."""
    return (
        sales_in(period, until=until).values("staff_id")
        .annotate(value=Coalesce(Sum("points"), Value(ZERO), output_field=POINTS)).values("staff_id", "value").order_by()
    )


def staff_points(period: Period, staff_ids, *, until: dt.date | None = None) -> dict[int, Decimal]:
    ids = list(staff_ids)
    query = staff_points_query(period, until=until)
    if len(ids) <= LARGE:
        query = query.filter(staff_id__in=ids)
    out = dict.fromkeys(ids, ZERO)
    for row in query:
        if row["staff_id"] in out:
            out[row["staff_id"]] = Decimal(row["value"]).quantize(CENT)
    return out


def institution_points(period: Period, institutions) -> dict[int, Decimal]:
    """Each institution's subtree total (sales credited on their date), one grouped query."""
    return subtree_totals(sales_in(period), path_field="institution__path", value=Sum("points"), institutions=institutions)


def points_table_label(period: Period) -> str:
    """The table versions in force during the period ("产品计分表 v1（…起）、v2（…起）")."""
    first = PointsTable.objects.filter(effective_from__lte=period.start).order_by("-effective_from").first()
    inside = list(PointsTable.objects.filter(effective_from__gt=period.start, effective_from__lte=period.end).order_by("effective_from"))
    tables = ([first] if first else []) + inside
    return "、".join(t.label for t in tables) or "无生效的产品计分表"


@dataclass
class BreakdownLine:
    product: str
    name: str
    basis: str
    rate: Decimal
    version: int
    sales: int
    quantity: Decimal
    amount: Decimal
    points: Decimal

    @property
    def arithmetic(self) -> str:
        if self.basis == "wan":
            return f"{self.amount:,.2f} 元 ÷ 10000 × {self.rate} 分/万元 = {self.points:,.2f}"
        return f"{self.quantity.normalize():f} × {self.rate} 分 = {self.points:,.2f}"


@dataclass
class Breakdown:
    period: Period
    lines: list[BreakdownLine]
    not_counted: list[dict]
    total: Decimal
    table_label: str


def points_breakdown(*, staff, period: Period, until: dt.date | None = None) -> Breakdown:
    """Per product and table version: sales, quantity, amount, rate and points (one grouped query),
    and the sales not counted with the reason (product not in the version in force)."""
    base = sales_in(period, until=until).filter(staff=staff)
    rows = (
        base.filter(rate__isnull=False)
        .values("rate__product", "rate__name", "rate__basis", "rate__points", "rate__table__version")
        .annotate(n=Count("pk"), q=Sum("quantity"), a=Coalesce(Sum("amount"), Value(ZERO), output_field=POINTS), p=Sum("points"))
        .order_by("rate__product", "rate__table__version")
    )
    lines = [
        BreakdownLine(r["rate__product"], r["rate__name"], r["rate__basis"], r["rate__points"], r["rate__table__version"], r["n"],
                      Decimal(r["q"] or 0), Decimal(r["a"] or 0), Decimal(r["p"] or 0).quantize(Decimal("0.01")))
        for r in rows
    ]
    not_counted = [
        {"sale_id": s["sale_id"], "product": s["product"], "sold_on": s["sold_on"], "reason": "产品不在销售日生效的计分表版本中，不计积分"}
        for s in base.filter(rate__isnull=True).values("sale_id", "product", "sold_on").order_by("sold_on")[:200]
    ]
    return Breakdown(period, lines, not_counted, sum((line.points for line in lines), ZERO), points_table_label(period))


# --- the marketing rule and pay bands ------------------------------------------------------------


def default_rule(model):
    """The first version of a rule model: created by the data migrations; recreated with the
    SPEC §11 defaults only if the table was emptied (a flushed test database)."""
    first = model.objects.order_by("effective_from").first()
    if first is None:
        first, _ = model.objects.get_or_create(
            version=1, defaults={"effective_from": dt.date(2000, 1, 1), "note": "默认规则（SPEC §11）", "created_at": clock.now()}
        )
    return first


def rule_in_force(day: dt.date) -> MarketingRule:
    rule = MarketingRule.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return rule or default_rule(MarketingRule)


@dataclass(frozen=True)
class Band:
    label: str
    ratio: Decimal
    lower: Decimal
    upper: Decimal | None  # the next band's lower edge (exclusive)

    @property
    def edges(self) -> str:
        if self.upper is None:
            return f"≥ {self.lower:,.0f} 分"
        return f"{self.lower:,.0f} ≤ 积分 < {self.upper:,.0f}"


def parsed_bands(rule: MarketingRule) -> list[tuple[Decimal, str, Decimal]]:
    """The rule's bands as (lower edge, label, ratio), ascending."""
    return sorted(((Decimal(str(b[0])), str(b[1]), Decimal(str(b[2]))) for b in rule.bands), key=lambda b: b[0])


def band_for(points: Decimal, rule: MarketingRule, *, bands: list | None = None) -> Band:
    bands = bands if bands is not None else parsed_bands(rule)
    chosen = 0
    for i, (lower, _label, _ratio) in enumerate(bands):
        if points >= lower:
            chosen = i
    lower, label, ratio = bands[chosen]
    upper = bands[chosen + 1][0] if chosen + 1 < len(bands) else None
    return Band(label, ratio, lower, upper)


def assessment_year(day: dt.date | None = None) -> tuple[Period, dt.date]:
    """The assessment year (calendar year) containing `day` and the last day counted (to date)."""
    day = day or clock.today()
    return Period.year(day.year), day
