"""The targets blocks on the shared pages (org.sections)."""

from __future__ import annotations

from org import clock

from .selectors import overdue_follow_ups


def manager_home(request, node) -> dict | None:
    overdue = overdue_follow_ups(user=request.user, today=clock.today())
    n = overdue.count()
    return {"overdue": list(overdue[:5]), "count": n} if n else None
