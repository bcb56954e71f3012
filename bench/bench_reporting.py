"""Reporting on the regional bank, beside floors measured in the same run:

* the league-table endpoint (`GET /api/v1/league`, signed in as head office) over every person of
  the bank on 进件数 for the last complete month (the previous month's value and rank included),
  its first page (50 rows, the count of every row and the caller's own row: the API answers a page
  at a time) and a page of 500 from the middle, against the bare SQL of every field it answers
  (both months' counts for every person, the target by the product's rule, attainment, both ranks,
  change, the same page of the same order, the count, the caller's row) plus `json.dumps` of the
  same rows (goal: within 2×);
* the same endpoint at branch level on 放款金额 (retail credit) for the last complete week against the
  bare SQL of every field it answers (both weeks' sums, the target by the institutions' rule,
  attainment, both ranks, change) plus `json.dumps` of the same rows (goal: within 2×), best of 9;
* the head office's weekly circular with every registered sheet: seconds and peak memory of the
  build (goal: under 60 s and 500 MB), best of 2, beside its floor: each distinct statement that
  read the figures, replayed on a plain connection (no ORM, no Python rule), plus the same cells
  written with openpyxl write-only (number formats where the circular has them, nothing else)
  (goal: within 1.5×), and the same split per sheet so the slowest shows.

The floors' plain connection gets the work_mem the product's reporting reads get
(`REPORTING_WORK_MEM`, org.db), so both sides run on the same server settings.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import resource
import time
from dataclasses import dataclass, field

from bench import common
from bench.bench_targets import APPS, TARGET_RULE

NAME = "reporting"
ORDER = 61

# Every figure of a page of the person league (the API's fields), in SQL, written the fastest way we
# know — the product's own algorithm, bare: both months' counts in one scan, each rank as 1 + how many
# in post the whole month do better (a histogram of the values), the page by a top-N sort in the
# table's order (ranked first, then by value, then employee number), the caller's own row beside it,
# the count, and names, institutions and targets (bench_targets.TARGET_RULE) for the page's rows
# alone; attainment, whole-period rule, change and rank change. The floor then renders the same
# keys with json.dumps. (A floor with RANK() and ROW_NUMBER() over every person is slower than the
# endpoint: 3.2 s against 1.3 s on the national bank.)
BARE_PEOPLE = """
WITH ab AS (
  SELECT staff_id, count(*) FILTER (WHERE submitted_at >= %(lo)s) AS v, count(*) FILTER (WHERE submitted_at < %(lo)s) AS pv
  FROM referrals_application
  WHERE flag_status IN ('', 'cleared') AND submitted_at >= %(plo)s AND submitted_at < %(hi)s AND staff_id IS NOT NULL GROUP BY staff_id),
x AS (
  SELECT s.id, s.employee_no, coalesce(ab.v, 0) AS v, coalesce(ab.pv, 0) AS pv,
         NOT (s.active_from <= %(start)s AND (s.active_to IS NULL OR s.active_to >= %(end)s)) AS out,
         NOT (s.active_from <= %(pstart)s AND (s.active_to IS NULL OR s.active_to >= %(pend)s)) AS pout
  FROM org_staff s LEFT JOIN ab ON ab.staff_id = s.id
  WHERE s.active_from <= %(end)s AND (s.active_to IS NULL OR s.active_to >= %(start)s)),
h AS (SELECT v, CAST(1 + coalesce(sum(count(*)) OVER (ORDER BY v DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS integer) AS r FROM x WHERE NOT out GROUP BY v),
hp AS (SELECT pv, CAST(1 + coalesce(sum(count(*)) OVER (ORDER BY pv DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS integer) AS pr FROM x WHERE NOT pout GROUP BY pv),
page AS (
  SELECT * FROM (SELECT x.*, false AS mine FROM x ORDER BY out, v DESC, employee_no COLLATE "C" LIMIT %(limit)s OFFSET %(offset)s) p
  UNION ALL SELECT x.*, true FROM x WHERE employee_no = %(me)s),
t AS (""" + TARGET_RULE.format(metric="%(metric)s").replace("GROUP BY staff_id", "AND staff_id IN (SELECT id FROM page) GROUP BY staff_id") + """)
SELECT s.employee_no, s.name, i.name, '' AS grp, to_char(page.v, 'FM999999990.00'), to_char(t.value, 'FM999999990.00'), round(page.v * 100.0 / NULLIF(t.value, 0), 1),
       CAST(%(progress)s AS float8), h.r, NOT page.out, CASE WHEN NOT page.out THEN '' WHEN s.active_from > %(start)s THEN '期中入职' ELSE '期中离职' END,
       CASE WHEN s.active_from <= %(pend)s THEN to_char(page.pv, 'FM999999990.00') END, hp.pr,
       CASE WHEN s.active_from <= %(pend)s THEN to_char(page.v - page.pv, 'FM999999990.00') END, hp.pr - h.r,
       page.mine, (SELECT count(*) FROM x)
FROM page JOIN org_staff s ON s.id = page.id JOIN org_institution i ON i.id = s.institution_id
LEFT JOIN h ON h.v = page.v AND NOT page.out LEFT JOIN hp ON hp.pv = page.pv AND NOT page.pout LEFT JOIN t ON t.staff_id = page.id
ORDER BY page.mine, page.out, page.v DESC, s.employee_no COLLATE "C"
"""
KEYS = ["key", "name", "institution", "group", "value", "target", "attainment_pct", "time_progress_pct", "rank", "ranked", "note",
        "previous_value", "previous_rank", "change", "rank_change"]

# Every figure of the branch league (the API's fields), in SQL: both weeks' loan sums by branch (the
# branch read off the credited institution's path), the target by the institutions' rule (set for the
# week under the branch, else a share of the month's, quarter's or year's), attainment, both ranks,
# change and rank change; the floor then renders the same keys with json.dumps.
BARE_BRANCHES = """
WITH sums AS (
  SELECT split_part(i.path, '/', 3) AS b,
         sum(l.amount) FILTER (WHERE l.disbursed_on >= %(start)s) AS v, sum(l.amount) FILTER (WHERE l.disbursed_on <= %(pend)s) AS pv
  FROM retail_credit_loan l JOIN org_institution i ON i.id = l.institution_id
  WHERE l.disbursed_on BETWEEN %(pstart)s AND %(end)s GROUP BY 1),
t AS (
  SELECT split_part(i.path, '/', 3) AS b, COALESCE(
    sum(t.value) FILTER (WHERE t.period_kind = 'week' AND t.period_start BETWEEN %(start)s AND %(end)s),
    round(sum(t.value) FILTER (WHERE t.period = %(month)s) * %(mshare)s, 2),
    round(sum(t.value) FILTER (WHERE t.period = %(quarter)s) * %(qshare)s, 2),
    round(sum(t.value) FILTER (WHERE t.period = %(year)s) * %(yshare)s, 2)) AS value
  FROM targets_target t JOIN org_institution i ON i.id = t.institution_id
  WHERE t.metric = %(metric)s AND t.context = '' AND i.path LIKE '/%%/%%/%%'
    AND ((t.period_kind = 'week' AND t.period_start BETWEEN %(start)s AND %(end)s) OR t.period IN (%(month)s, %(quarter)s, %(year)s))
  GROUP BY 1),
x AS (
  SELECT br.code, br.name, p.name AS place, coalesce(sums.v, 0) AS v, t.value AS tv, coalesce(sums.pv, 0) AS pv
  FROM org_institution br JOIN org_institution p ON p.id = br.parent_id
  LEFT JOIN sums ON sums.b = br.code LEFT JOIN t ON t.b = br.code
  WHERE br.kind = 'branch'),
y AS (SELECT x.*, RANK() OVER (ORDER BY v DESC) AS r, RANK() OVER (ORDER BY pv DESC) AS pr FROM x)
SELECT code, name, place, '' AS grp, to_char(v, 'FM999999999990.00'), to_char(tv, 'FM999999999990.00'), round(v * 100.0 / NULLIF(tv, 0), 1),
       CAST(%(progress)s AS float8), r, true, '', to_char(pv, 'FM999999999990.00'), pr, to_char(v - pv, 'FM999999999990.00'), pr - r
FROM y ORDER BY r, code
"""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- the measurements, shared with bench_national (the same on the national bank) ----------------


@dataclass
class Setting:
    """What every measurement of one bank needs: the last complete week, the head office, a client
    signed in as head office and a plain connection for the floors."""

    week: object
    head: object
    client: object
    conn: object
    me: str = ""  # the signed-in employee number (the API answers their own row beside a page)


@dataclass
class League:
    label: str
    ours_s: float
    bare_s: float
    rows: int
    floor_rows: int


@dataclass
class Built:
    seconds: float
    peak_mb: float
    megabytes: float
    code: str


@dataclass
class SheetFloor:
    """One sheet of a circular: our builder's seconds beside its statements replayed and its cells
    written bare."""

    name: str
    ours_s: float
    statements: int
    replay_s: float
    write_s: float
    rows: int


@dataclass
class CircularFloor:
    ours_s: float
    sheets: list[SheetFloor] = field(default_factory=list)

    @property
    def floor_s(self) -> float:
        return sum(x.replay_s + x.write_s for x in self.sheets)

    @property
    def statements(self) -> int:
        return sum(x.statements for x in self.sheets)


def setting(bench: common.Bench) -> Setting:
    bench.setup_django()
    from django.test import Client

    from org import clock
    from org.models import Institution, User
    from org.periods import Period

    week = Period.containing(clock.today(), "week").previous()
    head = Institution.objects.get(parent__isnull=True)
    user = User.objects.filter(scope_institution=head).first() or User.objects.filter(is_superuser=True).first()
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    me = getattr(getattr(user, "staff", None), "employee_no", "")
    return Setting(week=week, head=head, client=client, conn=floor_connection(bench), me=me)


def floor_connection(bench: common.Bench):
    """A plain connection for the floors, with the work_mem the product's reporting reads get
    (settings.REPORTING_WORK_MEM, org.db): the same server settings on both sides."""
    from django.conf import settings

    conn = bench.raw()
    if settings.REPORTING_WORK_MEM:
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('work_mem', %s, false)", [settings.REPORTING_WORK_MEM])
        conn.commit()
    return conn


def _api(client, url):
    def call():
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code} {response.content[:300]!r}")
        body = response.json()
        if "count" not in body:
            return len(body["rows"])
        return len(body["rows"]), body["count"], [_figures(r) for r in [*body["rows"], *([body["me"]] if body["me"] else [])]]
    return call


def _bare_rows(conn, sql, params):
    """A floor statement returning the API's fields in KEYS order, rendered as the API renders them
    (one dict per row, the arrow of the rank change, json.dumps)."""
    def call():
        with conn.cursor() as cur:
            cur.execute(sql, params)
            got = cur.fetchall()
        out, me, total = [], None, None
        for r in got:
            paged = len(r) > len(KEYS)  # a page of a person league: whether it is the caller's own row, and the count
            d = dict(zip(KEYS, r[:len(KEYS)], strict=True))
            moved = d["rank_change"]
            d["attainment_pct"] = None if d["attainment_pct"] is None else float(d["attainment_pct"])
            d["arrow"] = ("新" if d["previous_value"] is None and d["ranked"] else "") if moved is None else f"↑{moved}" if moved > 0 else f"↓{-moved}" if moved < 0 else "—"
            if paged:
                is_me, total = r[len(KEYS):]
                if is_me:
                    me = None if any(o["key"] == d["key"] for o in out) else d
                    continue
            out.append(d)
        if total is None and "offset" not in params:
            json.dumps({"rows": out}, ensure_ascii=False)
            return len(got)
        json.dumps({"count": total, "me": me, "rows": out}, ensure_ascii=False)
        return len(out), total, [_figures(r) for r in [*out, *([me] if me else [])]]
    return call


def _figures(row: dict) -> tuple:
    """What a check compares of a row answered by the endpoint and by its floor."""
    return tuple(row[k] for k in ("key", "name", "institution", "value", "target", "attainment_pct", "rank", "ranked", "note",
                                  "previous_value", "previous_rank", "change", "rank_change", "arrow"))


def league_month(week):
    """The last complete month before the end of `week` (the person league's period)."""
    from org import clock
    from org.periods import Period

    month = Period.containing(week.start, "month")
    return month if month.end < clock.today() else month.previous()


def _people_params(month) -> dict:
    """`BARE_PEOPLE`'s parameters for the person league on 进件数 of `month` (the page's window and
    the caller's number are added by each measurement)."""
    from org import clock
    from org.periods import Period
    from org.progress import time_progress
    from targets.selectors import monthly_percentages, period_share

    year, quarter = Period.year(month.start.year), Period.containing(month.start, "quarter")
    pct = {month.start.year: monthly_percentages(metric=APPS, year=month.start.year)}
    mlo, mhi = month.bounds()
    mplo, _ = month.previous().bounds()
    return {"lo": mlo, "hi": mhi, "plo": mplo, "start": month.start, "end": month.end, "pstart": month.previous().start,
            "pend": month.previous().end, "metric": APPS, "m_lo": month.start, "m_hi": month.end, "quarter": quarter.code, "year": year.code,
            "share": period_share(month, within=year, percentages_by_year=pct), "qshare": period_share(month, within=quarter, percentages_by_year=pct),
            "progress": round(100 * float(time_progress(month, at=clock.now())), 1)}


def league_people(bench: common.Bench, s: Setting, *, page: int = 1, size: int = 50) -> League:
    """A page of the person league on 进件数 for the last complete month (every person ranked), best
    of 3 beside its floor; `page=0`: the middle page of `size` rows."""
    month = league_month(s.week)
    params = _people_params(month)
    url = f"/api/v1/league?metric={APPS}&level=person&period={month.code}&page_size={size}"
    if not page:  # the middle page: the count from the first
        page = max(1, _api(s.client, url)()[1] // size // 2)
    params.update(offset=(page - 1) * size, limit=size, me=s.me)
    ours_s, bare_s, (n, count, ours), (m, floor_count, floors) = bench.best_of(_api(s.client, f"{url}&page={page}"), _bare_rows(s.conn, BARE_PEOPLE, params))
    if (n, count, ours) != (m, floor_count, floors):  # the floor answers the same figures, field for field
        wrong = next((a, b) for a, b in zip(ours + [None], floors + [None], strict=False) if a != b)
        raise RuntimeError(f"the person league's page {page}: {n} of {count:,} rows, its floor {m} of {floor_count:,}; first difference {wrong}")
    return League(f"{month.code}, page {page} of {size}", ours_s, bare_s, n, count)


BARE_TABLE = "<table>{% for r in rows %}<tr>{% for c in r %}<td>{{ c }}</td>{% endfor %}</tr>{% endfor %}</table>"


def league_page(bench: common.Bench, s: Setting) -> League:
    """The 排行榜 page (HTML) of the person league on 进件数 for the last complete month, as the head
    office opens it: its first page of 50 among every person ranked, best of 3, beside the same
    floor statement as the endpoint's page (`BARE_PEOPLE`) and a bare template of its rows."""
    from django.template import Context, Engine

    month = league_month(s.week)
    params = {**_people_params(month), "offset": 0, "limit": 50, "me": ""}
    bare = Engine().from_string(BARE_TABLE)
    url = f"/reporting/league/?metric={APPS}&level=person&period={month.code}"

    def ours():
        response = s.client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        return len(re.findall(r'<a href="/org/staff/[^"/]+/">', response.content.decode()))  # the people's rows

    def floor():
        with s.conn.cursor() as cur:
            cur.execute(BARE_PEOPLE, params)
            rows = [r[:-2] for r in cur.fetchall()]
        bare.render(Context({"rows": rows}))
        return len(rows)

    ours_s, bare_s, shown, n = bench.best_of(ours, floor)
    if shown != n:
        raise RuntimeError(f"the league page shows {shown} people, its floor {n}")
    return League(f"{month.code}, page 1 of 50", ours_s, bare_s, shown, n)


def league_branches(bench: common.Bench, s: Setting) -> League:
    """The branch league on 放款金额 (retail credit) for the last complete week, best of 9 beside its
    floor (a 20-row answer of a few milliseconds: more samples than the person league)."""
    from org import clock
    from org.periods import Period
    from org.progress import time_progress
    from targets.selectors import monthly_percentages, period_share

    week, before = s.week, s.week.previous()
    metric = "retail_credit.amount"
    coarse = {k: Period.containing(week.start, k) for k in ("month", "quarter", "year")}
    pct = {y: monthly_percentages(metric=metric, year=y) for y in {week.start.year, week.end.year}}
    params = {"start": week.start, "end": week.end, "pstart": before.start, "pend": before.end, "metric": metric,
              **{k: p.code for k, p in coarse.items()},
              **{f"{k[0]}share": period_share(week, within=p, percentages_by_year=pct) for k, p in coarse.items()},
              "progress": round(100 * float(time_progress(week, at=clock.now())), 1)}
    ours_s, bare_s, (n, _count, _rows), m = bench.best_of(_api(s.client, f"/api/v1/league?metric={metric}&level=branch&period={week.code}"),
                                                   _bare_rows(s.conn, BARE_BRANCHES, params), times=9)
    return League(week.code, ours_s, bare_s, n, m)


def head_office_circular(bench: common.Bench, s: Setting, *, keep: bool = False, times: int = 1) -> Built:
    """The head office's weekly circular built from scratch (the stored one deleted first) `times`
    times: the best seconds (as the floors' best) and the process's peak RSS. With `keep`, the last
    one stays stored in place of the deleted one."""
    from reporting import services
    from reporting.models import Circular

    best = None
    for i in range(times):
        for old in Circular.objects.filter(period=s.week.code, scope=s.head):
            old.file.delete(save=False)
            old.delete()
        before = _peak_mb()
        with bench.timer() as t:
            circular = services.circular_build(period=s.week, scope=s.head)
        if best is None or t.seconds < best.seconds:
            best = Built(t.seconds, max(before, _peak_mb()), circular.size / 1e6, s.week.code)
        if not keep or i < times - 1:
            circular.file.delete(save=False)
            circular.delete()
    return best


@contextlib.contextmanager
def _reads_captured(into: list):
    """Every SELECT the ORM or a raw Django cursor sends, on any alias, with its parameters."""
    from django.db import connections

    def wrapper(execute, sql, params, many, context):
        if not many and sql.lstrip()[:4].upper() in ("SELE", "WITH"):
            into.append((sql, params))
        return execute(sql, params, many, context)

    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(wrapper))
        yield


def _distinct(statements) -> list:
    """Each distinct statement once: the floor computes each figure once, however often we ask."""
    seen, out = set(), []
    for sql, params in statements:
        key = (sql, repr(params))
        if key not in seen:
            seen.add(key)
            out.append((sql, params))
    return out


def _replay(conn, statements) -> float:
    started = time.perf_counter()
    with conn.cursor() as cur:
        for sql, params in statements:
            cur.execute(sql, params)
            cur.fetchall()
    return time.perf_counter() - started


def _bare_write(name: str, header: list, rows: list, formats: list) -> float:
    """The same cells in a write-only workbook of its own: openpyxl's floor. A number in a column
    with a number format (万元, integers, percentages) goes through one cell carrying that format
    per column, reused row after row (as the circular does); every other value goes in plain (no
    escaping, no header style, no title row, no widths)."""
    from decimal import Decimal

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(name)
    ws.append(header)
    cells = []
    for fmt in formats:
        cell = None
        if fmt is not None:
            cell = WriteOnlyCell(ws)
            cell.number_format = fmt
        cells.append(cell)
    for r in rows:
        out = []
        for v, cell in zip(r, cells, strict=True):
            if cell is None or isinstance(v, str):
                out.append(v)
            else:
                cell.value = float(v) if isinstance(v, Decimal) else v
                out.append(cell)
        ws.append(out)
    wb.save(io.BytesIO())
    return time.perf_counter() - started


def head_office_circular_floor(bench: common.Bench, s: Setting, built: Built) -> CircularFloor:
    """The floor of the head office's weekly circular, sheet by sheet: each builder run once, in order
    and sharing figures as in the build, with its SELECTs captured (our seconds for the sheet), its
    distinct statements no earlier sheet sent replayed on a plain connection and the sheet's cells
    written bare. The whole build's seconds (`built`) are set against the sum."""
    from org import circular_sheets
    from org.db import reporting_reads
    from org.memo import build_memo
    from reporting.services import FORMATS

    out = CircularFloor(ours_s=built.seconds)
    notes = 0
    seen: set = set()
    with build_memo():  # the sheets share figures as in the build (org.memo)
        for builder in circular_sheets.builders_for(s.week.kind):
            statements: list = []
            started = time.perf_counter()
            with reporting_reads(), _reads_captured(statements):
                data = builder.build(period=s.week, scope=s.head)
            ours = time.perf_counter() - started
            notes += len(data.columns)
            # Statements an earlier sheet already replayed are not counted again (the whole build
            # computes them once, org.memo).
            statements = [x for x in _distinct(statements) if (x[0], repr(x[1])) not in seen]
            seen.update((sql, repr(params)) for sql, params in statements)
            replay = min(_replay(s.conn, statements) for _ in range(2))
            formats = [FORMATS[c.format] for c in data.columns]
            write = min(_bare_write(builder.name, [c.header for c in data.columns], data.rows, formats) for _ in range(2))
            out.sheets.append(SheetFloor(builder.name, ours, len(statements), replay, write, len(data.rows)))
    # The 说明 sheet: one row per column of every sheet, no statement.
    out.sheets.append(SheetFloor("说明", 0.0, 0, 0.0, _bare_write("说明", ["工作表", "列名", "定义", "规则版本"], [["", "", "", ""]] * notes, [None] * 4), notes))
    return out


def run(bench: common.Bench) -> list[common.Row]:
    bench.ensure_regional()
    s = setting(bench)
    rows: list[common.Row] = []
    try:
        for page, size in ((1, 50), (0, 500)):
            people = league_people(bench, s, page=page, size=size)
            rows.append(common.row(f"league endpoint, every person of the bank on 进件数 ranked ({people.floor_rows:,}), {people.label}, best of 3",
                                   people.ours_s, "s", "bare SQL of every field (both months in one scan, ranks off a histogram, the page, the count, the page's targets) + json.dumps of the same rows",
                                   people.bare_s, note=f"{people.rows} rows and the caller's own answered; goal ≤ 2×"))
        page = league_page(bench, s)
        rows.append(common.row(f"league page (HTML, 排行榜) of the head office, every person on 进件数 ranked, {page.label}, best of 3", page.ours_s, "s",
                               "the endpoint's floor statement for the same page + a bare template of its rows", page.bare_s,
                               note=f"{page.rows} rows shown; the page reads only them (kit Windowed); goal ≤ 2×"))
        branches = league_branches(bench, s)
        rows.append(common.row(f"league endpoint, branches on 放款金额 (retail credit), {branches.label} ({branches.rows} rows), best of 9", branches.ours_s * 1000, "ms",
                               "bare SQL of every field (both weeks, target rule, RANK()) + json.dumps of the same rows", branches.bare_s * 1000, note="goal ≤ 2×"))
    finally:
        s.conn.close()

    built = head_office_circular(bench, s, times=2)
    s.conn = floor_connection(bench)
    try:
        floor = head_office_circular_floor(bench, s, built)
    finally:
        s.conn.close()
    rows.append(common.row(f"the head office's weekly circular {built.code}, every sheet ({built.megabytes:.1f} MB), best of 2", built.seconds, "s",
                           f"its {floor.statements:,} distinct SELECTs replayed on a plain connection + the same cells written bare (openpyxl write-only)",
                           floor.floor_s, note=f"peak RSS of the process {built.peak_mb:.0f} MB; goal ≤ 1.5×, < 60 s and < 500 MB"))
    for x in floor.sheets:
        if x.statements:
            rows.append(common.row(f"  sheet {x.name} ({x.rows:,} rows): its builder, after the sheets above", x.ours_s, "s",
                                   f"its {x.statements} SELECTs not replayed for an earlier sheet", x.replay_s, note=f"its cells written bare {x.write_s:.2f} s"))
    return rows
