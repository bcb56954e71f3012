"""Does monthly partitioning of the big fact tables pay? (SPEC §9; the reporting issue asks for it
"where the benchmark shows it pays".)

The calls table is the largest fact table (20 calls a day per wealth manager). The benchmark builds,
in the bench database, two tables of the same twelve months of synthetic calls with the calls
table's columns and indexes — one plain, one partitioned by month on `local_date` (RANGE, one
partition per month, the same indexes on each) — and times the reads the product makes of calls
on both, best of 3, plain as the floor:

* a week per person (the 2053 table), a month per person (league, scorecards), a quarter per person
  (quarterly circular), one person's year (person page), one customer's last contact (VIPs), and
* the retention job's removal of the oldest month (DELETE from the plain table; DROP of the
  partition).

A ratio under 1 means the partitioned table is faster. The tables are dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import time

from bench import common

NAME = "partitioning"
ORDER = 90
ROWS = 12_000_000
STAFF = 20_000
CUSTOMERS = 600_000
FIRST = dt.date(2025, 1, 1)
MONTHS = 12

COLUMNS = """
  id bigint NOT NULL, staff_id integer NOT NULL, institution_id integer NOT NULL, customer_id integer,
  started_at timestamptz NOT NULL, local_date date NOT NULL, duration_s integer NOT NULL, connected boolean NOT NULL,
  channel varchar(16) NOT NULL"""

# Twelve months of calls, spread evenly over the days; staff, customers, durations drawn from the row number.
FILL = f"""
INSERT INTO {{table}}
SELECT g, 1 + (g * 7919) %% {STAFF}, 1 + (g * 31) %% 2000, CASE WHEN g %% 3 = 0 THEN NULL ELSE 1 + (g * 104729) %% {CUSTOMERS} END,
       d + make_interval(secs => 32400 + (g %% 32400)::int), d, (g * 13) %% 400, g %% 5 <> 0, 'mobile'
FROM (SELECT g, %(first)s::date + ((g * %(days)s) / {ROWS})::int AS d FROM generate_series(0::bigint, {ROWS} - 1) g) s
"""

INDEXES = [
    "CREATE INDEX {table}_day_staff ON {table} (local_date, staff_id)",
    "CREATE INDEX {table}_staff_day ON {table} (staff_id, local_date)",
    "CREATE INDEX {table}_customer_day ON {table} (customer_id, local_date)",
]

PER_PERSON = """
SELECT staff_id, count(*) FILTER (WHERE connected AND duration_s >= 60), count(DISTINCT local_date)
FROM {table} WHERE local_date BETWEEN %(lo)s AND %(hi)s GROUP BY staff_id
"""
ONE_PERSON = "SELECT local_date, count(*) FROM {table} WHERE staff_id = %(staff)s AND local_date BETWEEN %(lo)s AND %(hi)s GROUP BY local_date"
LAST_CONTACT = "SELECT customer_id, max(local_date) FROM {table} WHERE customer_id = ANY(%(customers)s) AND connected GROUP BY customer_id"


def _month(i: int) -> dt.date:
    return dt.date(FIRST.year + (FIRST.month - 1 + i) // 12, (FIRST.month - 1 + i) % 12 + 1, 1)


def _build(cur, table: str, *, partitioned: bool) -> None:
    cur.execute(f"DROP TABLE IF EXISTS {table} CASCADE")
    if partitioned:
        cur.execute(f"CREATE TABLE {table} ({COLUMNS}) PARTITION BY RANGE (local_date)")
        for i in range(MONTHS):
            lo, hi = _month(i), _month(i + 1)
            cur.execute(f"CREATE TABLE {table}_{lo:%Y%m} PARTITION OF {table} FOR VALUES FROM (%s) TO (%s)", [lo, hi])
    else:
        cur.execute(f"CREATE TABLE {table} ({COLUMNS})")
    cur.execute(FILL.format(table=table), {"first": FIRST, "days": (_month(MONTHS) - FIRST).days})
    cur.execute(f"ALTER TABLE {table} ADD PRIMARY KEY ({'id, local_date' if partitioned else 'id'})")
    for sql in INDEXES:
        cur.execute(sql.format(table=table))
    cur.execute(f"VACUUM ANALYZE {table}")


def _query(conn, sql: str, params: dict):
    def call():
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return len(cur.fetchall())
    return call


def run(bench: common.Bench) -> list[common.Row]:
    bench.create_database()
    conn = bench.raw()
    conn.autocommit = True
    plain, parted = "bench_calls_plain", "bench_calls_monthly"
    rows: list[common.Row] = []
    try:
        with conn.cursor() as cur:
            for table, partitioned in ((plain, False), (parted, True)):
                bench.log(f"partitioning: {table} ({ROWS:,} rows) …")
                _build(cur, table, partitioned=partitioned)
        week_lo = _month(6) + dt.timedelta(days=14)
        cases = [
            ("a week per person (2053 table)", PER_PERSON, {"lo": week_lo, "hi": week_lo + dt.timedelta(days=6)}),
            ("a month per person (league, scorecards)", PER_PERSON, {"lo": _month(6), "hi": _month(7) - dt.timedelta(days=1)}),
            ("a quarter per person (quarterly circular)", PER_PERSON, {"lo": _month(6), "hi": _month(9) - dt.timedelta(days=1)}),
            ("one person's year (person page)", ONE_PERSON, {"staff": 4242, "lo": FIRST, "hi": _month(MONTHS) - dt.timedelta(days=1)}),
            ("500 customers' last connected call (VIPs)", LAST_CONTACT, {"customers": list(range(1000, 1500))}),
        ]
        for label, sql, params in cases:
            ours_s, bare_s, n, m = bench.best_of(_query(conn, sql.format(table=parted), params), _query(conn, sql.format(table=plain), params))
            if n != m:
                raise RuntimeError(f"partitioning: {label}: {n} rows partitioned vs {m} plain")
            rows.append(common.row(f"calls partitioned by month, {label} ({n:,} rows)", ours_s, "s", "the same on one plain table, same indexes", bare_s,
                                   note=f"{ROWS:,} calls over {MONTHS} months; ratio < 1: partitioning pays"))
        oldest = _month(0)
        with conn.cursor() as cur:
            started = time.perf_counter()
            cur.execute(f"DROP TABLE {parted}_{oldest:%Y%m}")
            dropped = time.perf_counter() - started
            started = time.perf_counter()
            cur.execute(f"DELETE FROM {plain} WHERE local_date < %s", [_month(1)])
            deleted_rows = cur.rowcount
            deleted = time.perf_counter() - started
        rows.append(common.row(f"retention: removing the oldest month ({deleted_rows:,} calls), DROP of its partition", dropped, "s",
                               "DELETE of the same rows from the plain table", deleted))
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {plain} CASCADE")
            cur.execute(f"DROP TABLE IF EXISTS {parted} CASCADE")
        conn.close()
    return rows
