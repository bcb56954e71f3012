"""Background jobs of the 2053 programme. Thin: they call a service and are safe to re-run."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from org import clock


@shared_task(acks_late=True)
def spot_checks_draw_last_month() -> int:
    """On the 1st, draw last month's recording spot checks of every branch (a branch already drawn
    is left as it is, so re-running changes nothing)."""
    from .services.spot_checks import spot_checks_draw

    last = clock.today().replace(day=1) - dt.timedelta(days=1)
    return spot_checks_draw(month=f"{last:%Y-%m}")


@shared_task(acks_late=True)
def home_week_refresh(scope_code: str | None = None) -> int:
    """Store the 2053 week of the head office (or of `scope_code`) for its home page; the beat runs
    it every 15 minutes of the working day. Returns the wealth managers counted."""
    from org.models import Institution
    from org.periods import Period

    from .services.home import week_total_refresh

    scope = Institution.objects.filter(code=scope_code).first() if scope_code else Institution.objects.filter(parent__isnull=True).first()
    if scope is None:
        return 0
    total = week_total_refresh(scope=scope, period=Period.containing(clock.today(), "week"))
    return total["people"] if total else 0
