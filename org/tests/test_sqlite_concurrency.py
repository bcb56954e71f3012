"""The embedded default (SQLite) takes concurrent writers without "database is locked".

Seen under the fuzzer: two clients re-issuing their referral code at once answered 500
OperationalError. Each thread here opens its own connection to one file database configured exactly
as the dev server's (config.settings.base.SQLITE_OPTIONS) and runs the pattern that failed: a
transaction that reads, then writes.
"""

import threading

from django.db import connections, transaction
from django.db.backends.sqlite3.base import DatabaseWrapper

from config.settings.base import SQLITE_OPTIONS

WRITERS = 8
ROUNDS = 15


def _connection(path, options):
    settings = {
        "ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": dict(options),
        "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False,
        "TIME_ZONE": None, "USER": "", "PASSWORD": "", "HOST": "", "PORT": "", "TEST": {},
    }
    return DatabaseWrapper(settings, alias=f"concurrency-{threading.get_ident()}")


def _hammer(path, options):
    setup = _connection(path, options)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER NOT NULL)")
        cursor.execute("INSERT INTO counter VALUES (1, 0)")
    setup.close()
    errors = []

    def writer():
        conn = _connection(path, options)
        try:
            for _ in range(ROUNDS):
                with _atomic(conn):
                    with conn.cursor() as cursor:
                        cursor.execute("SELECT value FROM counter WHERE id = 1")
                        (value,) = cursor.fetchone()
                        cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])
        except Exception as exc:  # the failure being proved absent
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    check = _connection(path, options)
    with check.cursor() as cursor:
        cursor.execute("SELECT value FROM counter WHERE id = 1")
        (value,) = cursor.fetchone()
        cursor.execute("PRAGMA journal_mode")
        (mode,) = cursor.fetchone()
    check.close()
    return errors, value, mode


def _atomic(conn):
    """Django's own atomic() on a connection registered for this thread only."""
    connections[conn.alias] = conn
    return transaction.atomic(using=conn.alias)


def test_concurrent_read_then_write_transactions_all_succeed(tmp_path, django_db_blocker):
    with django_db_blocker.unblock():
        errors, value, mode = _hammer(tmp_path / "dev.sqlite3", SQLITE_OPTIONS)
    assert errors == []
    assert value == WRITERS * ROUNDS  # no lost update either
    assert mode == "wal"


def test_without_immediate_mode_the_same_load_fails(tmp_path, django_db_blocker):
    """The control: Django's default (deferred) transactions give "database is locked"."""
    with django_db_blocker.unblock():
        errors, value, _ = _hammer(tmp_path / "deferred.sqlite3", {"timeout": 20})
    assert errors, "the deferred control should have hit 'database is locked'"
    assert "locked" in str(errors[0])
