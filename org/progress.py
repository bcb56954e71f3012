"""Time progress (序时进度) and attainment against it: the one home of the rule (SPEC §6).

Every figure with a target shows its attainment beside the share of the period elapsed, counted in
working days of the calendar (weekends, holidays and make-up working days from `CalendarDay`), and
is flagged 落后序时进度 when below it. The day of `at` counts as elapsed: a figure read on Wednesday
evening of a five-day week stands against 3/5 = 60 %.

    tp = time_progress(Period.parse("2026-W49"), at=clock.today())
    a = attainment(actual=45, target=100, period=week, at=today)   # a.behind, a.pct, a.time_progress_pct
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from .periods import Period
from .selectors import working_days


def time_progress(period: Period, *, at: dt.date | dt.datetime) -> float:
    """The share (0..1) of the period's working days elapsed by `at` (its day included).

    Before the period 0, after it 1; a period with no working day at all (a holiday week) counts
    calendar days instead, so it still runs from 0 to 1."""
    day = at.date() if isinstance(at, dt.datetime) else at
    if day < period.start:
        return 0.0
    if day >= period.end:
        return 1.0
    days = working_days(start=period.start, end=period.end) or period.days()
    return sum(1 for d in days if d <= day) / len(days)


@dataclass(frozen=True, slots=True)
class Attainment:
    """A figure against its target and the period's time progress."""

    actual: Decimal | int | float
    target: Decimal | int | float | None
    time_progress: float

    @property
    def ratio(self) -> float | None:
        if not self.target:
            return None
        return float(self.actual) / float(self.target)

    @property
    def pct(self) -> float | None:
        return None if self.ratio is None else 100 * self.ratio

    @property
    def time_progress_pct(self) -> float:
        return 100 * self.time_progress

    @property
    def behind(self) -> bool:
        """落后序时进度: a target is set and attainment is below the share of the period elapsed."""
        return self.ratio is not None and self.ratio < self.time_progress

    @property
    def gap_pct(self) -> float | None:
        """Attainment minus time progress, in percentage points (negative when behind)."""
        return None if self.pct is None else self.pct - self.time_progress_pct


def attainment(*, actual, target, period: Period, at: dt.date | dt.datetime, progress: float | None = None) -> Attainment:
    """`actual` against `target` for `period` read at `at` (pass `progress` when already known for
    the period, so a table of many rows asks the calendar once)."""
    return Attainment(actual=actual, target=target, time_progress=time_progress(period, at=at) if progress is None else progress)
