"""Capacity points against hand-worked examples (SPEC §5: count × coefficient × clamp(avg/benchmark, 0.5, 2.0))."""

import datetime as dt
from decimal import Decimal

import pytest

from org import clock
from org.periods import Period
from org.tests.factories import tree
from retail_credit.models import Scheme, SchemeProduct, SchemeTier
from retail_credit.selectors.capacity import breakdown, month_figures

from .helpers import loan, officer

pytestmark = pytest.mark.django_db
MARCH = Period.month(2024, 3)


@pytest.fixture
def me():
    return officer(tree()["OUT1"])


def points(staff, month=MARCH) -> Decimal:
    return month_figures(month, [staff.pk]).get(staff.pk, {"points": Decimal(0)})["points"]


def test_one_product_inside_the_clamp(me):
    # 2 mortgages, 1,200,000 元: average 600,000 / 500,000 = 1.2 → 2 × 1.0 × 1.2 = 2.40
    loan(me, "mortgage", 500_000, "2024-03-04")
    loan(me, "mortgage", 700_000, "2024-03-20")
    assert points(me) == Decimal("2.40")
    f = month_figures(MARCH, [me.pk])[me.pk]
    assert f["loans"] == 2 and f["amount"] == Decimal("1200000.00")


def test_the_clamp_at_both_ends_and_three_products(me):
    # consumer: 3 × 10,000 → avg 10,000 / 100,000 = 0.1 → clamped to 0.5: 3 × 0.5 × 0.5 = 0.75
    for _ in range(3):
        loan(me, "consumer", 10_000, "2024-03-05")
    # business: 1 × 4,000,000 → 5.0 → clamped to 2.0: 1 × 1.5 × 2.0 = 3.00
    loan(me, "business", 4_000_000, "2024-03-06")
    # mortgage: 1 × 250,000 → 0.5 exactly: 1 × 1.0 × 0.5 = 0.50
    loan(me, "mortgage", 250_000, "2024-03-07")
    assert points(me) == Decimal("4.25")
    lines, terms = breakdown(staff=me, month=MARCH)
    by = {line.product: line for line in lines}
    assert (by["consumer"].loans, by["consumer"].ratio, by["consumer"].adjustment, by["consumer"].points, by["consumer"].clamped) == (3, Decimal("0.1000"), Decimal("0.5"), Decimal("0.75"), "按下限")
    assert (by["business"].adjustment, by["business"].points, by["business"].clamped) == (Decimal("2.0"), Decimal("3.00"), "按上限")
    assert by["mortgage"].points == Decimal("0.50") and by["mortgage"].average == Decimal("250000.00")
    assert terms.label.startswith("产能方案 v1")


def test_a_month_with_no_loans_has_zero_points_and_a_breakdown_of_zero_lines(me):
    loan(me, "mortgage", 500_000, "2024-02-29")  # February: not March
    assert points(me) == 0
    lines, _ = breakdown(staff=me, month=MARCH)
    assert [(line.product, line.loans, line.points) for line in lines] == [("mortgage", 0, 0), ("consumer", 0, 0), ("business", 0, 0)]


def test_month_to_date_counts_only_up_to_the_day(me):
    loan(me, "mortgage", 500_000, "2024-03-04")
    loan(me, "mortgage", 500_000, "2024-03-25")
    assert month_figures(MARCH, [me.pk], until=dt.date(2024, 3, 10))[me.pk]["points"] == Decimal("1.00")


def test_a_scheme_change_applies_from_its_month(me):
    new = Scheme.objects.create(version=2, effective_from=dt.date(2024, 4, 1), created_at=clock.now(), clamp_low=Decimal("0.8"), clamp_high=Decimal("1.5"))
    SchemeProduct.objects.create(scheme=new, product="mortgage", coefficient=Decimal("2.0"), benchmark=Decimal(400_000))
    SchemeProduct.objects.create(scheme=new, product="consumer", coefficient=Decimal("0.5"), benchmark=Decimal(100_000))
    SchemeProduct.objects.create(scheme=new, product="business", coefficient=Decimal("1.5"), benchmark=Decimal(800_000))
    for t in range(1, 6):
        SchemeTier.objects.create(scheme=new, tier=t, target=Decimal(1_000_000), lifeline=Decimal(500_000))
    loan(me, "mortgage", 1_000_000, "2024-03-31")  # old scheme: 1 × 1.0 × 2.0 = 2.00
    loan(me, "mortgage", 1_000_000, "2024-04-01")  # new: 1 × 2.0 × clamp(2.5, 0.8, 1.5) = 3.00
    assert points(me) == Decimal("2.00")
    assert points(me, Period.month(2024, 4)) == Decimal("3.00")
    _, terms = breakdown(staff=me, month=Period.month(2024, 4))
    assert terms.version == 2


def test_the_rule_label_names_each_months_scheme_as_its_terms_do(me):
    from retail_credit.metrics import rule_label
    from retail_credit.selectors.scheme import scheme_label, terms_for

    Scheme.objects.create(version=2, effective_from=dt.date(2024, 4, 1), created_at=clock.now(), clamp_low=Decimal("0.8"), clamp_high=Decimal("1.5"))
    for day in (dt.date(1999, 12, 31), dt.date(2024, 3, 15), dt.date(2024, 4, 30)):
        assert scheme_label(day) == terms_for(day).label
    assert scheme_label(dt.date(2024, 4, 30)) == "产能方案 v2（2024-04 起）"
    # A quarter across the change names both schemes, each once.
    assert rule_label(Period.quarter(2024, 1)) == terms_for(dt.date(2024, 1, 1)).label
    assert rule_label(Period.quarter(2024, 2)) == "产能方案 v2（2024-04 起）"
    assert rule_label(Period.year(2024)) == f"{terms_for(dt.date(2024, 1, 1)).label}；产能方案 v2（2024-04 起）"
