import datetime as dt

import pytest

from org.models import CalendarDay
from org.periods import Period
from org.progress import attainment, time_progress

pytestmark = pytest.mark.django_db


def test_time_progress_counts_working_days_with_the_day_itself():
    week = Period.parse("2026-W49")  # Mon 30 Nov … Sun 6 Dec 2026
    assert time_progress(week, at=dt.date(2026, 11, 29)) == 0.0
    assert time_progress(week, at=dt.date(2026, 11, 30)) == pytest.approx(0.2)
    assert time_progress(week, at=dt.date(2026, 12, 2)) == pytest.approx(0.6)
    assert time_progress(week, at=dt.date(2026, 12, 5)) == 1.0  # Saturday: all five working days gone
    assert time_progress(week, at=dt.datetime(2026, 12, 7, 9)) == 1.0


def test_holidays_and_make_up_days_come_from_the_calendar():
    CalendarDay.objects.create(date=dt.date(2026, 10, 1), is_working=False, note="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 2), is_working=False, note="国庆节")
    CalendarDay.objects.create(date=dt.date(2026, 10, 10), is_working=True, note="调休上班")
    october = Period.parse("2026-10")
    # 22 weekdays − 2 holidays + 1 make-up Saturday = 21 working days; by Sat 10 Oct: 5 + 1 = 6.
    assert time_progress(october, at=dt.date(2026, 10, 10)) == pytest.approx(6 / 21)
    assert time_progress(october, at=dt.date(2026, 10, 2)) == 0.0


def test_behind_means_attainment_below_time_progress():
    week = Period.parse("2026-W49")
    wednesday = dt.date(2026, 12, 2)
    ahead = attainment(actual=61, target=100, period=week, at=wednesday)
    behind = attainment(actual=45, target=100, period=week, at=wednesday)
    assert not ahead.behind and ahead.pct == pytest.approx(61)
    assert behind.behind and behind.gap_pct == pytest.approx(-15)
    no_target = attainment(actual=0, target=None, period=week, at=wednesday)
    assert no_target.pct is None and not no_target.behind
