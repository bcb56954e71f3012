"""Referral benchmarks (SPEC §9): each figure beside a floor measured the same way.

(a) the public scan page `/r/<token>` on PostgreSQL under gunicorn, load from `wrk` on loopback,
    against a bare Django view doing one indexed primary-key SELECT and rendering a small template
    (`bench/scan_floor/`), same gunicorn command, settings and database. Goal: ratio ≥ 0.5.
(b) the loan-event webhook: 10,000 signed events in batches of 100, sent over loopback by
    keep-alive clients in several threads → events/s (goal ≥ 2,000), against a bare INSERT of the
    same 10,000 rows in batches of 100.
(c) `referral_codes` for 2,000 staff and the poster archive for 2,000 staff (goal < 30 s each),
    against a bare INSERT of 2,000 rows and a bare qrcode PNG render × 2,000.

Run: `python bench/run.py --only referrals` (or `python -m bench.bench_referrals`).

(a) and (b) run against the regional bank of the bench database (`bench.ensure_regional()`:
20,000 staff with codes, 200,000 applications), so every lookup meets realistic table sizes; the
scans and the 10,000 applications they add are deleted afterwards (the bank is left as found).
(c) needs 2,000 people without a code, so it runs in a database of its own (`<bench db>_codes`,
re-created each run) holding a small tree and 2,000 staff. Ports 8201–8202 only.

Gunicorn: `-w 4` sync workers (two per core on the 2-core box), the same for page and floor.
Measured 17:13 UTC (load ≈ 3): sync -w 4 page 125 req/s, floor 700; gthread -w 2 --threads 4
page 117, floor 453; gthread -w 3 --threads 4 page 109, floor 835. The page's work is CPU-bound
Python, so sync workers serve it best. Persistent database connections (CONN_MAX_AGE=60) are on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ORDER = 40
SCAN_PORT, WEBHOOK_PORT = 8201, 8202
WEBHOOK_SECRET = "bench-loan-webhook-secret"
GUNICORN_ARGS = ["-w", "4", "-k", "sync", "--backlog", "2048", "--timeout", "120", "--no-control-socket"]
# The webhook's batches are CPU-heavy and lock the applications they touch: one worker per core
# serves them best (measured 17:48 UTC, load ≈ 1.5: -w 2 2,269 events/s, -w 3 2,059, -w 4 1,871).
WEBHOOK_GUNICORN_ARGS = ["-w", "2", *GUNICORN_ARGS[2:]]
WRK_ARGS = ["-t", "2", "-c", "16", "-d", "15s"]
N_STAFF_CODES = 2000
N_EVENTS, EVENT_BATCH, CLIENT_THREADS = 10_000, 100, 4

NAME = "referrals"


def _env(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_bench",
        "DATABASE_URL": database_url,
        "LOAN_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9"),
    }


# --- database ----------------------------------------------------------------------------------


def create_database(url: str) -> None:
    import psycopg2

    name = url.rsplit("/", 1)[1]
    if not name.startswith("bench"):
        raise RuntimeError(f"refusing to drop database {name!r}: bench databases are named bench*")
    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def setup_django(url: str) -> None:
    os.environ.update(_env(url))
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed_codes_db() -> None:
    """HO > BRC > SBC > 20 outlets with 2,000 staff and no codes yet, and a running campaign."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from org import services
    from org.models import Staff, StaffAssignment, join_positions
    from referrals.models import Campaign, ReferralProduct

    ho = services.institution_create(code="HO", name="总行", kind="head_office", parent=None)
    brc = services.institution_create(code="BRC", name="吉林分行", kind="branch", parent=ho)
    sbc = services.institution_create(code="SBC", name="船营支行", kind="sub_branch", parent=brc)
    c_outlets = [services.institution_create(code=f"COUT{i}", name=f"江城网点{i}", kind="outlet", parent=sbc) for i in range(20)]
    start = dt.date(2020, 1, 1)
    people = [
        Staff(
            employee_no=f"C{i:05d}",
            name=f"柜员{i}",
            mobile=f"138{i:08d}",
            institution=c_outlets[i % 20],
            positions=join_positions(["teller"]),
            active_from=start,
        )
        for i in range(N_STAFF_CODES)
    ]
    Staff.objects.bulk_create(people, batch_size=1000)
    StaffAssignment.objects.bulk_create(
        [StaffAssignment(staff=s, institution_id=s.institution_id, valid_from=start) for s in Staff.objects.all()], batch_size=1000
    )
    campaign = Campaign.objects.create(
        code="BENCH", name="全民营销 邀享好礼", tagline="推荐好友，好礼相送", start_date=dt.date(2020, 1, 1), end_date=dt.date(2099, 12, 31)
    )
    campaign.products.set(ReferralProduct.objects.all())


# --- servers -----------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, port: int, database_url: str, args: list[str] = GUNICORN_ARGS):
        self.args = args
        self.port = port
        self.database_url = database_url
        self.proc = None

    def __enter__(self):
        _port_free(self.port)
        cmd = [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{self.port}", *self.args]
        self.log = tempfile.NamedTemporaryFile(prefix="gunicorn-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=_env(self.database_url), stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start on {self.port}: {Path(self.log.name).read_text()[-2000:]}")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)  # the master and its workers: our own session only
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def _port_free(port: int) -> None:
    if not 8201 <= port <= 8209:
        raise ValueError("benchmarks use ports 8201–8209 only")
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is in use")


# --- (a) scan page vs floor ----------------------------------------------------------------------

LUA = """
local paths = {%s}
local nonce = "%s"
local counter = 0
-- Every request is a new client (a scan the page must count): the user agent carries this run's
-- nonce (so the warm-up and earlier runs never dedupe it), the thread's id and a counter.
-- `id` is a global set per thread by setup().
local next_id = 0
setup = function(thread) next_id = next_id + 1; thread:set("id", next_id) end
request = function()
  counter = counter + 1
  local path = paths[(counter %% #paths) + 1]
  return wrk.format("GET", path, {["User-Agent"] = "Mozilla/5.0 (iPhone) MicroMessenger/8.0 bench-" .. nonce .. "-" .. id .. "-" .. counter})
end
"""


def _wrk(port: int, paths: list[str]) -> dict:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: apt-get install -y wrk")

    def script() -> str:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
            fh.write(LUA % (", ".join(json.dumps(p) for p in paths), uuid.uuid4().hex))
        return fh.name

    url = f"http://127.0.0.1:{port}"
    warm, main = script(), script()
    subprocess.run(["wrk", "-t", "2", "-c", "8", "-d", "5s", "-s", warm, url], capture_output=True, check=True)  # boot + warm-up
    out = subprocess.run(["wrk", *WRK_ARGS, "--latency", "-s", main, url], capture_output=True, text=True, check=True).stdout
    os.unlink(warm)
    os.unlink(main)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return {
        "rps": rps,
        "requests": requests,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(0) if errors else "",
        "p99": p99.group(1),
    }


def _query(url: str, sql: str, params=()) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    finally:
        conn.close()


def regional_data(url: str) -> dict:
    codes = _query(
        url,
        "SELECT c.id, c.token FROM referrals_referralcode c JOIN org_staff s ON s.id = c.staff_id "
        "WHERE c.revoked_at IS NULL AND c.kind = 'personal' AND s.active_to IS NULL ORDER BY c.id LIMIT 2000",
    )
    products = [p for (p,) in _query(url, "SELECT code FROM referrals_referralproduct WHERE is_active ORDER BY code")]
    if not codes or not products:
        raise RuntimeError("the bench database holds no referral codes or products: run seed_regional first")
    return {"codes": codes, "products": products}


def bench_scan(url: str, data: dict) -> list[dict]:
    codes = data["codes"][:100]
    (last_scan,) = _query(url, "SELECT coalesce(max(id), 0) FROM referrals_scanevent")[0]
    try:
        with Gunicorn(SCAN_PORT, url):
            page = _wrk(SCAN_PORT, [f"/r/{token}" for _, token in codes])
            floor = _wrk(SCAN_PORT, [f"/bench/floor/{pk}" for pk, _ in codes])
        (recorded,) = _query(url, "SELECT count(*) FROM referrals_scanevent WHERE id > %s", [last_scan])[0]
    finally:
        _query(url, "DELETE FROM referrals_scanevent WHERE id > %s", [last_scan])
    ratio = page["rps"] / floor["rps"]
    return [
        {
            "name": "scan page /r/<token>, gunicorn -w 4, wrk -c16",
            "value": page["rps"],
            "unit": "req/s",
            "floor_name": "bare view: 1 PK SELECT + small template",
            "floor": floor["rps"],
            "ratio": ratio,
            "goal": "ratio ≥ 0.5",
            "ok": ratio >= 0.5 and page["non2xx"] == 0 and floor["non2xx"] == 0,
            "note": f"p99 {page['p99']} vs {floor['p99']}; non-2xx {page['non2xx']}/{floor['non2xx']}; {recorded:,} scans recorded for {page['requests']:,} requests (+ warm-up)",
        }
    ]


# --- (b) webhook vs floor -------------------------------------------------------------------------


def _id_number(n: int) -> str:
    from org.demo_data.bank import id_check_digit

    body = f"220102{dt.date(1970, 1, 1) + dt.timedelta(days=n % 15000):%Y%m%d}{n % 1000:03d}"
    return body + id_check_digit(body)


def _events(data: dict) -> list[dict]:
    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    events = []
    for i in range(N_EVENTS):
        _, token = rng.choice(data["codes"])
        events.append(
            {
                "event_id": f"BEV{i:06d}",
                "application_id": f"BAPP{i:06d}",
                "referral_code": token,
                "product": rng.choice(data["products"]),
                "customer_id_number": _id_number(i),
                "customer_name": "客户" + str(i),
                "customer_mobile": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                "status": "submitted",
                "occurred_at": (now - dt.timedelta(minutes=rng.randrange(600))).isoformat(),
            }
        )
    return events


def _post_batches(port: int, batches: list[bytes]) -> list[dict]:
    results, lock, queue = [], threading.Lock(), list(enumerate(batches))

    def worker():
        conn = HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if not queue:
                    break
                _, body = queue.pop(0)
            ts = str(int(time.time()))
            sig = hmac.new(WEBHOOK_SECRET.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "X-Timestamp": ts, "X-Signature": f"sha256={sig}"}
            conn.request("POST", "/api/v1/integrations/loan-events", body=body, headers=headers)
            resp = conn.getresponse()
            payload = json.loads(resp.read())
            with lock:
                results.append({"status": resp.status, "payload": payload})
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def _delete_bench_applications(url: str) -> None:
    like = "BAPP%"
    _query(
        url,
        "WITH a AS (SELECT id FROM referrals_application WHERE application_id LIKE %s), "
        "e AS (DELETE FROM referrals_earning WHERE application_id IN (SELECT id FROM a)), "
        "v AS (DELETE FROM referrals_applicationevent WHERE application_id IN (SELECT id FROM a)), "
        "f AS (UPDATE referrals_application SET first_touch_id = NULL WHERE first_touch_id IN (SELECT id FROM a)) "
        "SELECT 1",
        [like],
    )
    _query(url, "DELETE FROM referrals_application WHERE application_id LIKE %s", [like])


def bench_webhook(url: str, data: dict) -> list[dict]:
    import psycopg2
    import psycopg2.extras

    events = _events(data)
    batches = [json.dumps({"events": events[i : i + EVENT_BATCH]}, ensure_ascii=False).encode() for i in range(0, N_EVENTS, EVENT_BATCH)]
    _delete_bench_applications(url)
    try:
        with Gunicorn(WEBHOOK_PORT, url, WEBHOOK_GUNICORN_ARGS):
            started = time.perf_counter()
            results = _post_batches(WEBHOOK_PORT, batches)
            elapsed = time.perf_counter() - started
        (stored,) = _query(url, "SELECT count(*) FROM referrals_application WHERE application_id LIKE %s", ["BAPP%"])[0]
    finally:
        _delete_bench_applications(url)
    applied = sum(1 for r in results if r["status"] == 200 for e in r["payload"]["results"] if e["result"] == "applied")
    statuses = sorted({r["status"] for r in results})

    # Floor: the same 10,000 rows, bare INSERTs in batches of 100, one transaction per batch.
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_floor_events")
            cur.execute(
                "CREATE TABLE bench_floor_events (event_id text PRIMARY KEY, application_id text, "
                "status text, occurred_at timestamptz, payload jsonb)"
            )
        conn.commit()
        rows = [(e["event_id"], e["application_id"], e["status"], e["occurred_at"], json.dumps(e, ensure_ascii=False)) for e in events]
        started = time.perf_counter()
        for i in range(0, len(rows), EVENT_BATCH):
            with conn.cursor() as cur:
                psycopg2.extras.execute_values(cur, "INSERT INTO bench_floor_events VALUES %s", rows[i : i + EVENT_BATCH])
            conn.commit()
        floor_elapsed = time.perf_counter() - started
        with conn.cursor() as cur:
            cur.execute("DROP TABLE bench_floor_events")
        conn.commit()
    finally:
        conn.close()
    rate, floor_rate = N_EVENTS / elapsed, N_EVENTS / floor_elapsed
    return [
        {
            "name": f"webhook: {N_EVENTS:,} signed events, batches of {EVENT_BATCH}, {CLIENT_THREADS} clients, gunicorn -w 2",
            "value": rate,
            "unit": "events/s",
            "floor_name": f"bare INSERT of the {N_EVENTS:,} rows, batches of {EVENT_BATCH}",
            "floor": floor_rate,
            "ratio": rate / floor_rate,
            "goal": "≥ 2,000 events/s",
            "ok": rate >= 2000 and stored == N_EVENTS,
            "note": f"{elapsed:.1f} s; HTTP {statuses}; applied {applied:,}; stored {stored:,}",
        }
    ]


# --- (c) codes and posters vs floor ------------------------------------------------------------------


def bench_codes_and_posters() -> list[dict]:
    import psycopg2
    import psycopg2.extras
    import qrcode
    from django.core.management import call_command

    from org.models import Staff
    from referrals.models import ReferralCode
    from referrals.services.codes import referral_posters_archive

    out = Path(tempfile.mkdtemp()) / "codes.csv"
    started = time.perf_counter()
    call_command("referral_codes", "--scope", "BRC", "--out", str(out), stdout=io.StringIO())
    codes_s = time.perf_counter() - started
    issued = ReferralCode.objects.filter(staff__institution__path__startswith="/HO/BRC/").count()
    lines = len(out.read_text(encoding="utf-8-sig").splitlines()) - 1

    from django.db import connection

    conn = psycopg2.connect(**connection.get_connection_params())
    with conn.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_floor_codes (token text PRIMARY KEY, staff_id bigint, created_at timestamptz)")
        cur.execute("TRUNCATE bench_floor_codes")
    conn.commit()
    rows = [(f"floor-{i}-{random.getrandbits(128):032x}", i, dt.datetime.now(dt.UTC)) for i in range(N_STAFF_CODES)]
    started = time.perf_counter()
    with conn.cursor() as cur:
        psycopg2.extras.execute_values(cur, "INSERT INTO bench_floor_codes VALUES %s", rows, page_size=1000)
    conn.commit()
    insert_floor_s = time.perf_counter() - started
    conn.close()

    archive = Path(tempfile.mkdtemp()) / "posters.zip"
    started = time.perf_counter()
    with archive.open("wb") as fh:
        posters = referral_posters_archive(staff_qs=Staff.objects.filter(institution__path__startswith="/HO/BRC/"), issued_by=None, out=fh)
    posters_s = time.perf_counter() - started
    size_mb = archive.stat().st_size / 1e6

    started = time.perf_counter()
    for _, token in ReferralCode.objects.filter(staff__institution__path__startswith="/HO/BRC/").values_list("pk", "token"):
        buf = io.BytesIO()
        qrcode.make(f"https://bank.example/r/{token}").save(buf, format="PNG")
    qr_floor_s = time.perf_counter() - started
    shutil.rmtree(out.parent, ignore_errors=True)
    shutil.rmtree(archive.parent, ignore_errors=True)
    return [
        {
            "name": f"referral_codes for {N_STAFF_CODES:,} staff (issue + CSV)",
            "value": codes_s,
            "unit": "s",
            "floor_name": f"bare INSERT of {N_STAFF_CODES:,} rows",
            "floor": insert_floor_s,
            "ratio": codes_s / insert_floor_s,
            "goal": "< 30 s",
            "ok": codes_s < 30 and issued == N_STAFF_CODES and lines == N_STAFF_CODES,
            "note": f"{issued:,} codes issued, {lines:,} CSV rows",
        },
        {
            "name": f"poster archive for {N_STAFF_CODES:,} staff (ZIP of PNG posters)",
            "value": posters_s,
            "unit": "s",
            "floor_name": f"bare qrcode PNG × {N_STAFF_CODES:,}",
            "floor": qr_floor_s,
            "ratio": posters_s / qr_floor_s,
            "goal": "< 30 s",
            "ok": posters_s < 30 and posters == N_STAFF_CODES,
            "note": f"{posters:,} posters, {size_mb:.0f} MB",
        },
    ]


# --- entry points ------------------------------------------------------------------------------------


def run(bench=None) -> list[dict]:
    """All referral benchmarks: result rows (name, value, unit, floor_name, floor, ratio, goal, ok, note)."""
    from bench import common

    if bench is None:
        bench = common.Bench(database_url=common.DEFAULT_DATABASE_URL, seed=20241, workdir=Path(tempfile.mkdtemp()))
    bench.ensure_regional()  # sets up Django on the regional bank; closed again below
    from django.db import connections

    connections.close_all()
    regional = bench.database_url
    data = regional_data(regional)
    results = []
    bench.log("referrals: scan page vs floor …")
    results += bench_scan(regional, data)
    bench.log("referrals: webhook …")
    results += bench_webhook(regional, data)
    # (c) in a database of its own: it needs 2,000 people without a code.
    codes_url = regional + "_codes"
    create_database(codes_url)
    from django.conf import settings

    settings.DATABASES["default"]["NAME"] = codes_url.rsplit("/", 1)[1]
    connections.close_all()
    bench.log("referrals: codes and posters …")
    seed_codes_db()
    results += bench_codes_and_posters()
    connections.close_all()
    return results


def format_rows(results: list[dict]) -> str:
    lines = []
    for r in results:
        floor = f"{r['floor']:,.2f}" if r.get("floor") is not None else "—"
        lines.append(
            f"{'OK ' if r['ok'] else 'MISS'} {r['name']}: {r['value']:,.2f} {r['unit']} (floor {floor}, ratio {r['ratio']:.2f}; goal {r['goal']}) — {r['note']}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    print(format_rows(run()))
