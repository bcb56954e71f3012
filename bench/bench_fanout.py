"""The circulars of a week fanned out over real Celery workers, on the regional bank:

the 221 weekly circulars (head office, 20 branches, 200 sub-branches) sent as the beat sends them
(`reporting.tasks._run_and_deliver`: one `build_scope_circular` task per scope, as a group, through
Redis) and waited for, first with one worker process, then with two (each `--concurrency 1`, as two
machines would run them; here both share this machine's cores with PostgreSQL). Each run starts
from no stored circular of the week. Goal: two workers in at most 0.6× the time of one.

The floor of this benchmark is the one-worker run itself (the ratio is two workers ÷ one).
Deliveries are planned and sent to Django's in-memory mail backend (no SMTP here)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

from bench import common

NAME = "fanout"
ORDER = 62
BROKER = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")

DRIVER = """
import json, sys, time
import django
django.setup()
from celery import group
from config.celery_app import app
from org import clock
from org.periods import Period
from reporting import services
from reporting.tasks import build_scope_circular

week = Period.containing(clock.today(), "week").previous()
codes = services.scheduled_circular_scopes()
started = time.perf_counter()
result = group(build_scope_circular.s(week.code, code) for code in codes).apply_async()
names = result.get(timeout=3600, propagate=True)
print(json.dumps({"seconds": time.perf_counter() - started, "scopes": len(codes), "files": len(set(names)), "week": week.code}))
"""


def _env(bench: common.Bench) -> dict[str, str]:
    return {**bench.env(), "CELERY_BROKER_URL": BROKER, "CELERY_RESULT_BACKEND": BROKER, "REDIS_URL": "",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend", "PYTHONPATH": str(common.ROOT)}


def _clear(bench: common.Bench) -> None:
    """No stored circular of the week (files too), no delivery of them: each run builds them all."""
    from org import clock
    from org.periods import Period
    from reporting.models import Circular

    week = Period.containing(clock.today(), "week").previous()
    for circular in Circular.objects.filter(period=week.code):
        circular.file.delete(save=False)
        circular.delete()


def _workers(bench: common.Bench, n: int, tag: str) -> list[subprocess.Popen]:
    procs = []
    for i in range(n):
        log = (bench.workdir / f"fanout-{tag}-{i}.log").open("w")
        procs.append(subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-l", "warning", "--concurrency", "1", "--prefetch-multiplier", "1",
             "-n", f"bench{tag}{i}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat", "-P", "prefork"],
            cwd=common.ROOT, env=_env(bench), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))
    return procs


def _wait_ready(bench: common.Bench, n: int) -> None:
    probe = ("import django; django.setup(); from config.celery_app import app; import sys, time\n"
             f"deadline = time.time() + 60\n"
             f"while time.time() < deadline:\n"
             f"    if len(app.control.ping(timeout=1.0) or []) >= {n}: sys.exit(0)\n"
             f"sys.exit(1)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=common.ROOT, env=_env(bench), capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{n} worker(s) did not answer a ping within 60 s: {done.stderr[-500:]}")


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


def _run(bench: common.Bench, n: int) -> dict:
    import json

    _clear(bench)
    subprocess.run([sys.executable, "-m", "celery", "-A", "config", "purge", "-f"], cwd=common.ROOT, env=_env(bench), capture_output=True, check=False)
    procs = _workers(bench, n, str(n))
    try:
        _wait_ready(bench, n)
        bench.log(f"fanout: the week's circulars with {n} worker(s) …")
        done = subprocess.run([sys.executable, "-c", DRIVER], cwd=common.ROOT, env=_env(bench), capture_output=True, text=True, check=False, timeout=4000)
        if done.returncode:
            raise RuntimeError(f"driver failed: {done.stderr[-1500:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        _stop(procs)


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    started = time.perf_counter()
    one = _run(bench, 1)
    two = _run(bench, 2)
    bench.log(f"fanout: both runs in {time.perf_counter() - started:.0f} s")
    return [common.row(
        f"the {one['scopes']} circulars of {one['week']} (head office, branches, sub-branches) with two workers", two["seconds"], "s",
        "the same with one worker", one["seconds"],
        note=f"{two['files']} / {one['files']} files; goal ≤ 0.6×",
    )]
