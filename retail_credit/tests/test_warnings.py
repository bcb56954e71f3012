"""Warnings and exits (SPEC §5): a month below the lifeline warns; three consecutive months below make
an exit candidate; a good month resets the run; leave and the first 3 months are exempt."""

import datetime as dt
from decimal import Decimal

import pytest

from org import clock
from org.periods import Period
from org.tests.factories import tree
from retail_credit.models import LeaveMonth, OfficerRole, OfficerTier, TierSource
from retail_credit.selectors.capacity import capacity_rows, standings, week_share

from .helpers import month_total, officer

pytestmark = pytest.mark.django_db
LIFELINE_T3 = 1_200_000  # tier 3: 120 万元


@pytest.fixture
def me():
    return officer(tree()["OUT1"], tier=3, since=dt.date(2023, 1, 1))


def steady(person, first: str, last: str):
    """Months at the lifeline from `first` to `last` (so earlier months do not warn)."""
    m = Period.parse(first)
    while m.code <= last:
        month_total(person, m.code, LIFELINE_T3)
        m = m.next()


def judge(person, month: str, until: str | None = None):
    m = Period.parse(month)
    return standings([person], month=m, until=dt.date.fromisoformat(until) if until else m.end)[person.pk]


def test_a_month_below_the_lifeline_warns_and_names_itself(me):
    steady(me, "2023-03", "2024-02")
    month_total(me, "2024-03", LIFELINE_T3 - 1)
    s = judge(me, "2024-03")
    assert s.warning and not s.exit_candidate and s.run[-1] == "2024-03" and s.label == "预警"
    month_total(me, "2024-04", LIFELINE_T3)  # exactly the lifeline is not below
    assert not judge(me, "2024-04").warning


def test_three_consecutive_months_make_an_exit_candidate_and_a_good_month_resets(me):
    steady(me, "2023-05", "2024-04")
    for m in ("2024-05", "2024-06"):
        month_total(me, m, 100_000)
    assert not judge(me, "2024-06").exit_candidate
    month_total(me, "2024-07", 100_000)
    s = judge(me, "2024-07")
    assert s.exit_candidate and s.run == ["2024-05", "2024-06", "2024-07"] and s.label == "退出候选"
    assert "2024-05、2024-06、2024-07" in s.detail
    month_total(me, "2024-08", 2_000_000)  # a good month
    s = judge(me, "2024-08")
    assert not s.exit_candidate and not s.warning and s.run == []
    month_total(me, "2024-09", 1)
    assert judge(me, "2024-09").run == ["2024-09"]


def test_leave_months_neither_warn_nor_break_the_run(me):
    steady(me, "2023-04", "2023-12")
    for m in ("2024-01", "2024-03", "2024-04"):
        month_total(me, m, 1)
    LeaveMonth.objects.create(staff=me, month=dt.date(2024, 2, 1), recorded_at=clock.now())
    feb = judge(me, "2024-02")
    assert not feb.warning and feb.exempt_reason == "请假"
    s = judge(me, "2024-04")
    assert s.exit_candidate and s.run == ["2024-01", "2024-03", "2024-04"]


def test_the_first_three_months_in_the_role_are_exempt(me):
    OfficerRole.objects.create(staff=me, since=dt.date(2024, 2, 15))
    for m in ("2024-02", "2024-03", "2024-04", "2024-05", "2024-06"):
        month_total(me, m, 1)
    assert not judge(me, "2024-04").warning and judge(me, "2024-04").exempt_reason == "任客户经理前 3 个月"
    assert judge(me, "2024-05").warning and not judge(me, "2024-06").exit_candidate
    assert judge(me, "2024-06").run == ["2024-05", "2024-06"]


def test_the_month_in_progress_warns_against_the_lifeline_pro_rata(me):
    # 2024-03-15: 11 of 21 working days elapsed; pro-rata lifeline 1,200,000 × 11/21 ≈ 628,571
    month_total(me, "2024-03", 600_000)
    assert judge(me, "2024-03", "2024-03-15").warning
    month_total(me, "2024-03", 100_000)
    assert not judge(me, "2024-03", "2024-03-15").warning


def test_a_tier_change_changes_target_and_lifeline_of_that_year_only(me):
    month_total(me, "2024-03", 1_000_000)  # below tier 3's 120 万, above tier 4's 60 万
    assert judge(me, "2024-03").warning
    OfficerTier.objects.create(staff=me, year=2024, tier=4, source=TierSource.MANAGER, set_at=clock.now())
    assert not judge(me, "2024-03").warning
    rows = {r.employee_no: r for r in capacity_rows(root=tree()["BR1"], month=Period.month(2024, 3), until=dt.date(2024, 3, 31))}
    row = rows[me.employee_no]
    assert (row.tier, row.target, row.lifeline) == (4, Decimal(1_500_000), Decimal(600_000))
    assert round(row.attainment, 4) == round(1_000_000 / 1_500_000, 4)
    month_total(me, "2025-03", 1_000_000)  # 2025: back to the roster's tier 3
    assert judge(me, "2025-03").warning


def test_weekly_split_of_a_monthly_target_by_calendar_days():
    march = Period.month(2024, 3)
    # 2024-W09 is Feb 26 – Mar 3: 3 days of March's 31
    assert week_share(Decimal(2_500_000), Period.parse("2024-W09"), march) == Decimal("241935.48")
    assert week_share(Decimal(2_500_000), Period.parse("2024-W10"), march) == Decimal("564516.13")
    weeks = [Period.parse(f"2024-W{n:02d}") for n in range(9, 14)]
    assert sum(week_share(Decimal(3_100_000), w, march) for w in weeks) == Decimal(3_100_000)
