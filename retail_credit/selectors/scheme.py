"""The capacity scheme in force: product coefficients, benchmark averages, the clamp and per tier the
monthly target and lifeline, read once per month asked for (`terms_for`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from org.bulk import in_ids
from org.memo import memoised

from ..models import OfficerTier, Product, Scheme

# SPEC §5, used only when no scheme is stored (a flushed test database): the migration stores the same.
DEFAULT_PRODUCTS = {"mortgage": (Decimal("1.0"), Decimal(500_000)), "consumer": (Decimal("0.5"), Decimal(100_000)), "business": (Decimal("1.5"), Decimal(800_000))}
DEFAULT_TIERS = {1: (600, 300), 2: (400, 200), 3: (250, 120), 4: (150, 60), 5: (80, 30)}
TIERS = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Terms:
    """One scheme version as plain values."""

    label: str
    version: int | None
    effective_from: dt.date
    clamp_low: Decimal
    clamp_high: Decimal
    products: dict[str, tuple[Decimal, Decimal]]  # product -> (coefficient, benchmark 元)
    tiers: dict[int, tuple[Decimal, Decimal]] = field(default_factory=dict)  # tier -> (target 元, lifeline 元)

    def target(self, tier: int | None) -> Decimal | None:
        return self.tiers[tier][0] if tier in self.tiers else None

    def lifeline(self, tier: int | None) -> Decimal | None:
        return self.tiers[tier][1] if tier in self.tiers else None


DEFAULT_TERMS = Terms(
    label="产能方案（默认）", version=None, effective_from=dt.date(2000, 1, 1), clamp_low=Decimal("0.5"), clamp_high=Decimal("2.0"),
    products=DEFAULT_PRODUCTS, tiers={t: (Decimal(a) * 10000, Decimal(b) * 10000) for t, (a, b) in DEFAULT_TIERS.items()},
)


def _terms(scheme: Scheme) -> Terms:
    return Terms(
        label=scheme.label, version=scheme.version, effective_from=scheme.effective_from, clamp_low=scheme.clamp_low, clamp_high=scheme.clamp_high,
        products={p.product: (p.coefficient, p.benchmark) for p in scheme.products.all()},
        tiers={t.tier: (t.target, t.lifeline) for t in scheme.tiers.all()},
    )


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def terms_for(day: dt.date) -> Terms:
    """The scheme in force in the month of `day` (the one in force on the month's first day);
    read once per build or league table (org.memo)."""
    return _terms_of_month(month_start(day))


@memoised
def _terms_of_month(first_day: dt.date) -> Terms:
    scheme = Scheme.objects.filter(effective_from__lte=first_day).prefetch_related("products", "tiers").order_by("-effective_from").first()
    return _terms(scheme) if scheme else DEFAULT_TERMS


def scheme_label(day: dt.date) -> str:
    """The label of the scheme in force in the month of `day` (a league table's rule version): the
    label alone, without the scheme's products and tiers."""
    return _label_of_month(month_start(day))


@memoised
def _label_of_month(first_day: dt.date) -> str:
    scheme = Scheme.objects.filter(effective_from__lte=first_day).only("version", "effective_from").order_by("-effective_from").first()
    return scheme.label if scheme else DEFAULT_TERMS.label


def terms_by_month(months: list[dt.date]) -> dict[dt.date, Terms]:
    """{month start: Terms} for many months, reading the schemes once."""
    schemes = [_terms(s) for s in Scheme.objects.prefetch_related("products", "tiers").order_by("effective_from")]
    out = {}
    for m in months:
        start = month_start(m)
        found = [s for s in schemes if s.effective_from <= start]
        out[start] = found[-1] if found else DEFAULT_TERMS
    return out


def product_label(code: str) -> str:
    return dict(Product.choices).get(code, code)


def tiers_of(staff, year: int) -> dict[int, int | None]:
    """{staff_id: tier of `year`}: the year's tier when set, otherwise the roster's current tier."""
    staff = list(staff)
    set_for_year = dict(OfficerTier.objects.filter(year=year, staff_id__in=in_ids(s.pk for s in staff)).values_list("staff_id", "tier"))
    return {s.pk: set_for_year.get(s.pk, s.tier) for s in staff}


def tier_filter(tier: int, year: int) -> Q:
    """Staff of `tier` in `year` (set for the year, or on the roster with nothing set for the year)."""
    set_for_year = OfficerTier.objects.filter(year=year)
    return Q(pk__in=set_for_year.filter(tier=tier).values("staff_id")) | (Q(tier=tier) & ~Q(pk__in=set_for_year.values("staff_id")))
