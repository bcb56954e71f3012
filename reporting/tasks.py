"""Scheduled circulars (beat schedule in config/settings/base.py). Thin and idempotent: a task
takes a period code, calls the service, and a repeat (a second beat, a re-delivery after a worker
died — acks_late) finds the stored circular instead of making another."""

from __future__ import annotations

import datetime as dt

from celery import shared_task

from org import clock
from org.periods import Period

from . import services


def _run(period: Period, scope_code: str | None = None) -> list[str]:
    return [c.file.name for c in services.circulars_build(period=period, scope_code=scope_code)]


@shared_task(acks_late=True)
def build_weekly_circulars(period_code: str | None = None) -> list[str]:
    """Monday 08:00 Asia/Shanghai: last week's circulars for the head office and each branch."""
    period = Period.parse(period_code) if period_code else Period.containing(clock.today() - dt.timedelta(days=7), "week")
    return _run(period)


@shared_task(acks_late=True)
def build_monthly_circulars(period_code: str | None = None) -> list[str]:
    """The 1st at 08:00: last month's circulars for the head office and each branch."""
    period = Period.parse(period_code) if period_code else Period.containing(clock.today().replace(day=1) - dt.timedelta(days=1), "month")
    return _run(period)


@shared_task(acks_late=True)
def build_circulars(period_code: str, scope_code: str | None = None) -> list[str]:
    """On demand (the head office's "generate now" button)."""
    return _run(Period.parse(period_code), scope_code)


@shared_task(acks_late=True)
def rebuild_changed_circulars(weeks: int = 8) -> list[str]:
    """Nightly 02:30: recount the stored circulars of the last 8 weeks; a corrected edition (第 2 版 …)
    where facts or flag decisions arrived after the circular was sent."""
    return [c.file.name for c in services.circulars_rebuild_changed(weeks=weeks)]
