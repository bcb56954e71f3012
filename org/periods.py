"""Reporting periods as value objects: ISO week, month, quarter, year, in Asia/Shanghai.

`Period.parse("2024-W45")`, `Period.parse("2024-11")`, `Period.parse("2024-Q4")`,
`Period.parse("2024")`. `bounds()` gives the half-open [start, end) datetimes for queries.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .clock import SHANGHAI
from .errors import ApplicationError
from .text import ascii_digits

WEEK_RE = re.compile(r"^([0-9]{4})-W([0-9]{1,2})$")
MONTH_RE = re.compile(r"^([0-9]{4})-([0-9]{1,2})$")
QUARTER_RE = re.compile(r"^([0-9]{4})-Q([1-4])$")
YEAR_RE = re.compile(r"^([0-9]{4})$")

KIND_LABELS = {"week": gettext_lazy("周"), "month": gettext_lazy("月份"), "quarter": gettext_lazy("季度"), "year": gettext_lazy("年份")}
KIND_EXAMPLES = {"week": "2024-W45", "month": "YYYY-MM", "quarter": "2024-Q4", "year": "2024"}


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date  # first day, inclusive
    end: dt.date  # last day, inclusive
    kind: str
    code: str

    @classmethod
    def parse(cls, text: str, kind: str | None = None, *, field: str | None = None) -> Period:
        """The one period parser. With `kind` ("week", "month", "quarter", "year") anything else is
        refused with a Chinese message naming the expected form (and `field`, for forms and the API)."""
        period = cls._parse_any(text)
        if kind is not None and (period is None or period.kind != kind):
            shown = ascii_digits(text).strip() or _("（空）")
            message = _("%(kind)s“%(shown)s”无效，格式应为 %(example)s") % {"kind": KIND_LABELS[kind], "shown": shown, "example": KIND_EXAMPLES[kind]}
            raise ApplicationError(message, fields={field: [_("格式应为 %(example)s") % {"example": KIND_EXAMPLES[kind]}]} if field else None)
        if period is None:
            shown = ascii_digits(text).strip().upper()
            raise ApplicationError(_("无法识别的期间“%(shown)s”：应为 ISO 周（2024-W45）、月（2024-11）、季度（2024-Q4）或年（2024）") % {"shown": shown})
        return period

    @classmethod
    def _parse_any(cls, text: str) -> Period | None:
        text = ascii_digits(text).strip().upper()
        try:
            if m := WEEK_RE.match(text):
                return cls.week(int(m[1]), int(m[2]))
            if m := QUARTER_RE.match(text):
                return cls.quarter(int(m[1]), int(m[2]))
            if m := MONTH_RE.match(text):
                return cls.month(int(m[1]), int(m[2]))
            if m := YEAR_RE.match(text):
                return cls.year(int(m[1]))
        except ValueError:
            pass
        return None

    @classmethod
    def week(cls, year: int, week: int) -> Period:
        start = dt.date.fromisocalendar(year, week, 1)
        return cls(start, start + dt.timedelta(days=6), "week", f"{year}-W{week:02d}")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        start = dt.date(year, month, 1)
        nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
        return cls(start, nxt - dt.timedelta(days=1), "month", f"{year}-{month:02d}")

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = dt.date(year, 3 * quarter - 2, 1)
        last = cls.month(year, 3 * quarter)
        return cls(start, last.end, "quarter", f"{year}-Q{quarter}")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), "year", f"{year}")

    @classmethod
    def day(cls, day: dt.date) -> Period:
        """One calendar day (the daily report's period)."""
        return cls(day, day, "day", day.isoformat())

    @classmethod
    def containing(cls, day: dt.date, kind: str) -> Period:
        if kind == "day":
            return cls.day(day)
        if kind == "week":
            iso = day.isocalendar()
            return cls.week(iso.year, iso.week)
        if kind == "month":
            return cls.month(day.year, day.month)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.year(day.year)

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return f"{self.code}（{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}）"

    @classmethod
    def span(cls, periods) -> Period:
        """The days from the first period's start to the last one's end (one range that reads the
        facts of a period and the one before it in one indexed scan; filter each period inside it)."""
        start, end = min(p.start for p in periods), max(p.end for p in periods)
        return cls(start, end, "span", f"{start:%Y-%m-%d}..{end:%Y-%m-%d}")

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Half-open [start, end) as aware datetimes in Asia/Shanghai."""
        lo = dt.datetime.combine(self.start, dt.time.min, tzinfo=SHANGHAI)
        hi = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=SHANGHAI)
        return lo, hi

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def previous(self) -> Period:
        return Period.containing(self.start - dt.timedelta(days=1), self.kind)

    def next(self) -> Period:
        return Period.containing(self.end + dt.timedelta(days=1), self.kind)

    def months(self) -> list[Period]:
        out, day = [], self.start.replace(day=1)
        while day <= self.end:
            out.append(Period.month(day.year, day.month))
            day = out[-1].end + dt.timedelta(days=1)
        return out
