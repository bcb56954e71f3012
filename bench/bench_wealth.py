"""Wealth 2053 on the regional bank, each beside its floor measured in the same run:

* `import_data calls` of 1,000,000 call rows (validated, customers looked up, numbers hashed)
  against a bare `COPY` of the same CSV into a staging table, and against a bare `COPY` of the same
  rows, as the import writes them, into the calls table with its unique key, indexes and foreign
  keys (goal: no slower than five times that COPY);
* the week's 2053 table of the whole bank (`team_lines`: every wealth manager and everyone with
  facts, effective calls by the rule, visits, products, 2053 days, coverage) against the bare SQL
  `GROUP BY` computing the same figures (goal: within 1.5×, a bounded number of queries);
* the `2053` sheet of the head office's weekly circular against the same bare SQL plus writing the
  same cells with openpyxl write-only (goal: within 1.5×).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random

from bench import common

NAME = "wealth"
ORDER = 60
N = 1_000_000
COLUMNS = ("call_id, source, recording, staff_id, institution_id, customer_id, phone_hash, phone_masked, started_at, local_date, "
           "duration_s, connected, channel, recording_url")

BARE_WEEK = """
WITH calls AS (
  SELECT c.staff_id, c.institution_id, c.local_date, count(DISTINCT c.customer_id) AS n
  FROM wealth_call c JOIN org_customer cu ON cu.id = c.customer_id
  WHERE c.local_date = ANY(%(days)s) AND c.connected AND c.duration_s >= %(min)s
    AND (cu.manager_id = c.staff_id OR cu.manager_id IS NULL)
    AND NOT EXISTS (SELECT 1 FROM wealth_donotcall d WHERE d.customer_id = c.customer_id AND d.recorded_at <= c.started_at)
  GROUP BY 1, 2, 3),
visits AS (
  SELECT v.staff_id, v.institution_id, v.local_date, count(DISTINCT v.id) AS n, count(p.id) AS products
  FROM wealth_visit v LEFT JOIN wealth_visitproduct p ON p.visit_id = v.id
  WHERE v.local_date = ANY(%(days)s)
  GROUP BY 1, 2, 3),
days AS (
  SELECT coalesce(c.staff_id, v.staff_id) AS s, coalesce(c.institution_id, v.institution_id) AS i,
         coalesce(c.n, 0) AS calls, coalesce(v.n, 0) AS visits, coalesce(v.products, 0) AS products
  FROM calls c FULL JOIN visits v ON v.staff_id = c.staff_id AND v.institution_id = c.institution_id AND v.local_date = c.local_date),
per AS (
  SELECT s, i, sum(calls) AS calls, sum(visits) AS visits, sum(products) AS products,
         count(*) FILTER (WHERE calls >= %(calls)s AND visits >= %(visits)s AND products >= %(products)s * visits) AS days_2053
  FROM days GROUP BY s, i),
managed AS (
  SELECT cu.manager_id AS s, count(*) AS managed,
         count(*) FILTER (WHERE EXISTS (SELECT 1 FROM wealth_call c WHERE c.customer_id = cu.id AND c.staff_id = cu.manager_id
                                        AND c.local_date = ANY(%(days)s) AND c.connected AND c.duration_s >= %(min)s)) AS covered
  FROM org_customer cu
  WHERE cu.manager_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM wealth_donotcall d WHERE d.customer_id = cu.id)
  GROUP BY 1)
SELECT st.employee_no, st.name, coalesce(o.name, ''), coalesce(per.calls, 0), coalesce(per.visits, 0), coalesce(per.products, 0),
       coalesce(per.days_2053, 0), coalesce(m.covered, 0), coalesce(m.managed, 0)
FROM per FULL JOIN (SELECT id AS s FROM org_staff WHERE positions LIKE '%%;wealth_manager;%%' AND active_from <= %(hi)s
                    AND (active_to IS NULL OR active_to >= %(hi)s)) w ON w.s = per.s
JOIN org_staff st ON st.id = coalesce(per.s, w.s)
LEFT JOIN org_institution o ON o.id = coalesce(per.i, st.institution_id)
LEFT JOIN managed m ON m.s = st.id
"""


def _write_only(rows: list[list]) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("2053")
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    return len(buf.getvalue())


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org import clock
    from org.importing.base import run_import
    from org.models import Customer, Institution
    from org.periods import Period
    from org.selectors import working_days
    from wealth.selectors.reporting import team_lines, wealth_circular_sheet
    from wealth.selectors.rules import rule_on

    rows: list[common.Row] = []
    week = Period.containing(clock.today(), "week").previous()
    rule = rule_on(week.end)
    days = working_days(start=week.start, end=week.end)
    params = {"days": days, "min": rule.min_call_seconds, "calls": rule.calls_required, "visits": rule.visits_required,
              "products": rule.products_required, "hi": week.end}
    conn = bench.raw()

    def bare():
        with conn.cursor() as cur:
            cur.execute(BARE_WEEK, params)
            return cur.fetchall()

    try:
        with CaptureQueriesContext(connection) as queries:
            team_lines(scope=Institution.objects.get(parent__isnull=True), period=week)
        root = Institution.objects.get(parent__isnull=True)
        ours_s, bare_s, lines, floor_rows = bench.best_of(lambda: team_lines(scope=root, period=week), bare)
        rows.append(common.row(f"the 2053 table of {week.code}, whole bank ({len(lines):,} rows)", ours_s, "s",
                               "bare SQL GROUP BY of the same figures", bare_s, note=f"{len(floor_rows):,} floor rows; {len(queries)} queries; goal ≤ 1.5×"))

        def sheet():
            data = wealth_circular_sheet(period=week, scope=root)
            return _write_only([[c.header for c in data.columns], *data.rows])

        ours_s, bare_s, _size, _floor_size = bench.best_of(sheet, lambda: _write_only([["员工号"], *bare()]))
        rows.append(common.row(f"the 2053 sheet of the head office's circular, {week.code}", ours_s, "s",
                               "bare SQL of the same figures + openpyxl write-only of the same cells", bare_s, note="goal ≤ 1.5×"))
    finally:
        conn.close()

    # --- import: 1,000,000 calls -----------------------------------------------------------------
    rng = random.Random(bench.seed)
    managed = list(Customer.objects.filter(manager__isnull=False, manager__active_to__isnull=True)
                   .values_list("customer_no", "manager__employee_no")[:200_000])
    start = dt.datetime.combine(week.start, dt.time(9), tzinfo=clock.SHANGHAI)
    path = bench.workdir / "calls_1m.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["call_id", "employee_no", "customer_no", "started_at", "duration_s", "connected", "channel"])
        for i in range(N):
            customer_no, employee_no = managed[i % len(managed)]
            at = start + dt.timedelta(days=rng.randrange(5), minutes=rng.randrange(480))
            out.writerow([f"BENCH-C{i:08d}", employee_no, customer_no, at.isoformat(), rng.choice((30, 59, 60, 120, 300)), "1" if rng.random() < 0.8 else "0",
                          rng.choice(("landline", "mobile", "callback"))])
    try:
        bench.log(f"wealth: COPY floor of {N:,} rows …")
        floor = bench.csv_copy_floor(path)
        bench.log(f"wealth: import_data calls of {N:,} rows …")
        with bench.timer() as t:
            result = run_import(kind="calls", path=path)
        if result.created != N or not result.ok:
            raise RuntimeError(result.summary() + " " + "; ".join(str(e) for e in result.errors[:5]))
        table_floor = bench.same_rows_copy_floor("wealth_call", COLUMNS, "call_id LIKE 'BENCH-C%'")
        rows.append(common.row(f"import_data calls, {N:,} new calls", t.seconds, "s", "bare COPY of the CSV into a staging table", floor, note="no indexes, no keys"))
        rows.append(common.row(f"import_data calls, {N:,} new calls", t.seconds, "s", "bare COPY of the same rows into the calls table", table_floor,
                               note=f"{N / t.seconds:,.0f} rows/s; goal ≤ 5×"))
    finally:
        bench.log("wealth: removing the bench calls …")
        with connection.cursor() as cur:  # a million rows: one statement, not Django's collector
            cur.execute("DELETE FROM wealth_call WHERE call_id LIKE 'BENCH-C%%'")
    return rows
