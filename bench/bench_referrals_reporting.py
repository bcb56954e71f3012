"""Referral reporting on the regional bank: circulars and the manager dashboard, beside the bare SQL.

* the head office's weekly and monthly circular workbook (every person of the bank ranked, the
  honours, the notes), against a bare GROUP BY staff over the same applications;
* every circular of a week (head office + 20 branches) built and stored, as the Monday job does;
* the dashboard's figures: the head office's branch roll-up (children, applications, scans, leads,
  targets) and a sub-branch's people, against the same bare GROUP BY.

The circulars stored here are deleted afterwards, so the bank is left as found.
"""

from __future__ import annotations

import datetime as dt

from bench import common

NAME = "referral_reporting"
ORDER = 45

BARE_BY_STAFF = """
SELECT a.staff_id,
       count(*) FILTER (WHERE a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s),
       count(*) FILTER (WHERE a.approved_at >= %(lo)s AND a.approved_at < %(hi)s),
       count(*) FILTER (WHERE a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s),
       sum(a.disbursed_amount) FILTER (WHERE a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s)
FROM referrals_application a
WHERE a.flag_status IN ('', 'cleared')
  AND ((a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s) OR (a.approved_at >= %(lo)s AND a.approved_at < %(hi)s)
       OR (a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s))
GROUP BY a.staff_id
"""


def _bare(bench: common.Bench, period) -> tuple[float, int]:
    lo, hi = period.bounds()
    conn = bench.raw()
    try:
        with bench.timer() as t, conn.cursor() as cur:
            cur.execute(BARE_BY_STAFF, {"lo": lo, "hi": hi})
            n = len(cur.fetchall())
        return t.seconds, n
    finally:
        conn.close()


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    from django.conf import settings

    from org import clock
    from org.models import Institution, InstitutionKind
    from org.periods import Period
    from referrals.models import Campaign
    from referrals.selectors.reporting import referral_institution_figures, referral_person_figures
    from reporting import services
    from reporting.models import Circular

    settings.MEDIA_ROOT = bench.workdir / "media"
    ho = Institution.objects.get(parent__isnull=True)
    today = clock.today()
    week = Period.containing(today - dt.timedelta(days=7), "week")
    month = Period.containing(today.replace(day=1) - dt.timedelta(days=1), "month")
    rows = []
    for period in (week, month):
        bench.log(f"referral_reporting: head-office circular {period.code} …")
        with bench.timer() as t:
            content, _ = services.circular_workbook(period=period, scope=ho)
        people = len(list(referral_person_figures(scope=ho, period=period).values_list("pk", flat=True)))
        floor, n = _bare(bench, period)
        rows.append(
            common.row(
                f"circular workbook, head office, {period.code}",
                t.seconds,
                "s",
                "bare GROUP BY staff (same counts)",
                floor,
                note=f"{people:,} people ranked, {n:,} with activity; {len(content) / 1e6:.1f} MB xlsx",
            )
        )

    before = set(Circular.objects.values_list("pk", flat=True))
    bench.log(f"referral_reporting: every circular of {week.code} …")
    try:
        with bench.timer() as t:
            built = services.circulars_build(period=week)
        floor, _ = _bare(bench, week)
        rows.append(
            common.row(
                f"all circulars of {week.code} (head office + branches), stored",
                t.seconds,
                "s",
                "bare GROUP BY staff, once",
                floor,
                note=f"{len(built)} workbooks",
            )
        )
        with bench.timer() as again:
            services.circulars_build(period=week)
        rows.append(common.row("same circulars again (already stored: found, not rebuilt)", again.seconds, "s"))
    finally:
        for c in Circular.objects.exclude(pk__in=before):
            c.file.delete(save=False)
            c.delete()

    campaign = Campaign.objects.filter(start_date__lte=today, end_date__gte=today).order_by("-start_date").first()
    bench.log("referral_reporting: dashboard figures …")
    with bench.timer() as t:
        figures = referral_institution_figures(scope=ho, period=week, campaign=campaign)
    floor, _ = _bare(bench, week)
    rows.append(
        common.row(
            f"dashboard: head office's {len(figures)} branches vs target, {week.code}",
            t.seconds,
            "s",
            "bare GROUP BY staff (same counts)",
            floor,
            note="5 queries: children, applications, scans, leads, targets",
        )
    )
    sub = Institution.objects.filter(kind=InstitutionKind.SUB_BRANCH).order_by("path").first()
    with bench.timer() as t:
        people = list(referral_person_figures(scope=sub, period=week, campaign=campaign, with_funnel=True))
    rows.append(common.row(f"dashboard: a sub-branch's {len(people)} people with funnel, {week.code}", t.seconds, "s", note="1 query"))
    return rows
