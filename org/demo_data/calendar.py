"""Public holidays and make-up working days (调休) as published by the State Council's General
Office for 2025 and 2026: the exceptions to the Monday–Friday week that `CalendarDay` records.
Only the demo loads these; a real installation maintains them in the admin each December."""

import datetime as dt

# (first day, last day, name) of each holiday, and the weekend days worked in exchange.
HOLIDAYS = [
    ("2025-01-01", "2025-01-01", "元旦"),
    ("2025-01-28", "2025-02-04", "春节"),
    ("2025-04-04", "2025-04-06", "清明节"),
    ("2025-05-01", "2025-05-05", "劳动节"),
    ("2025-05-31", "2025-06-02", "端午节"),
    ("2025-10-01", "2025-10-08", "国庆节、中秋节"),
    ("2026-01-01", "2026-01-03", "元旦"),
    ("2026-02-15", "2026-02-23", "春节"),
    ("2026-04-04", "2026-04-06", "清明节"),
    ("2026-05-01", "2026-05-05", "劳动节"),
    ("2026-06-19", "2026-06-21", "端午节"),
    ("2026-09-25", "2026-09-27", "中秋节"),
    ("2026-10-01", "2026-10-07", "国庆节"),
]
MAKE_UP_DAYS = [
    ("2025-01-26", "春节调休上班"),
    ("2025-02-08", "春节调休上班"),
    ("2025-04-27", "劳动节调休上班"),
    ("2025-09-28", "国庆节调休上班"),
    ("2025-10-11", "国庆节调休上班"),
    ("2026-01-04", "元旦调休上班"),
    ("2026-02-14", "春节调休上班"),
    ("2026-02-28", "春节调休上班"),
    ("2026-05-09", "劳动节调休上班"),
    ("2026-09-20", "国庆节调休上班"),
    ("2026-10-10", "国庆节调休上班"),
]


def calendar_days() -> list[tuple[dt.date, bool, str]]:
    """(date, is_working, note) for every holiday day and make-up day."""
    days = []
    for first, last, name in HOLIDAYS:
        day, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
        while day <= end:
            days.append((day, False, name))
            day += dt.timedelta(days=1)
    days += [(dt.date.fromisoformat(d), True, note) for d, note in MAKE_UP_DAYS]
    return sorted(days)
