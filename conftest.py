"""Project-wide fixtures. Factories live in `org/tests/factories.py` and each app's tests/."""

import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _clear_cache():
    from org.selectors import ambiguous_names_forget  # the shared cache and this process's copy

    cache.clear()
    ambiguous_names_forget()
    yield
    cache.clear()
    ambiguous_names_forget()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# --- Real services (REQUIRE_SERVICES=1, used by .ci/run) -------------------------------------------
# With REQUIRE_SERVICES=1 the suite must run on PostgreSQL with Redis, and tests marked
# `celery_worker` go through the broker to a real worker; anything missing fails the run loudly.
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_sessionstart(session):
    if not REQUIRE_SERVICES:
        return
    from django.conf import settings

    problems = []
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        problems.append("DATABASE_URL must point at PostgreSQL")
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        problems.append("CELERY_BROKER_URL must point at Redis")
    else:
        import redis

        try:
            redis.Redis.from_url(broker, socket_connect_timeout=3).ping()
        except redis.RedisError as exc:
            problems.append(f"Redis broker {broker} does not answer: {exc}")
    if problems:
        pytest.exit("REQUIRE_SERVICES=1 but: " + "; ".join(problems), returncode=3)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With REQUIRE_SERVICES=1 nothing may quietly skip: a skipped test is a failed one."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under REQUIRE_SERVICES=1, which forbids skipping: {report.longrepr}"


@dataclass
class CeleryWorker:
    nodename: str
    queue: str


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory):
    """A real `celery worker` on the test database, or None when tasks run in-process (SQLite).

    .ci/run starts one and names it in CELERY_TEST_WORKER_NODENAME/_QUEUE; otherwise this starts it.
    Started after pytest-django has created the test database and pointed at that database, so the
    worker sees what `transaction=True` tests commit; stopped before the database is dropped. It
    consumes a queue of its own so two runs sharing one Redis never take each other's tasks."""
    if not REQUIRE_SERVICES:
        yield None
        return
    from django.db import connection

    from config.celery_app import app

    if os.environ.get("CELERY_TEST_WORKER_NODENAME"):
        # .ci/run started the worker itself (on TEST_DATABASE_NAME): use it, never a stand-in.
        worker = CeleryWorker(os.environ["CELERY_TEST_WORKER_NODENAME"], os.environ["CELERY_TEST_WORKER_QUEUE"])
        if not app.control.ping(destination=[worker.nodename], timeout=10):
            pytest.fail(f"Celery worker {worker.nodename} does not answer on {app.conf.broker_url}")
        yield worker
        return
    tag = uuid.uuid4().hex[:8]
    worker = CeleryWorker(nodename=f"pytest-{tag}@{socket.gethostname()}", queue=f"pytest-{tag}")
    db_url = urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + connection.settings_dict["NAME"]).geturl()
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {**os.environ, "DATABASE_URL": db_url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    env.pop("REQUIRE_SERVICES")
    cmd = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-l", "info"]
    cmd += ["-n", worker.nodename, "-Q", worker.queue, "--without-gossip", "--without-mingle"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=Path(__file__).parent, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not app.control.ping(destination=[worker.nodename], timeout=1):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Celery worker did not start (exit {proc.poll()}):\n{log.read_text()[-4000:]}")
        yield worker
    finally:
        proc.terminate()  # warm shutdown: finishes the task in hand, closes its DB connection
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def celery_worker(celery_worker_process):
    """Send tasks through the broker to the real worker for this test (in-process without one)."""
    if celery_worker_process is None:
        yield None
        return
    from config.celery_app import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield celery_worker_process
    finally:
        app.conf.task_always_eager = previous


# --- Browser tests (marker `browser`) -----------------------------------------------------------
# Playwright drives Debian's chromium: it cannot download browsers of its own here. Its sync API
# runs an event loop in the test thread, which Django's ORM would otherwise refuse to share.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run (each test opens its own context)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium fonts-noto-cjk (scripts/test.sh does this as root)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
