"""The head office's 2053 week on its home page, kept warm in the cache.

The whole bank's 2053 table takes seconds (every wealth manager's days of the week), too slow for a
home page. The beat refreshes the head office's week every 15 minutes of the working day
(`wealth.tasks.home_week_refresh`); the home reads the stored figures with the time they were
computed, and asks for a refresh when none are stored. Branches and below compute theirs live."""

from __future__ import annotations

import logging

from django.core.cache import cache

from org import clock
from org.models import Institution
from org.periods import Period

from ..selectors.reporting import summaries, team_lines

logger = logging.getLogger(__name__)
TTL_S = 30 * 60  # two refreshes may fail before the block falls back to "being prepared"


def week_total_key(*, scope: Institution, period: Period) -> str:
    return f"wealth:week-total:{scope.code}:{period.code}"


def week_total(*, scope: Institution, period: Period) -> dict | None:
    """The scope's 2053 figures of `period` summed over its wealth managers (None: nobody)."""
    lines = team_lines(scope=scope, period=period)
    if not lines:
        return None
    s = summaries(lines, scope=scope)[-1]
    return {"people": s.people, "calls": s.calls, "visits": s.visits, "products": s.products, "days_2053": s.days_2053,
            "managed": s.managed, "covered": s.covered, "coverage": s.coverage, "computed_at": clock.now()}


def week_total_refresh(*, scope: Institution, period: Period) -> dict | None:
    """Compute and store the scope's week (a stopped cache only loses the stored copy)."""
    total = week_total(scope=scope, period=period)
    try:
        cache.set(week_total_key(scope=scope, period=period), total or {}, TTL_S)
    except Exception:
        logger.warning("cache unavailable: the 2053 week of %s not stored", scope.code, exc_info=True)
    return total


def week_total_stored(*, scope: Institution, period: Period) -> tuple[bool, dict | None]:
    """(found, figures) from the cache; figures None when the scope has no wealth managers."""
    try:
        got = cache.get(week_total_key(scope=scope, period=period))
    except Exception:
        logger.warning("cache unavailable: the 2053 week of %s not read", scope.code, exc_info=True)
        return False, None
    if got is None:
        return False, None
    return True, got or None


def week_total_request(*, scope: Institution, period: Period) -> None:
    """Ask the workers for the scope's week, once while it is being computed (however many people
    open the home meanwhile); a stopped cache or broker only leaves it to the next beat refresh."""
    from ..tasks import home_week_refresh

    try:
        if not cache.add(f"{week_total_key(scope=scope, period=period)}:queued", 1, 5 * 60):
            return
    except Exception:
        logger.warning("cache unavailable: the 2053 week of %s left to the beat", scope.code, exc_info=True)
        return
    try:
        home_week_refresh.delay(scope.code)
    except Exception:
        logger.warning("broker unavailable: the 2053 week of %s left to the beat", scope.code, exc_info=True)
