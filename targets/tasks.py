"""Scheduled jobs of targets (beat schedule in config/settings/base.py): thin and idempotent."""

from celery import shared_task


@shared_task(acks_late=True)
def freeze_ended_contests() -> int:
    from .contests import contests_freeze_ended

    return contests_freeze_ended()
