"""Reporting reads from a read replica.

With `DATABASE_REPLICA_URL` set, the figures of league tables, circulars and daily reports are read
from the `replica` database (a streaming replica of the primary): the heavy grouped queries of a
Monday's circulars then never compete with the day's writes. Everything else — pages, the
mini-program, imports, webhooks, every write and every read inside a write — stays on `default`.

Code that computes reporting figures runs inside `reporting_reads()`; ORM reads in it are routed by
`ReportingReplicaRouter`, raw statements take `read_connection()`. Without a replica (the embedded
default, tests), both answer `default`. A replica lags the primary by its replication delay
(normally well under a second): a circular built from it carries the figures of that moment, and a
later build corrects them as for any late fact (corrected editions)."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
_reporting = contextvars.ContextVar("reporting_reads", default=False)


def replica_enabled() -> bool:
    return REPLICA in settings.DATABASES and getattr(settings, "REPORTING_READ_REPLICA", False)


@contextlib.contextmanager
def reporting_reads() -> Iterator[None]:
    """Route the reads made inside to the replica, when one is configured."""
    token = _reporting.set(True)
    try:
        yield
    finally:
        _reporting.reset(token)


def read_alias() -> str:
    return REPLICA if _reporting.get() and replica_enabled() else DEFAULT_DB_ALIAS


def read_connection():
    """The connection raw reporting statements read from (the replica inside `reporting_reads()`)."""
    return connections[read_alias()]


class ReportingReplicaRouter:
    """Reads inside `reporting_reads()` go to the replica; writes and migrations only to default."""

    def db_for_read(self, model, **hints):
        return REPLICA if _reporting.get() and replica_enabled() else None

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database and its copy

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS
