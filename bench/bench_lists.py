"""Stock-customer lists on the regional bank, each beside its floor measured in the same run:

* `import_data customer_lists` of a 200,000-customer list (one list over the first branch's outlets,
  an ID number on every row, a quarter of the rows pre-assigned) against a bare `COPY` of the same
  CSV into a staging table (no indexes, no keys), and against a bare `COPY` of the same rows, as the
  import writes them, into the list table with its unique key, indexes and foreign keys (goal: no
  slower than five times that COPY);
* the list's funnel for that branch by sub-branch (`funnel_rows`, one statement joining the customers to their
  contacts and to the period's applications, each grouped once) against the bare SQL computing the same counts (goal: within 1.5×).
"""

from __future__ import annotations

import csv

from bench import common

NAME = "lists"
ORDER = 57
N = 200_000
CODE = "BENCH-LIST"
WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

BARE_FUNNEL = """
WITH c AS (
  SELECT lc.id, lc.id_hash, substr(o.path, 1, %(n)s + strpos(substr(o.path, %(n)s + 1), '/')) AS key,
         EXISTS (SELECT 1 FROM referrals_listcontact x WHERE x.customer_id = lc.id) AS contacted,
         EXISTS (SELECT 1 FROM referrals_listcontact x WHERE x.customer_id = lc.id AND x.outcome IN ('interested', 'applied')) AS interested
  FROM referrals_listedcustomer lc JOIN org_institution o ON o.id = lc.outlet_id
  WHERE lc.customer_list_id = %(list)s AND o.path LIKE %(under)s),
m AS (
  SELECT customer_id_hash, bool_or(approved_at IS NOT NULL OR disbursed_at IS NOT NULL) AS approved,
         bool_or(disbursed_at IS NOT NULL) AS disbursed, sum(disbursed_amount) FILTER (WHERE disbursed_at IS NOT NULL) AS amount
  FROM referrals_application
  WHERE flag_status IN ('', 'cleared') AND customer_id_hash <> '' AND submitted_at >= %(lo)s AND submitted_at < %(hi)s
  GROUP BY customer_id_hash)
SELECT c.key, count(*), count(*) FILTER (WHERE contacted), count(*) FILTER (WHERE interested), count(m.customer_id_hash),
       count(*) FILTER (WHERE m.approved), count(*) FILTER (WHERE m.disbursed), coalesce(sum(m.amount), 0)
FROM c LEFT JOIN m ON m.customer_id_hash = c.id_hash
GROUP BY c.key
"""


def _id_number(n: int) -> str:
    body = f"2201021990{(n // 100000) % 12 + 1:02d}{(n // 1000) % 28 + 1:02d}{n % 1000:03d}"[:17]
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, WEIGHTS, strict=True)) % 11]


COLUMNS = "customer_list_id, customer_no, name, mobile, outlet_id, id_hash, id_masked, assignee_id, assigned_at"


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    from org.importing.base import run_import
    from org.models import Institution, InstitutionKind, Staff
    from referrals.models import CustomerList
    from referrals.selectors.lists import funnel_rows

    branch = Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("code").first()
    outlets = list(Institution.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=branch.path).order_by("code"))
    staff_of = {}
    for sid, inst in Staff.objects.filter(institution__in=outlets, active_to__isnull=True).values_list("employee_no", "institution_id"):
        staff_of.setdefault(inst, []).append(sid)
    path = bench.workdir / "customer_lists_200k.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["list_code", "segment", "customer_no", "name", "mobile", "id_number", "outlet_code", "assignee_employee_no"])
        for i in range(N):
            outlet = outlets[i % len(outlets)]
            people = staff_of.get(outlet.pk, [])
            out.writerow([CODE, "mortgage", f"B{i:08d}", f"客户{i}", f"139{i:08d}", _id_number(i), outlet.code,
                          people[i % len(people)] if people and i % 4 == 0 else ""])
    rows = []
    try:
        bench.log(f"lists: COPY floor of {N:,} rows …")
        floor = bench.csv_copy_floor(path)
        bench.log(f"lists: import_data customer_lists of {N:,} rows …")
        with bench.timer() as t:
            result = run_import(kind="customer_lists", path=path)
        if result.created != N or not result.ok:
            raise RuntimeError(result.summary())
        lst = CustomerList.objects.get(code=CODE)
        table_floor = bench.same_rows_copy_floor("referrals_listedcustomer", COLUMNS, f"customer_list_id = {int(lst.pk)}")
        rows.append(common.row(f"import_data customer_lists, {N:,} new customers", t.seconds, "s", "bare COPY of the CSV into a staging table", floor,
                               note="no indexes, no keys"))
        rows.append(common.row(f"import_data customer_lists, {N:,} new customers", t.seconds, "s",
                               "bare COPY of the same rows into the list table", table_floor, note="goal ≤ 5×"))
        lo, hi = lst.period.bounds()
        conn = bench.raw()
        # Each side three times, alternating (the first run of either warms the same pages): best of three.
        ours, bare = [], []
        try:
            for _ in range(3):
                with bench.timer() as t:
                    got = funnel_rows(lst, under=branch, by="child")
                ours.append(t.seconds)
                with bench.timer() as floor_t, conn.cursor() as cur:
                    cur.execute(BARE_FUNNEL, {"n": len(branch.path), "list": lst.pk, "under": branch.path + "%", "lo": lo, "hi": hi})
                    n = len(cur.fetchall())
                bare.append(floor_t.seconds)
        finally:
            conn.close()
        rows.append(common.row(f"a list's funnel for a branch by sub-branch ({N:,} customers), best of 3", min(ours), "s", "bare SQL: the same counts, best of 3",
                               min(bare), note=f"{len(got)} / {n} rows; goal ≤ 1.5×"))
    finally:
        bench.log("lists: removing the bench list …")
        CustomerList.objects.filter(code=CODE).delete()
    return rows
