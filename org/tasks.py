"""Background jobs of the organisation. Thin: they take plain values and call a service.

Tasks are idempotent (running one twice leaves the same state) and acknowledged late, so a worker
that dies mid-task has it re-delivered rather than lost.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from . import services


@shared_task(bind=True, acks_late=True)
def audit_log_purge(self, days: int | None = None) -> dict:
    """Purge audit rows older than `days` (default AUDIT_LOG_RETENTION_DAYS); nightly on beat.

    Returns where it ran, so an operator (and the worker round-trip test) can tell a real worker
    from in-process execution."""
    deleted = services.audit_log_purge(older_than_days=days if days is not None else settings.AUDIT_LOG_RETENTION_DAYS)
    return {"deleted": deleted, "hostname": self.request.hostname, "eager": bool(self.request.is_eager)}
