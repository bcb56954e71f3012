"""Targets on the regional bank, each beside its floor measured in the same run:

* a branch's grid of ~100 outlets saved (`targets_save`: one transaction, a fixed number of queries)
  against a bare INSERT of the same 100 targets and their 100 history rows into scratch tables;
* attainment and time progress for every person of the bank (~20,000) for the running month
  (`attainment_rows`) against the bare SQL computing the same actuals and targets;
* the month's scorecards of every person (`scores`: two metrics and a deduction, capped, ranked)
  against the bare SQL computing the same points.
"""

from __future__ import annotations

from decimal import Decimal

from bench import common

NAME = "targets"
ORDER = 55
APPS, AMOUNT, VIOL = "referral.applications", "referral.disbursed_amount", "referral.violations"

# A person's target for the month by the rule the product applies (targets.selectors.staff_target_rows):
# the month's own target, else its weeks' sum, else the quarter's share, else the year's share.
TARGET_RULE = """
  SELECT staff_id, COALESCE(
    sum(value) FILTER (WHERE period_kind = 'month' AND period_start >= %(m_lo)s AND period_start <= %(m_hi)s),
    sum(value) FILTER (WHERE period_kind = 'week' AND period_start >= %(m_lo)s AND period_start <= %(m_hi)s),
    round(max(value) FILTER (WHERE period_kind = 'quarter' AND period = %(quarter)s) * %(qshare)s, 2),
    round(max(value) FILTER (WHERE period_kind = 'year' AND period = %(year)s) * %(share)s, 2)) AS value
  FROM targets_target
  WHERE metric = {metric} AND context = '' AND staff_id IS NOT NULL
    AND ((period_kind IN ('month', 'week') AND period_start >= %(m_lo)s AND period_start <= %(m_hi)s) OR period IN (%(quarter)s, %(year)s))
  GROUP BY staff_id"""

BARE_ATTAINMENT = """
WITH a AS (
  SELECT staff_id, count(*) FILTER (WHERE submitted_at >= %(lo)s AND submitted_at < %(hi)s) AS n
  FROM referrals_application
  WHERE flag_status IN ('', 'cleared') AND staff_id IS NOT NULL
    AND ((submitted_at >= %(lo)s AND submitted_at < %(hi)s) OR (disbursed_at >= %(lo)s AND disbursed_at < %(hi)s))
  GROUP BY staff_id)
SELECT s.id, coalesce(a.n, 0), t.value, CASE WHEN t.value > 0 THEN coalesce(a.n, 0) * 100.0 / t.value END
FROM org_staff s LEFT JOIN a ON a.staff_id = s.id
LEFT JOIN (""" + TARGET_RULE.format(metric="%(metric)s") + """) t ON t.staff_id = s.id
WHERE s.id = ANY(%(ids)s::bigint[])
"""

BARE_SCORES = """
WITH a AS (
  SELECT staff_id,
         count(*) FILTER (WHERE submitted_at >= %(lo)s AND submitted_at < %(hi)s AND flag_status IN ('', 'cleared')) AS apps,
         coalesce(sum(disbursed_amount) FILTER (WHERE disbursed_at >= %(lo)s AND disbursed_at < %(hi)s AND flag_status IN ('', 'cleared')), 0) AS amount,
         count(*) FILTER (WHERE flag_status = 'confirmed' AND submitted_at >= %(lo)s AND submitted_at < %(hi)s) AS viol
  FROM referrals_application WHERE staff_id IS NOT NULL
    AND ((submitted_at >= %(lo)s AND submitted_at < %(hi)s) OR (disbursed_at >= %(lo)s AND disbursed_at < %(hi)s))
  GROUP BY staff_id),
p AS (
  SELECT s.id,
         60 * LEAST(GREATEST(coalesce(a.apps, 0) * 100.0 / NULLIF(ta.value, 0), 0), 120) / 100 AS p1,
         40 * LEAST(GREATEST(coalesce(a.amount, 0) * 100.0 / NULLIF(tm.value, 0), 0), 120) / 100 AS p2,
         LEAST(coalesce(a.viol, 0) * 5, 20) AS d
  FROM org_staff s LEFT JOIN a ON a.staff_id = s.id
  LEFT JOIN (""" + TARGET_RULE.format(metric="'referral.applications'") + """) ta ON ta.staff_id = s.id
  LEFT JOIN (""" + TARGET_RULE.format(metric="'referral.disbursed_amount'") + """) tm ON tm.staff_id = s.id
  WHERE s.id = ANY(%(ids)s::bigint[]))
SELECT id, round(coalesce(p1, 0) + coalesce(p2, 0) - d, 2) AS total, rank() OVER (ORDER BY round(coalesce(p1, 0) + coalesce(p2, 0) - d, 2) DESC) FROM p
"""


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org import clock
    from org.models import Institution, InstitutionKind, Staff, User
    from org.periods import Period
    from targets.models import Target, TargetChange
    from targets.scorecards import scorecard_for, scores
    from targets.selectors import attainment_rows, monthly_percentages, period_share
    from targets.services import targets_save

    rows = []
    ho = User.objects.get(username="HQ001")
    branch = Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("code").first()
    outlets = list(Institution.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=branch.path).order_by("code")[:100])
    scratch = Period.year(2099)
    grid = {o: Decimal(40 + i) for i, o in enumerate(outlets)}
    bench.log(f"targets: grid of {len(grid)} outlets …")
    try:
        with CaptureQueriesContext(connection) as queries, bench.timer() as t:
            targets_save(metric=APPS, period=scratch, by=ho, institutions=grid)
        conn = bench.raw()
        try:
            with bench.timer() as floor, conn.cursor() as cur:
                cur.execute("CREATE TEMP TABLE bench_t (LIKE targets_target INCLUDING DEFAULTS) ON COMMIT DROP")
                cur.execute("CREATE TEMP TABLE bench_h (LIKE targets_targetchange INCLUDING DEFAULTS) ON COMMIT DROP")
                values = [(i, APPS, "year", "2099", scratch.start, scratch.end, o.pk, "", v, 1, clock.now()) for i, (o, v) in enumerate(grid.items(), start=1)]
                cur.execute(
                    "INSERT INTO bench_t (id, metric, period_kind, period, period_start, period_end, institution_id, context, value, version, set_at) VALUES "
                    + ",".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"] * len(values)), [x for v in values for x in v],
                )
                cur.execute(
                    "INSERT INTO bench_h (id, target_id, version, value, at, note) SELECT id, id, 1, value, set_at, '' FROM bench_t"
                )
                conn.commit()
        finally:
            conn.close()
        rows.append(common.row(f"target grid of {len(grid)} outlets saved (one transaction)", t.seconds, "s",
                               "bare INSERT of the 100 targets + 100 history rows", floor.seconds, note=f"{len(queries.captured_queries)} queries"))
    finally:
        TargetChange.objects.filter(target__period="2099").delete()
        Target.objects.filter(period="2099").delete()

    month = Period.containing(clock.today(), "month")
    year = Period.year(month.start.year)
    people = list(Staff.objects.filter(active_to__isnull=True).order_by("pk"))
    ids = [p.pk for p in people]
    share = period_share(month, within=year, percentages_by_year={year.start.year: monthly_percentages(metric=APPS, year=year.start.year)})
    lo, hi = month.bounds()
    quarter = Period.containing(month.start, "quarter")
    qshare = period_share(month, within=quarter, percentages_by_year={year.start.year: monthly_percentages(metric=APPS, year=year.start.year)})
    params = {"lo": lo, "hi": hi, "share": share, "qshare": qshare, "quarter": quarter.code, "m_lo": month.start, "m_hi": month.end,
              "metric": APPS, "year": year.code, "ids": "{" + ",".join(map(str, ids)) + "}"}  # one array literal, as org.bulk.id_set_sql sends
    bench.log(f"targets: attainment of {len(people):,} persons …")
    conn = bench.raw()

    def bare(sql):
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return len(cur.fetchall())

    try:
        t, floor, (got, _), n = bench.best_of(lambda: attainment_rows(metric=APPS, period=month, at=clock.now(), staff=people),
                                              lambda: bare(BARE_ATTAINMENT))
        rows.append(common.row(f"attainment + time progress, {len(got):,} persons, {month.code}, best of 3", t, "s",
                               "bare SQL: actual per person + target share, best of 3", floor, note=f"{n:,} rows; goal ≤ 1.5×"))
        card = scorecard_for(role="wealth_manager", period=month)
        if card is not None:
            bench.log(f"targets: scorecards of {len(people):,} persons …")
            t, floor, got, n = bench.best_of(lambda: scores(scorecard=card, period=month, staff=people, explain=False),  # as the 考核 sheet asks
                                             lambda: bare(BARE_SCORES))
            rows.append(common.row(f"monthly scorecards, {len(got):,} persons, {month.code} (2 metrics + deduction, ranked), best of 3",
                                   t, "s", "bare SQL: the same points and RANK(), best of 3", floor, note=f"{n:,} rows; goal ≤ 2×"))
    finally:
        conn.close()
    return rows
