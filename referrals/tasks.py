"""Background jobs of the referral programme. Thin: they call a service and are safe to re-run."""

from __future__ import annotations

from celery import shared_task

from .services.scans import lead_purge_expired


@shared_task(acks_late=True)
def leads_purge_expired() -> int:
    """Delete leads past the retention the privacy notice promises; nightly on beat."""
    return lead_purge_expired()


@shared_task(acks_late=True)
def customer_lists_close_ended() -> int:
    """Freeze the funnel of every stock-customer list whose end date has passed; nightly on beat."""
    from .services.lists import lists_close_ended

    return lists_close_ended()
