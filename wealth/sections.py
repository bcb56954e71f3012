"""2053 blocks on the shared pages: a wealth manager's day on the staff home, and their week on a
person's page seen by a manager (org.sections)."""

from __future__ import annotations

from org import clock
from org.models import Position
from org.periods import Period

from .selectors.attainment import person_days
from .selectors.rules import rule_on


def _figures(staff, start, end):
    days = person_days(staff=staff, start=start, end=end)
    return {
        "calls": sum(d.calls for d in days), "visits": sum(d.visits for d in days), "days_2053": sum(1 for d in days if d.is_2053),
        "working_days": len(days),
    }


def staff_home(request, staff) -> dict | None:
    if f";{Position.WEALTH_MANAGER};" not in (staff.positions or ""):
        return None
    today = clock.today()
    week = Period.containing(today, "week")
    return {"staff": staff, "rule": rule_on(today), "today": _figures(staff, today, today), "week": _figures(staff, week.start, week.end), "period": week}


def person(request, staff) -> dict | None:
    if f";{Position.WEALTH_MANAGER};" not in (staff.positions or ""):
        return None
    week = Period.containing(clock.today(), "week")
    return {"staff": staff, "rule": rule_on(week.end), "week": _figures(staff, week.start, week.end), "period": week}


def manager_home(request, node) -> dict | None:
    """The scope's 2053 week on the manager's home: computed live for a branch and below; the head
    office reads the whole bank's week as the beat last stored it (wealth.services.home), and asks
    for a refresh when nothing is stored yet."""
    from org.models import InstitutionKind
    from org.progress import time_progress

    from .services.home import week_total, week_total_request, week_total_stored

    week = Period.containing(clock.today(), "week")
    rule = rule_on(week.end)
    section = {"node": node, "period": week, "rule": rule, "progress": time_progress(week, at=clock.now())}
    if node.kind == InstitutionKind.HEAD_OFFICE:
        found, total = week_total_stored(scope=node, period=week)
        if not found:
            week_total_request(scope=node, period=week)
            found, total = week_total_stored(scope=node, period=week)  # filled when tasks run in-process
            if not found:
                return {**section, "total": None, "pending": True}
    else:
        total = week_total(scope=node, period=week)
    if not total:
        return None
    people = total["people"]
    return {**section, "total": total, "stored_at": total["computed_at"] if node.kind == InstitutionKind.HEAD_OFFICE else None,
            "calls_per_person": round(total["calls"] / people, 1) if people else 0,
            "visits_per_person": round(total["visits"] / people, 1) if people else 0}
