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
