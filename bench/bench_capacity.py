"""Retail-credit capacity on the regional bank, each beside its floor measured in the same run:

* `import_data loans` of 150,000 loans (a year, 5,000 officers) against a bare `COPY` of the same
  CSV into a staging table, and against a bare `COPY` of the same rows, as the import writes them,
  into the loans table with its unique key, indexes and foreign keys (goal: no slower than five
  times that COPY);
* one month's capacity points of every officer (`month_figures`: one grouped query, the formula as
  one expression) against the bare SQL computing the same points (goal: within 1.5×, a bounded
  number of queries); and the whole capacity table of the bank (tiers, targets, 12 months of
  warnings and exits, ranks) beside the same floor, with its query count.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from decimal import Decimal

from bench import common

NAME = "capacity"
ORDER = 59
N = 150_000
OFFICERS = 5_000
PRODUCTS = (("mortgage", 500_000), ("consumer", 100_000), ("business", 800_000))
COLUMNS = "loan_id, staff_id, institution_id, product, amount, disbursed_on, source, received_at"

BARE_POINTS = """
WITH g AS (
  SELECT staff_id, product, count(*) AS n, sum(amount) AS t
  FROM retail_credit_loan WHERE disbursed_on BETWEEN %(lo)s AND %(hi)s GROUP BY staff_id, product)
SELECT g.staff_id, sum(g.n), sum(g.t),
       round(sum(g.n * p.coefficient * greatest(s.clamp_low, least(s.clamp_high, g.t / (g.n * p.benchmark)))), 2)
FROM g JOIN retail_credit_schemeproduct p ON p.product = g.product AND p.scheme_id = %(scheme)s
JOIN retail_credit_scheme s ON s.id = p.scheme_id
GROUP BY g.staff_id
"""


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org import clock
    from org.importing.base import run_import
    from org.models import Institution, Staff
    from org.periods import Period
    from retail_credit.models import Loan, Scheme
    from retail_credit.selectors.capacity import capacity_rows, month_figures

    rows: list[common.Row] = []
    rng = random.Random(bench.seed)
    today = clock.today()
    first = (today.replace(day=1) - dt.timedelta(days=365)).replace(day=1)
    officers = list(Staff.objects.filter(positions__contains=";loan_officer;", active_to__isnull=True, active_from__lte=first)
                    .values_list("employee_no", flat=True)[:OFFICERS])
    if len(officers) < OFFICERS:  # the regional bank has fewer loan officers: other staff stand in
        officers += list(Staff.objects.filter(active_to__isnull=True, active_from__lte=first).exclude(employee_no__in=officers)
                         .values_list("employee_no", flat=True)[: OFFICERS - len(officers)])
    span = (today - first).days
    path = bench.workdir / "loans_150k.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["loan_id", "officer_employee_no", "product", "amount", "disbursed_on"])
        for i in range(N):
            product, benchmark = PRODUCTS[rng.choices((0, 1, 2), weights=(5, 3, 2))[0]]
            out.writerow([f"BENCH-L{i:08d}", officers[i % len(officers)], product, f"{round(benchmark * rng.uniform(0.2, 2.5), -2):.2f}",
                          (first + dt.timedelta(days=rng.randrange(span))).isoformat()])
    try:
        bench.log(f"capacity: COPY floor of {N:,} rows …")
        floor = bench.csv_copy_floor(path)
        bench.log(f"capacity: import_data loans of {N:,} rows ({len(officers):,} officers) …")
        with bench.timer() as t:
            result = run_import(kind="loans", path=path)
        if result.created != N or not result.ok:
            raise RuntimeError(result.summary() + " " + "; ".join(str(e) for e in result.errors[:5]))
        table_floor = bench.same_rows_copy_floor("retail_credit_loan", COLUMNS, "loan_id LIKE 'BENCH-L%'")
        rows.append(common.row(f"import_data loans, {N:,} new loans", t.seconds, "s", "bare COPY of the CSV into a staging table", floor, note="no indexes, no keys"))
        rows.append(common.row(f"import_data loans, {N:,} new loans", t.seconds, "s", "bare COPY of the same rows into the loans table", table_floor,
                               note="goal ≤ 5×"))

        month = Period.containing(today, "month").previous()
        scheme = Scheme.objects.filter(effective_from__lte=month.start).order_by("-effective_from").first()
        loans = Loan.objects.filter(disbursed_on__range=(month.start, month.end)).count()
        conn = bench.raw()

        def bare():
            with conn.cursor() as cur:
                cur.execute(BARE_POINTS, {"lo": month.start, "hi": month.end, "scheme": scheme.pk})
                return {sid: Decimal(p) for sid, _n, _t, p in cur.fetchall()}

        try:
            with CaptureQueriesContext(connection) as queries:
                month_figures(month)
            ours_s, bare_s, got, want = bench.best_of(lambda: month_figures(month), bare)
            same = {k: v["points"] for k, v in got.items()} == want
            rows.append(common.row(f"capacity points of {month.code}, every officer ({len(got):,} officers, {loans:,} loans)", ours_s, "s",
                                   "bare SQL: the same points (GROUP BY officer, product; join the scheme)", bare_s,
                                   note=f"{len(queries)} queries; same points: {'yes' if same else 'NO'}; goal ≤ 1.5×"))
            root = Institution.objects.get(parent__isnull=True)
            with bench.timer() as t, CaptureQueriesContext(connection) as queries:
                table = capacity_rows(root=root, month=month, until=month.end)
            rows.append(common.row(f"capacity table of {month.code}, whole bank ({len(table):,} rows: tiers, targets, 12 months of warnings, ranks)",
                                   t.seconds, "s", "bare SQL: the same points", bare_s, note=f"{len(queries)} queries"))
        finally:
            conn.close()
    finally:
        bench.log("capacity: removing the bench loans …")
        Loan.objects.filter(loan_id__startswith="BENCH-L").delete()
    return rows
