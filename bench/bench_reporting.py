"""Reporting on the regional bank, beside floors measured in the same run:

* the league-table endpoint (`GET /api/v1/league`, signed in as head office) for every person of
  the bank on 进件数 (the previous week's value and rank included) against the bare SQL of the same
  counts for both weeks with `RANK()` plus `json.dumps` of the same rows (goal: within 2×);
* the same endpoint at branch level on 放款金额 (retail credit) against its bare SQL + dumps;
* the head office's weekly circular with every registered sheet: seconds and peak memory of the
  build (goal: under 60 s and 500 MB).
"""

from __future__ import annotations

import json
import resource

from bench import common

NAME = "reporting"
ORDER = 61

BARE_PEOPLE = """
WITH cur AS (
  SELECT staff_id, count(*) AS n FROM referrals_application
  WHERE flag_status IN ('', 'cleared') AND submitted_at >= %(lo)s AND submitted_at < %(hi)s GROUP BY staff_id),
prev AS (
  SELECT staff_id, count(*) AS n FROM referrals_application
  WHERE flag_status IN ('', 'cleared') AND submitted_at >= %(plo)s AND submitted_at < %(lo)s GROUP BY staff_id)
SELECT s.employee_no, s.name, i.name, coalesce(cur.n, 0),
       RANK() OVER (ORDER BY coalesce(cur.n, 0) DESC), coalesce(prev.n, 0), RANK() OVER (ORDER BY coalesce(prev.n, 0) DESC)
FROM org_staff s JOIN org_institution i ON i.id = s.institution_id
LEFT JOIN cur ON cur.staff_id = s.id LEFT JOIN prev ON prev.staff_id = s.id
WHERE s.active_from <= %(end)s AND (s.active_to IS NULL OR s.active_to >= %(start)s)
"""

BARE_BRANCHES = """
WITH cur AS (
  SELECT split_part(i.path, '/', 3) AS b, sum(l.amount) AS v FROM retail_credit_loan l JOIN org_institution i ON i.id = l.institution_id
  WHERE l.disbursed_on BETWEEN %(start)s AND %(end)s GROUP BY 1),
prev AS (
  SELECT split_part(i.path, '/', 3) AS b, sum(l.amount) AS v FROM retail_credit_loan l JOIN org_institution i ON i.id = l.institution_id
  WHERE l.disbursed_on BETWEEN %(pstart)s AND %(pend)s GROUP BY 1)
SELECT br.code, br.name, coalesce(cur.v, 0), RANK() OVER (ORDER BY coalesce(cur.v, 0) DESC), coalesce(prev.v, 0)
FROM org_institution br LEFT JOIN cur ON cur.b = br.code LEFT JOIN prev ON prev.b = br.code
WHERE br.kind = 'branch'
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    from django.test import Client

    from org import clock
    from org.models import Institution, User
    from org.periods import Period
    from reporting import services
    from reporting.models import Circular

    rows: list[common.Row] = []
    week = Period.containing(clock.today(), "week").previous()
    head = Institution.objects.get(parent__isnull=True)
    user = User.objects.filter(scope_institution=head).first() or User.objects.filter(is_superuser=True).first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    conn = bench.raw()
    lo, hi = week.bounds()
    plo, _ = week.previous().bounds()

    def api(url):
        def call():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
            return len(response.json()["rows"])
        return call

    def bare(sql, params):
        def call():
            with conn.cursor() as cur:
                cur.execute(sql, params)
                got = cur.fetchall()
            json.dumps([[str(v) for v in r] for r in got], ensure_ascii=False)
            return len(got)
        return call

    try:
        ours_s, bare_s, n, m = bench.best_of(api(f"/api/v1/league?metric=referral.applications&level=person&period={week.code}"),
                                             bare(BARE_PEOPLE, {"lo": lo, "hi": hi, "plo": plo, "start": week.start, "end": week.end}))
        rows.append(common.row(f"league endpoint, every person of the bank on 进件数, {week.code} ({n:,} rows)", ours_s, "s",
                               "bare SQL (both weeks, RANK()) + json.dumps of the same rows", bare_s, note=f"{m:,} floor rows; goal ≤ 2×"))
        month = week.previous()
        ours_s, bare_s, n, m = bench.best_of(api(f"/api/v1/league?metric=retail_credit.amount&level=branch&period={week.code}"),
                                             bare(BARE_BRANCHES, {"start": week.start, "end": week.end, "pstart": month.start, "pend": month.end}))
        rows.append(common.row(f"league endpoint, branches on 放款金额 (retail credit), {week.code} ({n} rows)", ours_s, "s",
                               "bare SQL (both weeks, RANK()) + json.dumps of the same rows", bare_s, note="goal ≤ 2×"))
    finally:
        conn.close()

    Circular.objects.filter(period=week.code, scope=head).delete()
    before = _peak_mb()
    with bench.timer() as t:
        circular = services.circular_build(period=week, scope=head)
    rows.append(common.row(f"the head office's weekly circular {week.code}, every sheet ({circular.size / 1e6:.1f} MB)", t.seconds, "s",
                           note=f"peak RSS of the process {max(before, _peak_mb()):.0f} MB; goal < 60 s and < 500 MB"))
    circular.file.delete(save=False)
    circular.delete()
    return rows
