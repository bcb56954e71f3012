"""Manager and staff pages on the regional bank, each beside its floor measured in the same run.

Each page is fetched through Django's test client as its user signed in (the whole stack:
middleware, scope, selectors, charts, tables, template), median of 7 (35 for a page of a few
milliseconds) after a warm-up, each run
taken in turn with one of its floor's (load moves under both alike). Its floor is the bare SQL of the same figures (plain psycopg2, hand-written GROUP BYs and window functions,
no ORM) plus the same rows rendered by a bare Django template (one <table>, no base layout).
Goal of the page-kit issue: each page within 2× of its floor.

The referral dashboards' floors also read what the page shows besides its figures (PAGE_INPUTS: the
institution asked for, the rule version, the campaign, the working days); none reads the session
or the signed-in user, which every page of the product loads first.

Pages: the head office's home and referral dashboard (branches against target, 8-week trend), a
sub-branch's dashboard (its outlets and people ranked), the paginated 约谈名单 of the head office
(page 1 of everyone with no application, 50 a page) and the person page of a busy employee.
"""

from __future__ import annotations

import statistics
import time

from bench import common

NAME = "pages"
ORDER = 50
RUNS = 7

COUNTED = "a.flag_status IN ('', 'cleared')"
CHILD = "substr(i.path, 1, length(%(sp)s) + strpos(substr(i.path, length(%(sp)s) + 1), '/'))"
TOUCHED = """((a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s) OR (a.approved_at >= %(lo)s AND a.approved_at < %(hi)s)
 OR (a.rejected_at >= %(lo)s AND a.rejected_at < %(hi)s) OR (a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s))"""
FIGURES = """count(*) FILTER (WHERE a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s),
 count(*) FILTER (WHERE a.approved_at >= %(lo)s AND a.approved_at < %(hi)s),
 count(*) FILTER (WHERE a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s),
 coalesce(sum(a.disbursed_amount) FILTER (WHERE a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s), 0)"""

ROLLUP = [
    f"""SELECT {CHILD}, {FIGURES} FROM referrals_application a JOIN org_institution i ON i.id = a.institution_id
        WHERE {COUNTED} AND i.path LIKE %(sp)s || '%%' AND {TOUCHED} GROUP BY 1 ORDER BY 1""",
    f"""SELECT {CHILD}, count(*) FROM referrals_scanevent s JOIN org_institution i ON i.id = s.institution_id
        WHERE s.at >= %(lo)s AND s.at < %(hi)s AND i.path LIKE %(sp)s || '%%' GROUP BY 1""",
    f"""SELECT {CHILD}, count(*) FROM referrals_lead l JOIN org_institution i ON i.id = l.institution_id
        WHERE l.created_at >= %(lo)s AND l.created_at < %(hi)s AND i.path LIKE %(sp)s || '%%' GROUP BY 1""",
    TARGETS := """SELECT i.path, t.period_start, t.metric, t.value FROM targets_target t
        JOIN org_institution i ON i.id = t.institution_id WHERE t.context LIKE 'campaign:%%' AND t.period_kind = 'week'
        AND t.metric IN ('referral.applications', 'referral.disbursed_amount')
        AND t.period_start >= %(lo8)s::date AND t.period_start < %(hi)s::date AND i.path LIKE %(sp)s || '%%' ORDER BY 2, 1""",
    f"""SELECT date_trunc('week', a.submitted_at AT TIME ZONE 'Asia/Shanghai'), count(*) FROM referrals_application a
        JOIN org_institution i ON i.id = a.institution_id WHERE {COUNTED} AND i.path LIKE %(sp)s || '%%'
        AND a.submitted_at >= %(lo8)s AND a.submitted_at < %(hi)s GROUP BY 1""",
    f"""SELECT date_trunc('week', a.disbursed_at AT TIME ZONE 'Asia/Shanghai'), sum(a.disbursed_amount) FROM referrals_application a
        JOIN org_institution i ON i.id = a.institution_id WHERE {COUNTED} AND i.path LIKE %(sp)s || '%%'
        AND a.disbursed_at >= %(lo8)s AND a.disbursed_at < %(hi)s GROUP BY 1""",
    "SELECT id, code, name, path, kind FROM org_institution WHERE parent_id = %(node)s ORDER BY path",
]
PEOPLE = f"""
SELECT s.employee_no, s.name, i.name, f.n, f.approved, f.disbursed, f.amount, rank() OVER (ORDER BY coalesce(f.n, 0) DESC) AS rnk
FROM org_staff s JOIN org_institution i ON i.id = s.institution_id
LEFT JOIN (SELECT a.staff_id,
             count(*) FILTER (WHERE a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s) AS n,
             count(*) FILTER (WHERE a.approved_at >= %(lo)s AND a.approved_at < %(hi)s) AS approved,
             count(*) FILTER (WHERE a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s) AS disbursed,
             coalesce(sum(a.disbursed_amount) FILTER (WHERE a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s), 0) AS amount
           FROM referrals_application a JOIN org_institution ai ON ai.id = a.institution_id
           WHERE {COUNTED} AND ai.path LIKE %(sp)s || '%%' AND {TOUCHED} GROUP BY a.staff_id) f ON f.staff_id = s.id
WHERE i.path LIKE %(sp)s || '%%' AND (f.staff_id IS NOT NULL OR EXISTS
      (SELECT 1 FROM referrals_referralcode c WHERE c.staff_id = s.id AND c.kind = 'personal' AND c.revoked_at IS NULL))
ORDER BY rnk, s.employee_no
"""
# What every referral dashboard shows besides its figures, read by the floor too: the institution
# asked for (?inst=), the attribution rule in force (its version is printed), the running campaign
# (its name and dates) and the period's working days (序时进度 on every tile).
PAGE_INPUTS = [
    "SELECT id, code, name, kind, path, parent_id FROM org_institution WHERE code = %(code)s",
    """SELECT version, effective_from, attribution_window_days FROM referrals_referralrule WHERE effective_from <= %(end)s
       ORDER BY effective_from DESC, version DESC LIMIT 1""",
    """SELECT id, code, name, start_date, end_date FROM referrals_campaign WHERE start_date <= %(end)s AND end_date >= %(start)s
       ORDER BY start_date DESC, id DESC LIMIT 1""",
    "SELECT date, is_working FROM org_calendarday WHERE date BETWEEN %(start)s AND %(end)s",
]
HOME_ACTIONS = [
    "SELECT count(*) FROM referrals_application a JOIN org_institution i ON i.id = a.institution_id WHERE a.flag_status = 'pending' AND i.path LIKE %(sp)s || '%%'",
    "SELECT count(*) FROM referrals_dispute d WHERE d.status = 'open'",
    "SELECT count(*) FROM referrals_payoutsheet p WHERE p.paid_at IS NULL",
]
NO_APPLICATION = f"""FROM org_staff s JOIN org_institution i ON i.id = s.institution_id
WHERE i.path LIKE %(sp)s || '%%' AND s.active_from <= %(end)s AND (s.active_to IS NULL OR s.active_to >= %(end)s)
AND NOT EXISTS (SELECT 1 FROM referrals_application a JOIN org_institution ai ON ai.id = a.institution_id
  WHERE a.staff_id = s.id AND {COUNTED} AND ai.path LIKE %(sp)s || '%%' AND a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s)"""
BEHIND = [
    f"SELECT count(*) {NO_APPLICATION}",
    f"SELECT s.employee_no, s.name, i.name, s.positions {NO_APPLICATION} ORDER BY i.path, s.employee_no LIMIT 50",
    """SELECT i.path, i.name, t.period_start, t.metric, t.value FROM targets_target t
       JOIN org_institution i ON i.id = t.institution_id WHERE t.context LIKE 'campaign:%%' AND t.period_kind = 'week'
       AND t.metric IN ('referral.applications', 'referral.disbursed_amount')
       AND t.period_start >= %(lo)s::date AND t.period_start <= %(end)s AND i.path LIKE %(sp)s || '%%'""",
    f"""SELECT i.path, count(*) FILTER (WHERE a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s),
       coalesce(sum(a.disbursed_amount) FILTER (WHERE a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s), 0)
       FROM referrals_application a JOIN org_institution i ON i.id = a.institution_id
       WHERE {COUNTED} AND i.path LIKE %(sp)s || '%%' AND ((a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s)
       OR (a.disbursed_at >= %(lo)s AND a.disbursed_at < %(hi)s)) GROUP BY i.path""",
]
PERSON = [
    "SELECT s.*, i.name, i.path FROM org_staff s JOIN org_institution i ON i.id = s.institution_id WHERE s.employee_no = %(no)s",
    "SELECT token, created_at FROM referrals_referralcode WHERE staff_id = %(staff)s AND kind = 'personal' AND revoked_at IS NULL",
    "SELECT count(*) FROM referrals_scanevent e JOIN referrals_referralcode c ON c.id = e.code_id WHERE c.staff_id = %(staff)s AND e.at >= %(mlo)s AND e.at < %(mhi)s",
    "SELECT count(*) FROM referrals_lead WHERE staff_id = %(staff)s AND created_at >= %(mlo)s AND created_at < %(mhi)s",
    f"""SELECT {FIGURES.replace('%(lo)s', '%(mlo)s').replace('%(hi)s', '%(mhi)s')} FROM referrals_application a WHERE a.staff_id = %(staff)s AND {COUNTED}""",
    "SELECT count(*) FROM referrals_application WHERE staff_id = %(staff)s",
    "SELECT application_id, product, customer_name, status, submitted_at, disbursed_amount FROM referrals_application WHERE staff_id = %(staff)s ORDER BY submitted_at DESC LIMIT 10",
    "SELECT count(*) FROM referrals_application WHERE staff_id = %(staff)s AND flag <> ''",
    "SELECT application_id, product, customer_name, flag, flag_status, submitted_at FROM referrals_application WHERE staff_id = %(staff)s AND flag <> '' ORDER BY submitted_at DESC LIMIT 10",
    """SELECT date_trunc('month', coalesce(e.confirmed_at, a.submitted_at) AT TIME ZONE 'Asia/Shanghai') m, count(*), sum(e.amount) FILTER (WHERE e.status = 'pending'),
       sum(e.amount) FILTER (WHERE e.status = 'confirmed'), sum(e.amount) FILTER (WHERE e.status = 'paid'), sum(e.amount) FILTER (WHERE e.status = 'reversed')
       FROM referrals_earning e JOIN referrals_application a ON a.id = e.application_id WHERE e.staff_id = %(staff)s GROUP BY 1 ORDER BY 1 DESC LIMIT 12""",
    "SELECT i.name, v.valid_from, v.valid_to FROM org_staffassignment v JOIN org_institution i ON i.id = v.institution_id WHERE v.staff_id = %(staff)s ORDER BY v.valid_from DESC",
]
RANK = f"""
WITH f AS (SELECT a.staff_id, count(*) FILTER (WHERE a.submitted_at >= %(lo)s AND a.submitted_at < %(hi)s) AS n
           FROM referrals_application a JOIN org_institution i ON i.id = a.institution_id
           WHERE {COUNTED} AND i.path LIKE %(sp)s || '%%' AND {TOUCHED} GROUP BY a.staff_id),
pop AS (SELECT s.id, coalesce(f.n, 0) AS n FROM org_staff s JOIN org_institution i ON i.id = s.institution_id LEFT JOIN f ON f.staff_id = s.id
        WHERE f.staff_id IS NOT NULL OR (i.path LIKE %(sp)s || '%%' AND s.active_from <= %(end)s AND (s.active_to IS NULL OR s.active_to >= %(lo)s::date)
          AND EXISTS (SELECT 1 FROM referrals_referralcode c WHERE c.staff_id = s.id AND c.kind = 'personal' AND c.revoked_at IS NULL)))
SELECT max(r) FILTER (WHERE id = %(staff)s), count(*) FROM (SELECT id, rank() OVER (ORDER BY n DESC) AS r FROM pop) x
"""  # the same population as the page's rank: everyone credited in the scope, and every code holder in it

BARE_TEMPLATE = "<table>{% for r in rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>"


def _paired_medians(ours, floor) -> tuple[float, float]:
    """Each after a warm-up (caches, prepared plans, template loading), then the two alternately
    RUNS times (the machine's load moves under both alike): the median seconds of each. A page of
    a few milliseconds is taken 5 × RUNS times: at that size a moment's load elsewhere on the
    machine moves one run by a tenth."""
    started = time.perf_counter()
    ours(), floor()
    runs = RUNS * 5 if time.perf_counter() - started < 0.1 else RUNS
    mine, bare = [], []
    for _ in range(runs):
        for fn, into in ((ours, mine), (floor, bare)):
            started = time.perf_counter()
            fn()
            into.append(time.perf_counter() - started)
    return statistics.median(mine), statistics.median(bare)


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    bench.setup_django()
    from django.db.models import Count
    from django.template import Context, Engine
    from django.test import Client

    from org import clock
    from org.models import Institution, InstitutionKind, Staff, User
    from org.periods import Period
    from referrals.models import Application

    engine = Engine()
    bare = engine.from_string(BARE_TEMPLATE)
    conn = bench.raw()

    def floor(queries: list[tuple]):
        """(sql, params) pairs, or (sql, params, False) for figures the page reads but does not list
        row by row (the targets it sums): every query runs, only the listed rows are rendered."""

        def go():
            rows = []
            with conn.cursor() as cur:
                for sql, p, *shown in queries:
                    cur.execute(sql, p)
                    fetched = cur.fetchall()
                    if not shown or shown[0]:
                        rows.extend(fetched)
            bare.render(Context({"rows": rows}))

        return go

    def page(user, url: str):
        client = Client(SERVER_NAME="127.0.0.1")
        client.force_login(user)
        status = {}

        def go():
            response = client.get(url)
            status["code"], status["size"] = response.status_code, len(response.content)
            if response.status_code != 200:
                raise RuntimeError(f"{url} answered {response.status_code}")

        return go, status

    today = clock.today()
    week = Period.containing(today, "week")
    month = Period.containing(today, "month")
    eight = week
    for _ in range(7):
        eight = eight.previous()
    ho = Institution.objects.get(parent__isnull=True)
    sub = Institution.objects.filter(kind=InstitutionKind.SUB_BRANCH).order_by("path").first()
    hq = User.objects.get(username="HQ001")
    sub_user = User.objects.filter(scope_institution=sub).first() or User.objects.create_user(username="BENCH-SB", password="x", scope_institution=sub)

    def params(scope, period=week):
        lo, hi = period.bounds()
        return {"sp": scope.path, "node": scope.pk, "code": scope.code, "lo": lo, "hi": hi, "lo8": eight.bounds()[0], "start": period.start, "end": period.end}

    rows = []

    def add(name: str, url: str, user, queries: list[tuple[str, dict]], note: str):
        bench.log(f"pages: {name} …")
        ours, status = page(user, url)
        seconds, floor_seconds = _paired_medians(ours, floor(queries))
        rows.append(common.row(name, seconds, "s", "bare SQL of the same figures + bare template", floor_seconds, note=f"{note}; {status['size'] / 1024:.0f} KB"))

    def each(queries, p):
        return [(q, p, q is not TARGETS) for q in queries]

    add(
        "home, head office (KPI tiles, trend, actions)", "/", hq,
        each(ROLLUP, params(ho)) + each(ROLLUP[:4], params(ho, month)) + each(HOME_ACTIONS, params(ho)),
        "week and month against target, 8-week trend, action counts",
    )
    add(f"referral dashboard, head office, {week.code}", "/referrals/dashboard/", hq, each([*PAGE_INPUTS, *ROLLUP], params(ho)),
        "branches vs target, 8-week trend")
    add(f"referral dashboard, {sub.name}, {week.code}", f"/referrals/dashboard/?inst={sub.code}", sub_user,
        each([*PAGE_INPUTS, *ROLLUP, PEOPLE], params(sub)), "outlets and people ranked")
    add(f"约谈名单, head office, page 1 of 50, {week.code}", "/referrals/dashboard/behind/", hq, each(BEHIND, params(ho)), "paginated by the database")
    busy = Application.objects.filter(staff__isnull=False).values("staff").annotate(n=Count("pk")).order_by("-n").first()
    person = Staff.objects.select_related("institution").get(pk=busy["staff"])
    p = {**params(ho), "no": person.employee_no, "staff": person.pk, "mlo": month.bounds()[0], "mhi": month.bounds()[1]}
    branch_path = "/".join(person.institution.path.split("/")[:3]) + "/"
    ranks = [
        (RANK, {**params(scope, period), "staff": person.pk, "sp": sp})
        for scope, sp in ((ho, ho.path), (ho, branch_path))
        for period in (week, month)
    ]
    add(f"person page, {person.employee_no} ({busy['n']} applications)", f"/org/staff/{person.employee_no}/", hq, each(PERSON, p) + ranks,
        "code, funnel, applications, flags, earnings, rank")
    conn.close()
    return rows
