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
    """The scope's 2053 week on the manager's home (branch and below: the whole bank's table takes
    seconds, so head office gets the link only)."""
    from org.models import InstitutionKind
    from org.progress import time_progress

    from .selectors.reporting import summaries, team_lines

    week = Period.containing(clock.today(), "week")
    if node.kind == InstitutionKind.HEAD_OFFICE:
        return {"node": node, "period": week, "total": None}
    lines = team_lines(scope=node, period=week)
    if not lines:
        return None
    total = summaries(lines, scope=node)[-1]
    rule = rule_on(week.end)
    return {"node": node, "period": week, "total": total, "rule": rule, "progress": time_progress(week, at=clock.now()),
            "calls_per_person": round(total.calls / total.people, 1) if total.people else 0,
            "visits_per_person": round(total.visits / total.people, 1) if total.people else 0}
