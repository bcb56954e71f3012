"""Targets: splits that add up, the monthly distribution, grids saved all or nothing, the target of
any period from the one rule, attainment against time progress."""

import datetime as dt
from decimal import Decimal

import pytest

from org.errors import ApplicationError
from org.models import CalendarDay
from org.periods import Period
from org.progress import Attainment
from org.tests.factories import StaffFactory, tree, user_for
from targets import registry
from targets.models import Target, TargetChange, calendar_days_percentages
from targets.selectors import attainment_rows, institution_targets, staff_targets
from targets.services import monthly_distribution_set, parse_target_value, split_total, target_set, target_split_periods, targets_save

pytestmark = pytest.mark.django_db
APPS = "referral.applications"
AMOUNT = "referral.disbursed_amount"
Y2026 = Period.year(2026)


def test_split_total_always_adds_up_the_last_part_taking_the_remainder():
    parts = split_total(Decimal("100"), [Decimal(1)] * 3)
    assert parts == [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")] and sum(parts) == 100
    parts = split_total(Decimal("1000"), [Decimal(31), Decimal(28), Decimal(31)])
    assert sum(parts) == 1000 and parts[0] == Decimal("344.44")
    assert split_total(Decimal("5"), [Decimal(0), Decimal(0)]) == [Decimal("2.50"), Decimal("2.50")]


def test_the_default_monthly_distribution_is_by_calendar_days():
    pct = calendar_days_percentages(2026)
    assert len(pct) == 12 and sum(pct) == 100
    assert pct[0] == (Decimal(31) * 100 / 365).quantize(Decimal("0.0001"))  # January 8.4932 %
    assert pct[1] == (Decimal(28) * 100 / 365).quantize(Decimal("0.0001"))
    assert sum(calendar_days_percentages(2028)) == 100  # a leap year too


def test_a_year_split_into_months_adds_up_and_follows_an_edited_distribution():
    t = tree()
    ho = user_for(StaffFactory(employee_no="HQ1", institution=t["HO"]), scope=t["HO"])
    target_set(metric=APPS, period=Y2026, value=Decimal("3650"), by=ho, institution=t["BR1"])
    months = target_split_periods(metric=APPS, year=2026, by=ho, institution=t["BR1"], into="month")
    assert len(months) == 12 and sum(m.value for m in months) == Decimal("3650")
    assert months[0].value == Decimal("310.00") and months[1].value == Decimal("280.00")  # 31 and 28 days of 365
    # Head office weighs December double: the split follows the edited percentages.
    pct = ["8"] * 11 + ["12"]
    monthly_distribution_set(metric=APPS, year=2026, percentages=pct, by=ho)
    months = target_split_periods(metric=APPS, year=2026, by=ho, institution=t["BR1"], into="month")
    assert months[-1].value == Decimal("438.00") and sum(m.value for m in months) == Decimal("3650")
    assert TargetChange.objects.filter(target=months[0]).count() == 2  # 310 then 292: history kept
    with pytest.raises(ApplicationError, match="合计应为 100%，当前为 99%"):
        monthly_distribution_set(metric=APPS, year=2026, percentages=["8"] * 11 + ["11"], by=ho)
    with pytest.raises(ApplicationError, match="3 月的比例“x”不是数字"):
        monthly_distribution_set(metric=APPS, year=2026, percentages=["8", "8", "x"] + ["8"] * 9, by=ho)


def test_a_grid_is_saved_all_or_nothing_within_the_scope():
    t = tree()
    sb = user_for(StaffFactory(employee_no="SB1M", institution=t["SB1"]), scope=t["SB1"])
    june = Period.parse("2026-06")
    changed = targets_save(metric=APPS, period=june, by=sb, institutions={t["OUT1"]: Decimal(40), t["OUT2"]: Decimal(25)})
    assert changed == 2
    assert targets_save(metric=APPS, period=june, by=sb, institutions={t["OUT1"]: Decimal(40), t["OUT2"]: Decimal(25)}) == 0
    # An institution outside the scope in the grid: nothing at all is written.
    with pytest.raises(ApplicationError):
        targets_save(metric=APPS, period=june, by=sb, institutions={t["OUT1"]: Decimal(99), t["OUT3"]: Decimal(1)})
    assert Target.objects.get(institution=t["OUT1"]).value == Decimal(40)
    # A manager never sets their own node's target: their parent does.
    with pytest.raises(ApplicationError, match="由其上级机构设定"):
        target_set(metric=APPS, period=june, value=Decimal(1), by=sb, institution=t["SB1"])
    row = Target.objects.get(institution=t["OUT1"])
    targets_save(metric=APPS, period=june, by=sb, institutions={t["OUT1"]: Decimal(45)})
    row.refresh_from_db()
    assert (row.value, row.previous_value, row.version) == (Decimal(45), Decimal(40), 2)


def test_typed_values_in_chinese_forms():
    m = registry.get(AMOUNT)
    assert parse_target_value("１,２００.５", metric=m, label="人民广场网点") == Decimal("12005000.00")  # 万元 → 元
    assert parse_target_value("", metric=m, label="x") is None
    with pytest.raises(ApplicationError, match="人民广场网点：目标不能为负数"):
        parse_target_value("-1", metric=m, label="人民广场网点")
    with pytest.raises(ApplicationError, match="南湖网点：目标“abc”不是数字"):
        parse_target_value("abc", metric=m, label="南湖网点")


def test_the_target_of_any_period_by_the_one_rule():
    t = tree()
    ho = user_for(StaffFactory(employee_no="HQ2", institution=t["HO"]), scope=t["HO"])
    target_set(metric=APPS, period=Y2026, value=Decimal("3650"), by=ho, institution=t["BR1"])
    target_set(metric=APPS, period=Y2026, value=Decimal("365"), by=ho, institution=t["BR2"])
    june = Period.parse("2026-06")
    got = institution_targets(metric=APPS, nodes=[t["HO"], t["BR1"], t["BR2"]], period=june)
    # No June row: a share of the year by calendar days (30/365), the head office summing its branches.
    assert got[t["BR1"].pk].value == Decimal("300.00") and got[t["BR1"].pk].source == "derived"
    assert got[t["HO"].pk].value == Decimal("330.00")
    # A June target set on BR1 wins over the share; a week is a share of the month's days.
    target_set(metric=APPS, period=june, value=Decimal("420"), by=ho, institution=t["BR1"])
    assert institution_targets(metric=APPS, nodes=[t["BR1"]], period=june)[t["BR1"].pk].value == Decimal("420")
    q2 = institution_targets(metric=APPS, nodes=[t["BR1"]], period=Period.parse("2026-Q2"))[t["BR1"].pk]
    assert q2.source == "sum" and q2.value == Decimal("420")  # what is set inside the quarter
    person = StaffFactory(institution=t["OUT1"])
    target_set(metric=APPS, period=Y2026, value=Decimal("365"), by=ho, staff=person)
    assert staff_targets(metric=APPS, staff=[person], period=Period.parse("2026-W23"))[person.pk].value == Decimal("7.00")


def test_each_node_counts_only_the_targets_of_its_own_subtree():
    t = tree()
    ho = user_for(StaffFactory(employee_no="HQ2", institution=t["HO"]), scope=t["HO"])
    june = Period.parse("2026-06")
    for node, value in (("SB1", "100"), ("SB2", "20"), ("SB3", "3"), ("OUT4", "7")):
        target_set(metric=APPS, period=june, value=Decimal(value), by=ho, institution=t[node])
    # Nodes of different levels and branches: each its own target, else the nearest below it.
    got = institution_targets(metric=APPS, nodes=[t["SB1"], t["BR1"], t["BR2"], t["OUT1"], t["HO"]], period=june)
    assert {n: got[t[n].pk].value for n in ("SB1", "BR1", "BR2", "HO")} == {"SB1": Decimal(100), "BR1": Decimal(120), "BR2": Decimal(3), "HO": Decimal(123)}
    assert t["OUT1"].pk not in got  # nothing set on or below it; its parent's target is not its own


def test_behind_time_progress_at_its_edge():
    CalendarDay.objects.create(date=dt.date(2026, 10, 1), is_working=False, note="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 10), is_working=True, note="调休上班")
    october = Period.parse("2026-10")
    # 22 weekdays − 1 holiday + 1 make-up Saturday = 22 working days; by Friday 2 Oct: 1 of 22.
    from org.progress import time_progress

    tp = time_progress(october, at=dt.date(2026, 10, 2))
    assert tp == pytest.approx(1 / 22)
    exactly = Attainment(Decimal(1), Decimal(22), tp)
    assert not exactly.behind  # at time progress: not behind
    assert Attainment(Decimal("0.99"), Decimal(22), tp).behind


def test_attainment_rows_for_persons_and_institutions():
    from referrals.tests.reporting_data import known_week

    data = known_week()
    t = data["tree"]
    ho = user_for(StaffFactory(employee_no="HQ3", institution=t["HO"]), scope=t["HO"])
    week = Period.parse("2024-W45")
    target_set(metric=APPS, period=week, value=Decimal(10), by=ho, institution=t["BR1"])
    target_set(metric=APPS, period=week, value=Decimal(2), by=ho, staff=data["A"])
    rows, version = attainment_rows(metric=APPS, period=week, at=dt.date(2024, 11, 6), institutions=[t["BR1"], t["BR2"]], staff=[data["A"], data["B"]])
    by = {(r.kind, r.key): r for r in rows}
    br1, br2, a = by["institution", t["BR1"].pk], by["institution", t["BR2"].pk], by["staff", data["A"].pk]
    assert (br1.actual, br1.target) == (8, 10) and not br1.progress.behind  # 80 % against 60 %
    assert br2.actual == 1 and br2.target is None
    assert a.actual == 3 and a.progress.pct == pytest.approx(150)
    assert "转介规则" in version


def test_a_grid_of_a_hundred_children_saves_in_a_fixed_number_of_queries(django_assert_max_num_queries):
    from org.models import InstitutionKind
    from org.tests.factories import institution

    t = tree()
    outlets = [institution(f"X{i:03d}", InstitutionKind.OUTLET, t["SB1"], f"网点{i:03d}") for i in range(100)]
    sb = user_for(StaffFactory(employee_no="SB77", institution=t["SB1"]), scope=t["SB1"])
    grid = {o: Decimal(i) for i, o in enumerate(outlets, start=1)}
    with django_assert_max_num_queries(30):
        assert targets_save(metric=APPS, period=Y2026, by=sb, institutions=grid) == 100
    grid = {o: v + 1 for o, v in grid.items()}
    with django_assert_max_num_queries(30):
        assert targets_save(metric=APPS, period=Y2026, by=sb, institutions=grid) == 100
    assert TargetChange.objects.count() == 200 and Target.objects.get(institution=outlets[0]).version == 2


def test_the_referral_sheet_shows_attainment_beside_time_progress():
    import io

    from openpyxl import load_workbook

    from org import clock
    from referrals.tests.reporting_data import known_week
    from reporting import services

    data = known_week()
    t = data["tree"]
    ho = user_for(StaffFactory(employee_no="HQ70", institution=t["HO"]), scope=t["HO"])
    week = Period.parse("2024-W45")
    target_set(metric=APPS, period=week, value=Decimal(4), by=ho, staff=data["A"])  # 3 of 4 = 75 %
    with clock.frozen(dt.datetime(2024, 11, 11, 9, 0)):
        circular = services.circular_build(period=week, scope=t["BR1"])
    rows = {r[0]: r for r in load_workbook(io.BytesIO(circular.file.read()))["转介"].iter_rows(min_row=3, values_only=True)}
    assert rows["A001"][8:] == (4, 0.75, 1, "落后")
