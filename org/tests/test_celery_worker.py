"""Background jobs really go through the broker to a worker, and the audit-log purge they run.

On SQLite (the quick start) tasks run in-process; with REQUIRE_SERVICES=1 (.ci/run) the same test
sends the task through Redis to a real `celery worker` on the PostgreSQL test database and checks
that the worker, not the test process, did the deleting.
"""

import datetime as dt

import pytest
from django.utils import timezone

from org import clock, services, tasks
from org.errors import ApplicationError
from org.models import AuditLog


def _audit_rows(*ages_in_days: int) -> None:
    now = timezone.now()
    AuditLog.objects.bulk_create(
        AuditLog(at=now - dt.timedelta(days=age), action=f"view_customer_{age}d", object_type="org.customer") for age in ages_in_days
    )


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_purge_task_runs_on_the_worker_and_deletes_only_rows_past_retention(celery_worker):
    _audit_rows(400, 366, 364, 10)

    send = {"queue": celery_worker.queue} if celery_worker else {}
    outcome = tasks.audit_log_purge.apply_async(kwargs={"days": 365}, **send).get(timeout=60)

    assert outcome["deleted"] == 2
    assert sorted(AuditLog.objects.values_list("action", flat=True)) == ["view_customer_10d", "view_customer_364d"]
    if celery_worker:
        # Went through Redis: executed by the worker process we started, not in-process.
        assert outcome == {"deleted": 2, "hostname": celery_worker.nodename, "eager": False}
    else:
        assert outcome["eager"] is True


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_purge_task_run_twice_changes_nothing_the_second_time(celery_worker):
    _audit_rows(1200, 5)
    send = {"queue": celery_worker.queue} if celery_worker else {}

    first = tasks.audit_log_purge.apply_async(kwargs={"days": 365}, **send).get(timeout=60)
    second = tasks.audit_log_purge.apply_async(kwargs={"days": 365}, **send).get(timeout=60)

    assert (first["deleted"], second["deleted"]) == (1, 0)
    assert AuditLog.objects.count() == 1


@pytest.mark.django_db
def test_purge_without_days_uses_the_configured_retention(settings):
    settings.AUDIT_LOG_RETENTION_DAYS = 200
    _audit_rows(201, 199)

    assert tasks.audit_log_purge.delay().get()["deleted"] == 1
    assert AuditLog.objects.get().action == "view_customer_199d"


@pytest.mark.django_db
def test_purge_refuses_a_retention_shorter_than_the_legal_minimum_and_deletes_nothing():
    _audit_rows(400, 100)

    with pytest.raises(ApplicationError, match="审计日志至少保留 180 天，不能只保留 90 天"):
        services.audit_log_purge(older_than_days=90)
    assert AuditLog.objects.count() == 2


@pytest.mark.django_db
def test_purge_counts_days_from_the_injected_clock():
    with clock.frozen(dt.datetime(2026, 1, 1, 12, 0, tzinfo=clock.SHANGHAI)):
        AuditLog.objects.create(at=dt.datetime(2025, 6, 1, tzinfo=clock.SHANGHAI), action="old")
        AuditLog.objects.create(at=dt.datetime(2025, 8, 1, tzinfo=clock.SHANGHAI), action="kept")
        assert services.audit_log_purge(older_than_days=180) == 1
    assert list(AuditLog.objects.values_list("action", flat=True)) == ["kept"]
