"""Putting work on the Celery queue from a request, failing fast when the broker is down.

Celery's default publish retries for many seconds before giving up (a "generate now" click answered
500 after 19 s with Redis stopped). A request instead tries once, with the short connect timeout of
`CELERY_BROKER_CONNECTION_TIMEOUT`, and turns a broker outage into an ApplicationError the page can
show in Chinese; the caller records the outcome either way.
"""

from __future__ import annotations

import logging

from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError

from .errors import ApplicationError

logger = logging.getLogger(__name__)


def enqueue(task, *args, **kwargs):
    """`task.apply_async` once, no publish retries. Raises ApplicationError(code="upstream_unavailable")."""
    try:
        return task.apply_async(args=args, kwargs=kwargs, retry=False)
    except (OperationalError, OSError) as exc:
        logger.warning("Task queue unavailable, %s not queued: %s", task.name, exc)
        raise ApplicationError(_("任务队列暂时不可用，任务未提交，请稍后重试"), code="upstream_unavailable") from exc
