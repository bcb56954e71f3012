"""Outlet marketing on the regional bank, each beside its floor measured in the same run:

* a quarter's points and rankings for the whole bank (`quarter_ranking`: every customer manager's
  points from a year of sales, ranked within the sub-branch) against the bare SQL computing the same
  points and ranks with RANK() (goal: within 1.5×, a bounded number of queries);
* `import_data sales` of 200,000 sales against a bare `COPY` of the same CSV into a staging table,
  and against a bare `COPY` of the same rows, as the import writes them, into the sales table with
  its unique key, indexes and foreign keys (goal: no slower than five times that COPY).
"""

from __future__ import annotations

import csv
import datetime as dt

from bench import common

NAME = "outlets"
ORDER = 58
N = 200_000
SALE_COLUMNS = "sale_id, imported_at, staff_id, institution_id, product, quantity, amount, sold_on, rate_id, points"

BARE_RANKING = """
WITH p AS (
  SELECT staff_id, sum(points) AS points FROM outlets_sale WHERE sold_on BETWEEN %(lo)s AND %(hi)s GROUP BY staff_id),
x AS (
  SELECT s.id, s.employee_no, s.name, i.name AS place, split_part(i.path, '/', 4) AS sb, coalesce(p.points, 0) AS pts,
         (s.active_from <= %(lo)s AND (s.active_to IS NULL OR s.active_to >= %(hi)s)
          AND split_part(coalesce(i0.path, i.path), '/', 4) = split_part(i.path, '/', 4)) AS whole
  FROM org_staff s
  JOIN org_staffassignment sa ON sa.staff_id = s.id AND sa.valid_from <= %(hi)s AND (sa.valid_to IS NULL OR sa.valid_to >= %(hi)s)
  JOIN org_institution i ON i.id = sa.institution_id
  LEFT JOIN org_staffassignment s0 ON s0.staff_id = s.id AND s0.valid_from <= %(lo)s AND (s0.valid_to IS NULL OR s0.valid_to >= %(lo)s)
  LEFT JOIN org_institution i0 ON i0.id = s0.institution_id
  LEFT JOIN p ON p.staff_id = s.id
  WHERE (s.positions LIKE '%%;wealth_manager;%%' OR s.positions LIKE '%%;loan_officer;%%')
    AND s.active_from <= %(hi)s AND (s.active_to IS NULL OR s.active_to >= %(lo)s))
SELECT id, employee_no, name, place, sb, pts, whole,
       RANK() OVER (PARTITION BY whole, sb ORDER BY pts DESC), COUNT(*) OVER (PARTITION BY whole, sb),
       RANK() OVER (PARTITION BY whole, sb ORDER BY pts)
FROM x ORDER BY sb, NOT whole, 8, employee_no
"""


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org import clock
    from org.importing.base import run_import
    from org.models import Staff
    from org.periods import Period
    from outlets.models import Sale
    from outlets.selectors.rankings import quarter_ranking

    rows = []
    quarter = Period.containing(clock.today(), "quarter").previous()
    sales = Sale.objects.filter(sold_on__gte=quarter.start, sold_on__lte=quarter.end).count()
    bench.log(f"outlets: ranking {quarter.code} ({sales:,} sales in the quarter) …")
    with CaptureQueriesContext(connection) as queries:
        quarter_ranking(quarter=quarter)
    conn = bench.raw()

    def bare():
        with conn.cursor() as cur:
            cur.execute(BARE_RANKING, {"lo": quarter.start, "hi": quarter.end})
            return len(cur.fetchall())

    try:
        ours_s, floor_s, ranking, n = bench.best_of(lambda: quarter_ranking(quarter=quarter), bare)
    finally:
        conn.close()
    rows.append(common.row(f"a quarter's points and rankings, whole bank ({len(ranking.rows):,} customer managers), best of 3", ours_s, "s",
                           "bare SQL: the same points, whole-quarter rule, RANK() and headcount per sub-branch, bottom rank, order; best of 3", floor_s,
                           note=f"{len(ranking.rows)} / {n} people; {len(queries)} queries; goal ≤ 1.5×"))

    day0 = clock.today() - dt.timedelta(days=300)
    people = list(Staff.objects.filter(positions__contains=";wealth_manager;", active_to__isnull=True, active_from__lte=day0)
                  .values_list("employee_no", flat=True)[:5000])
    path = bench.workdir / "sales_200k.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["sale_id", "employee_no", "product", "quantity", "amount", "sold_on"])
        for i in range(N):
            deposit = i % 3 == 0
            out.writerow([f"BENCH-{i:08d}", people[i % len(people)], "deposit" if deposit else "card", "1", "120000" if deposit else "",
                          (day0 + dt.timedelta(days=i % 280)).isoformat()])
    try:
        bench.log(f"outlets: COPY floor of {N:,} rows …")
        floor = bench.csv_copy_floor(path)
        bench.log(f"outlets: import_data sales of {N:,} rows …")
        with bench.timer() as t:
            result = run_import(kind="sales", path=path)
        if result.created != N or not result.ok:
            raise RuntimeError(result.summary() + " " + "; ".join(str(e) for e in result.errors[:5]))
        table_floor = bench.same_rows_copy_floor("outlets_sale", SALE_COLUMNS, "sale_id LIKE 'BENCH-%'")
        rows.append(common.row(f"import_data sales, {N:,} new sales", t.seconds, "s", "bare COPY of the CSV into a staging table", floor, note="no indexes, no keys"))
        rows.append(common.row(f"import_data sales, {N:,} new sales", t.seconds, "s", "bare COPY of the same rows into the sales table", table_floor, note="goal ≤ 5×"))
    finally:
        bench.log("outlets: removing the bench sales …")
        Sale.objects.filter(sale_id__startswith="BENCH-").delete()
    return rows
