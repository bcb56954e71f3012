"""Background jobs of outlet marketing. Thin: they call a service and are safe to re-run."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def vips_refresh() -> int:
    """Customers whose deposit balance reached the VIP threshold become VIPs; nightly on beat."""
    from .services.vip import vips_refresh as refresh

    return refresh()


@shared_task(acks_late=True)
def quarter_close() -> int:
    """The first morning of a quarter: grade the outlets and choose the elite club of the quarter
    just ended (both re-runnable: grades keep overrides, the club is replaced)."""
    from org import clock
    from org.periods import Period

    from .services.grades import outlet_grades_compute
    from .services.rankings import elite_club_choose

    quarter = Period.containing(clock.today(), "quarter").previous()
    graded = outlet_grades_compute(by=None, quarter=quarter)
    elite_club_choose(by=None, quarter=quarter)
    return graded
