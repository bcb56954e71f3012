"""Scheduled circulars (beat schedule in config/settings/base.py). Thin and idempotent: a task
takes a period code, calls the service, and a repeat (a second beat, a re-delivery after a worker
died — acks_late) finds the stored circular instead of making another."""

from __future__ import annotations

import datetime as dt
import logging

from celery import group, shared_task
from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from org import clock
from org.periods import Period

from . import delivery, services

logger = logging.getLogger(__name__)


def _run(period: Period, scope_code: str | None = None) -> list[str]:
    return [c.file.name for c in services.circulars_build(period=period, scope_code=scope_code)]


def _run_and_deliver(period: Period) -> list[str]:
    """Fan a period's circulars out: one `build_scope_circular` task per scheduled scope (head
    office, branches, sub-branches; outlets where configured), as a Celery group, so more workers
    on more machines shorten the run. Returns the scope codes queued; in-process (no broker) the
    group runs here, one scope after another. A finished period only: a provisional one is refused
    before anything is queued."""
    services.circular_kind(period)
    if not services.period_finished(period):
        from org.errors import ApplicationError

        raise ApplicationError(_("期间 %(period)s 尚未结束，不生成正式通报") % {"period": period.code})
    codes = services.scheduled_circular_scopes()
    group(build_scope_circular.s(period.code, code) for code in codes).apply_async()
    return codes


@shared_task(bind=True, acks_late=True, autoretry_for=(DatabaseError, OSError), retry_backoff=30, retry_backoff_max=600, retry_jitter=True, max_retries=5)
def build_scope_circular(self, period_code: str, scope_code: str) -> str:
    """One scope's circular of a finished period, then its delivery. Idempotent (the stored edition
    is found again) and retried alone when the database or the file store fails under it, so a
    failed scope never rebuilds the others.

    The recipients' rows are planned here (so the 15-minute retry finds them even if the queue
    loses the delivery task), and the sending is its own task, enqueued once the rows are committed.
    Repeating the task sends nothing twice (one row per recipient)."""
    from org.models import Institution

    scope = Institution.objects.get(code=scope_code)
    with transaction.atomic():
        circular = services.circular_build(period=Period.parse(period_code), scope=scope)
        delivery.circular_delivery_plan(circular=circular)
        transaction.on_commit(lambda pk=circular.pk: _enqueue_delivery(pk))
    return circular.file.name


def _enqueue_delivery(circular_pk: int) -> None:
    try:
        deliver_circular.apply_async(args=[circular_pk], retry=False)
    except Exception as exc:  # noqa: BLE001 (the broker is down: the planned rows wait for deliver_pending)
        logger.warning("Delivery of circular %s not queued (%s); deliver_pending will send it", circular_pk, exc)


@shared_task(acks_late=True)
def build_weekly_circulars(period_code: str | None = None) -> list[str]:
    """Monday 08:00 Asia/Shanghai: last week's circulars, fanned out per scope."""
    period = Period.parse(period_code) if period_code else Period.containing(clock.today() - dt.timedelta(days=7), "week")
    return _run_and_deliver(period)


@shared_task(acks_late=True)
def build_monthly_circulars(period_code: str | None = None) -> list[str]:
    """The 1st at 08:00: last month's circulars, last quarter's when the month closed one, and last
    year's on 1 January."""
    period = Period.parse(period_code) if period_code else Period.containing(clock.today().replace(day=1) - dt.timedelta(days=1), "month")
    codes = _run_and_deliver(period)
    quarter = Period.containing(period.end, "quarter")
    if quarter.end == period.end:
        _run_and_deliver(quarter)
    if period.end.month == 12:  # the year's too, on 1 January
        _run_and_deliver(Period.year(period.end.year))
    return codes


@shared_task(acks_late=True)
def build_circulars(period_code: str, scope_code: str | None = None) -> list[str]:
    """On demand (the head office's "generate now" button)."""
    return _run(Period.parse(period_code), scope_code)


@shared_task(acks_late=True)
def rebuild_changed_circulars(weeks: int = 8) -> list[str]:
    """Nightly 02:30: recount the stored circulars of the last 8 weeks; a corrected edition (第 2 版 …)
    where facts or flag decisions arrived after the circular was sent."""
    return [c.file.name for c in services.circulars_rebuild_changed(weeks=weeks)]


@shared_task(acks_late=True)
def build_daily_reports(day: str | None = None) -> int:
    """07:30 every day: yesterday's daily report (日报) of every outlet and sub-branch, built and sent
    to the people responsible (each recipient once: a repeat sends nothing twice)."""
    from .daily import daily_reports_deliver, report_day

    return daily_reports_deliver(day=dt.date.fromisoformat(day) if day else report_day())


# --- delivery (reporting.delivery) ----------------------------------------------------------------
# A failed e-mail or robot message is not an exception here: it is a `failed` row, retried by
# deliver_pending. The task itself is retried (with backoff) only when the database or the file
# store fails under it; acks_late re-delivers it if the worker dies.
_RETRY = dict(bind=True, acks_late=True, autoretry_for=(DatabaseError, OSError), retry_backoff=30, retry_backoff_max=600,
              retry_jitter=True, max_retries=5)


@shared_task(**_RETRY)
def deliver_circular(self, circular_pk: int) -> dict:
    """Send one stored circular edition to every recipient of its scope not yet served."""
    from .models import Circular

    circular = Circular.objects.select_related("scope").filter(pk=circular_pk).first()
    if circular is None:
        return {"sent": 0, "failed": 0}
    rows = delivery.circular_deliver(circular=circular)
    return _summary(rows)


@shared_task(**_RETRY)
def deliver_pending(self) -> dict:
    """Every 15 minutes on beat: try again the copies not yet sent (failed, or planned and never
    sent); copies already sent are never sent again."""
    return _summary(delivery.deliveries_retry())


@shared_task(**_RETRY)
def deliver_again(self, delivery_pk: int) -> dict:
    """The 重新发送 button of the deliveries page."""
    from org.errors import ApplicationError

    from .models import Delivery

    row = Delivery.objects.filter(pk=delivery_pk).first()
    try:
        return _summary(delivery.delivery_resend(delivery=row)) if row is not None else {"sent": 0, "failed": 0}
    except ApplicationError as exc:  # sent meanwhile (a retry got there first): nothing to do
        return {"sent": 0, "failed": 0, "refused": exc.message}


def _summary(rows) -> dict:
    return {"sent": sum(r.status == "sent" for r in rows), "failed": sum(r.status == "failed" for r in rows)}
