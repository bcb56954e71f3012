"""League tables (SPEC §6) for every registered metric at every level, read through each metric's own
`actuals` (targets.registry) — one definition of each figure — and the targets of `targets`.

A table ranks by the metric's value (its direction: fewer violations rank first), ties share a rank
and the next skips (1, 2, 2, 4; `org.ranking.competition_ranks`). Persons not in post for the whole
period (joined after its start or left before its end) are listed, marked and not ranked. Each row
carries the previous period's value and rank and the change (a person new this period has none).
Levels: person, outlet, sub_branch, branch (institutions each over their subtree, facts rolled up by
the institution they were credited to) and head_office (the bank as one row).

Person breakdowns: team (正式 / 外包 / 大堂 / 市场 / 社区) for every metric, and the metric's own groups
(`Metric.person_groups`, e.g. the retail-credit tier); a breakdown ranks within the group."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.db.models.expressions import RawSQL

from org import clock
from org.bulk import db_decimal, in_ids
from org.db import read_connection, reporting_reads
from org.memo import build_memo
from org.models import EmploymentType, Institution, InstitutionKind, Staff
from org.periods import Period
from org.progress import time_progress
from org.ranking import competition_ranks
from targets import registry
from targets.selectors import institution_targets, staff_target_rows, staff_targets

LEVELS = {
    "person": "人员", "outlet": "网点", "sub_branch": "支行", "branch": "分行", "head_office": "全行",
}
TEAMS = {
    "formal": ("正式员工", Q(employment_type=EmploymentType.FORMAL)),
    "outsourced": ("外包人员", Q(employment_type=EmploymentType.OUTSOURCED)),
    "lobby": ("大堂经理", Q(positions__contains=";lobby_manager;")),
    "market": ("市场经理", Q(positions__contains=";market_manager;")),
    "community": ("社区经理", Q(positions__contains=";community_manager;")),
}
ZERO = Decimal(0)
PERSON_FIELDS = ("id", "employee_no", "active_from", "active_to")  # what a person league ranks by, in this order


@dataclass(slots=True)
class LeagueRow:
    key: str  # employee number or institution code
    name: str
    institution_name: str
    value: Decimal
    target: Decimal | None = None
    time_progress: float = 0.0
    rank: int | None = None
    ranked: bool = True
    note: str = ""
    previous_value: Decimal | None = None
    previous_rank: int | None = None
    group: str = ""
    pk: int = 0

    @property
    def attainment(self) -> float | None:
        return float(self.value / self.target) if self.target else None

    @property
    def behind(self) -> bool:
        return self.attainment is not None and self.attainment < self.time_progress

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_value is None else self.value - self.previous_value

    @property
    def rank_change(self) -> int | None:
        """Places gained (positive) or lost since the previous period."""
        return None if self.rank is None or self.previous_rank is None else self.previous_rank - self.rank

    @property
    def arrow(self) -> str:
        moved = self.rank_change
        if moved is None:
            return "新" if self.previous_value is None and self.ranked else ""
        return f"↑{moved}" if moved > 0 else f"↓{-moved}" if moved < 0 else "—"


@dataclass
class League:
    metric: registry.Metric
    level: str
    period: Period
    root: Institution
    rows: list[LeagueRow] = field(default_factory=list)
    rule_version: str = ""
    team: str = ""
    group: str = ""
    count: int = 0  # every row of the table; `rows` holds the asked window of them
    me: LeagueRow | None = None  # the asked person's row when it falls outside the window
    groups: list[str] = field(default_factory=list)  # the metric's person groups present (a tier …), for a filter

    @property
    def ranks_by(self) -> str:
        direction = "从高到低" if self.metric.higher_is_better else "从低到高"
        return f"按{self.metric.name}（{self.metric.unit}）{direction}排名；并列同名次，下一名次跳过"


def _in_post_whole(staff: Staff, period: Period) -> bool:
    return staff.active_from <= period.start and (staff.active_to is None or staff.active_to >= period.end)


def _people(metric: registry.Metric, period: Period, root: Institution, team: str):
    # Only the fields a table needs (tens of thousands of people on the bank's table); institution
    # names come from one query in `_person_rows`.
    people = Staff.objects.filter(institution__path__startswith=root.path, active_from__lte=period.end).filter(
        Q(active_to__isnull=True) | Q(active_to__gte=period.start)).only(
        "id", "employee_no", "name", "active_from", "active_to", "institution_id", "tier", "positions", "employment_type")
    if metric.positions:
        carries = Q()
        for code in metric.positions:
            carries |= Q(positions__contains=f";{code};")
        people = people.filter(carries)
    if team:
        people = people.filter(TEAMS[team][1])
    return people.order_by("employee_no")


def _rank(rows: list[LeagueRow], higher_is_better: bool) -> None:
    ranked = [r for r in rows if r.ranked]
    for r, rank in zip(ranked, competition_ranks([r.value for r in ranked], higher_is_better=higher_is_better), strict=True):
        r.rank = rank


def _person_rows(metric, period: Period, people: list[Staff], *, with_targets: bool) -> tuple[list[LeagueRow], str]:
    """Rows from the metric's `actuals` (metrics without a grouped `staff_query`), ranked in Python."""
    values = metric.actuals(period=period, staff=people)
    targets = staff_targets(metric=metric.code, staff=people, period=period) if with_targets else {}
    names = dict(Institution.objects.filter(pk__in={s.institution_id for s in people}).values_list("pk", "name")) if with_targets else {}
    rows = []
    for s in people:
        whole = _in_post_whole(s, period)
        t = targets.get(s.pk)
        rows.append(LeagueRow(
            s.employee_no, s.name, names.get(s.institution_id, ""), values.by_staff.get(s.pk, ZERO), t.value if t else None, ranked=whole,
            note="" if whole else ("期中入职" if s.active_from > period.start else "期中离职"), pk=s.pk,
        ))
    return rows, values.rule_version


def _person_rows_sql(metric, period: Period, people_sql: str, people_params: list, *, window: tuple[int, int] | None = None,
                     me: str = "", part: bool = True, search: str = "") -> tuple[list[LeagueRow], int, LeagueRow | None]:
    """Every person's value, target, rank, previous value and previous rank in one statement: the
    metric's grouped `staff_query` of both periods joined to the people, ranked among those in post
    the whole period (the previous rank among those in post the whole previous period), in the
    table's order (`_ordered`). Same figures as `_person_rows`, without a Python pass over the
    facts or the ranks.

    A rank is 1 + how many people of its partition have a better value, read off a histogram of
    the values (people grouped by value, counts summed in the metric's direction) rather than a
    sort of every person; a `window` (offset, limit) returns only those rows of the order (a top-N
    sort), and names, institutions and targets are looked up for them alone — a page of 300,000
    people costs one pass over them. With `me` (an employee number), that person's row comes back
    too when it lies outside the window. With `part` (the people are some of the bank's: a branch or
    below, a team, a group), only their facts are read (by the person's index) rather than every
    person's facts of the periods. With `search`, the rows (and the count) are those whose employee
    number or name contains it, each with its rank among everyone. Returns (rows, count of every
    row, me's row or None)."""
    previous = period.previous()

    def theirs(query):
        return query.filter(staff_id__in=RawSQL("SELECT id FROM s", [])) if part else query

    if metric.staff_values is not None:  # both periods in one scan of the facts
        both_sql, facts_params = theirs(metric.staff_values([period, previous])).query.sql_with_params()
        facts = f"ab(staff_id, v, pv) AS ({both_sql})"
        join_facts = "LEFT JOIN ab ON ab.staff_id = st.id"
        values = "COALESCE(ab.v, 0) AS v, COALESCE(ab.pv, 0) AS pv"
    else:
        cur_sql, cur_params = theirs(metric.staff_query(period)).query.sql_with_params()
        prev_sql, prev_params = theirs(metric.staff_query(previous)).query.sql_with_params()
        facts, facts_params = f"a(staff_id, value) AS ({cur_sql}), b(staff_id, value) AS ({prev_sql})", [*cur_params, *prev_params]
        join_facts = "LEFT JOIN a ON a.staff_id = st.id LEFT JOIN b ON b.staff_id = st.id"
        values = "COALESCE(a.value, 0) AS v, COALESCE(b.value, 0) AS pv"
    target_sql, target_params = (staff_target_rows(metric=metric.code, period=period).filter(staff_id__in=RawSQL("SELECT id FROM page", []))
                                 .values("staff_id", "value").query.sql_with_params())
    connection = read_connection()
    order = "DESC" if metric.higher_is_better else "ASC"
    binary = ' COLLATE "C"' if connection.vendor == "postgresql" else ""  # Python's order of strings
    rank = "CAST(1 + COALESCE(SUM(COUNT(*)) OVER (PARTITION BY {p} ORDER BY {v} " + order + " ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS INTEGER)"
    limit = "LIMIT %s OFFSET %s" if window is not None else ""
    match, match_params = "", []
    if search:  # the ORM's icontains: its LIKE escaping and case rules on every database
        found_sql, match_params = Staff.objects.filter(Q(employee_no__icontains=search) | Q(name__icontains=search)).values("id").query.sql_with_params()
        match, match_params = f"WHERE x.id IN ({found_sql})", list(match_params)
    sql = f"""
WITH s(id, employee_no, active_from, active_to) AS ({people_sql}), {facts},
x AS (
  SELECT st.id, st.employee_no, {values},
         CASE WHEN st.active_from <= %s AND (st.active_to IS NULL OR st.active_to >= %s) THEN 0 ELSE 1 END AS out,
         CASE WHEN st.active_from <= %s AND (st.active_to IS NULL OR st.active_to >= %s) THEN 0 ELSE 1 END AS pout
  FROM s st {join_facts}),
h AS (SELECT out, v, {rank.format(p="out", v="v")} AS r FROM x WHERE out = 0 GROUP BY out, v),
hp AS (SELECT pout, pv, {rank.format(p="pout", v="pv")} AS pr FROM x WHERE pout = 0 GROUP BY pout, pv),
page AS (
  SELECT * FROM (SELECT x.*, 0 AS mine FROM x {match} ORDER BY out, v {order}, employee_no{binary} {limit}) p
  UNION ALL SELECT x.*, 1 FROM x WHERE x.employee_no = %s),
t(staff_id, value) AS ({target_sql})
SELECT page.id, st.employee_no, st.name, i.name, page.v, t.value, page.out, st.active_from > %s, st.active_from <= %s, page.pv, h.r, hp.pr,
       page.mine, (SELECT COUNT(*) FROM x {match})
FROM page JOIN org_staff st ON st.id = page.id JOIN org_institution i ON i.id = st.institution_id
LEFT JOIN h ON h.out = page.out AND h.v = page.v LEFT JOIN hp ON hp.pout = page.pout AND hp.pv = page.pv LEFT JOIN t ON t.staff_id = page.id
ORDER BY page.mine, page.out, page.v {order}, st.employee_no{binary}"""
    params = [*people_params, *facts_params, period.start, period.end, previous.start, previous.end, *match_params,
              *([window[1], window[0]] if window is not None else []), me, *target_params, period.start, previous.end, *match_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rows, mine, count = [], None, fetched[0][-1] if fetched else 0
    for pk, no, name, place, v, tv, out, joined_during, was, pv, rank_now, rank_before, is_me, _count in fetched:
        row = LeagueRow(
            no, name, place, db_decimal(v), None if tv is None else db_decimal(tv), rank=None if out else rank_now, ranked=not out,
            note="期中入职" if out and joined_during else "期中离职" if out else "", previous_value=db_decimal(pv) if was else None,
            previous_rank=rank_before, pk=pk,
        )
        if not is_me:
            rows.append(row)
        elif all(r.pk != pk for r in rows):
            mine = row
    if not fetched and window is not None and window[0] > 0:  # past the end: how many there are, for the message
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({people_sql}) x {match}", [*people_params, *match_params])
            count = cursor.fetchone()[0]
    return rows, count, mine


def _institutions(level: str, root: Institution) -> list[Institution]:
    if level == "head_office":
        return [Institution.objects.filter(parent__isnull=True).first() or root] if root.parent_id is None else [root]
    kind = {"outlet": InstitutionKind.OUTLET, "sub_branch": InstitutionKind.SUB_BRANCH, "branch": InstitutionKind.BRANCH}[level]
    return list(Institution.objects.filter(kind=kind, path__startswith=root.path).select_related("parent").order_by("path"))


def league(*, metric_code: str, level: str, period: Period, root: Institution, team: str = "", group: str = "", at: dt.datetime | None = None,
           window: tuple[int, int] | None = None, me: str = "", search: str = "") -> League:
    """The league table of `metric_code` at `level` under `root` for `period`, with the previous
    period's value and rank of each row (read from the replica when one is configured: org.db;
    figures both periods share, such as a scheme, read once: org.memo).

    `window` (offset, limit) keeps those rows of the table's order in `rows` (`count` holds how many
    there are in all; a person league ranks every person in the database and returns only these),
    and `me` (an employee number or institution code) puts that row in `League.me` when it lies
    outside the window. `search` keeps the rows whose key (employee number, institution code) or
    name contains it (case aside), ranked among everyone as in the whole table; `count` is then how
    many match. Raises ApplicationError for an unknown metric."""
    # Institutions' tables sort a few thousand rows at most: the server's own work_mem serves them.
    with reporting_reads(large=level not in ("outlet", "sub_branch", "branch", "head_office")), build_memo():
        return _league(metric_code=metric_code, level=level, period=period, root=root, team=team, group=group, at=at, window=window, me=me,
                       search=search.strip())


def _league(*, metric_code, level, period, root, team, group, at, window, me, search="") -> League:
    metric = registry.get(metric_code)
    if level not in LEVELS:
        level = "person"
    if level != "person":
        team = group = ""
    out = League(metric=metric, level=level, period=period, root=root, team=team, group=group)
    progress = time_progress(period, at=at or clock.now())
    previous = period.previous()
    if level == "person" and metric.staff_query is not None:
        query = _people(metric, period, root, team)
        groups = {}
        if metric.person_groups:  # a few thousand people at most (loan officers): their groups in Python
            people = list(query)
            groups = metric.person_groups[0][1](people, period)
            out.groups = sorted({g for g in groups.values() if g})
            if group:
                people = [s for s in people if groups.get(s.pk) == group]
            query = Staff.objects.filter(pk__in=in_ids([s.id for s in people]))
        people_sql, people_params = query.values(*PERSON_FIELDS).order_by().query.sql_with_params()
        rows, out.count, out.me = _person_rows_sql(metric, period, people_sql, list(people_params), window=window, me=me,
                                                   part=bool(root.parent_id or team or group or metric.positions), search=search)
        for r in [*rows, *([out.me] if out.me else [])]:
            r.group = groups.get(r.pk, "")
            r.time_progress = progress
        out.rule_version = metric.actuals(period=period).rule_version
    elif level == "person":
        people = list(_people(metric, period, root, team))
        groups = metric.person_groups[0][1](people, period) if metric.person_groups else {}
        out.groups = sorted({g for g in groups.values() if g})
        if group and metric.person_groups:
            people = [s for s in people if groups.get(s.pk) == group]
        rows, out.rule_version = _person_rows(metric, period, people, with_targets=True)
        before_people = [s for s in people if s.active_from <= previous.end]
        before = {r.pk: r for r in _person_rows(metric, previous, before_people, with_targets=False)[0]}
        _rank(list(before.values()), metric.higher_is_better)
        for r in rows:
            b = before.get(r.pk)
            if b is not None:
                r.previous_value, r.previous_rank = b.value, b.rank
            r.group = groups.get(r.pk, "")
    else:
        nodes = _institutions(level, root)
        if metric.institution_values is not None:  # both periods in one scan of the facts
            now, then = metric.institution_values(periods=[period, previous], institutions=nodes)
            out.rule_version = metric.actuals(period=period).rule_version
        else:
            values = metric.actuals(period=period, institutions=nodes)
            now, then, out.rule_version = values.by_institution, metric.actuals(period=previous, institutions=nodes).by_institution, values.rule_version
        targets = institution_targets(metric=metric.code, nodes=nodes, period=period)
        rows = []
        for n in nodes:
            t = targets.get(n.pk)
            rows.append(LeagueRow(n.code, n.name, n.parent.name if n.parent_id else "", now.get(n.pk, ZERO), t.value if t else None,
                                  previous_value=then.get(n.pk, ZERO), pk=n.pk))
        prev_rows = [LeagueRow(r.key, r.name, "", r.previous_value, pk=r.pk) for r in rows]
        _rank(prev_rows, metric.higher_is_better)
        for r, p in zip(rows, prev_rows, strict=True):
            r.previous_rank = p.rank
    if level == "person" and metric.staff_query is not None:  # ranked, ordered and windowed in the database
        out.rows = rows
        out.count = out.count if window is not None else len(rows)
        return out
    for r in rows:
        r.time_progress = progress
    _rank(rows, metric.higher_is_better)
    rows = _ordered(rows, metric.higher_is_better)
    if search:  # as the statement above: the key or the name contains it, case aside
        needle = search.casefold()
        rows = [r for r in rows if needle in r.key.casefold() or needle in r.name.casefold()]
    out.count = len(rows)
    if window is not None:
        offset, limit = window
        out.me = next((r for i, r in enumerate(rows) if r.key == me and not offset <= i < offset + limit), None) if me else None
        rows = rows[offset:offset + limit]
    out.rows = rows
    return out


def _ordered(rows: list[LeagueRow], higher_is_better: bool) -> list[LeagueRow]:
    """A table's order (the same as `_person_rows_sql`'s): the ranked first, then those not in
    post the whole period; each by value in the metric's direction, then by key."""
    sign = -1 if higher_is_better else 1
    return sorted(rows, key=lambda r: (not r.ranked, sign * r.value, r.key))


CHILD_LEVEL = {InstitutionKind.HEAD_OFFICE: "branch", InstitutionKind.BRANCH: "sub_branch", InstitutionKind.SUB_BRANCH: "outlet"}


def institution_league_sheet(*, period: Period, scope: Institution):
    """`机构排名` of a circular: for every metric carried at the level below the scope (branches of
    the head office, sub-branches of a branch, outlets of a sub-branch), each institution's value,
    target, attainment, rank and the change against the previous period."""
    from org.circular_sheets import Column, SheetData

    level = CHILD_LEVEL.get(scope.kind)
    columns = [
        Column("指标", "已登记可设目标的指标", width=16), Column("指标代码", "指标的唯一代码（同名指标按条线区分）", width=22), Column("排名", "本期按该指标排名（方向见说明；并列同名次，下一名次跳过）", "int", 6),
        Column("机构号", f"{LEVELS.get(level or 'outlet')}机构号", width=10), Column("机构", "机构名称（数值含其下所有机构，按事实发生时所在机构归属）", width=18),
        Column("数值", "本期数值；金额单位万元", "decimal", 12), Column("目标", "本期目标（目标分解；未设为空）", "decimal", 12),
        Column("达成率", "数值 ÷ 目标", "percent", 9), Column("上期", "上一期的数值", "decimal", 12),
        Column("较上期", "本期 − 上期", "decimal", 12), Column("名次变化", "↑ 上升、↓ 下降的名次数；— 不变", width=9),
    ]
    rows = []
    if level is None:
        return SheetData(columns=columns, rows=rows)
    for metric in registry.metrics():
        if level not in metric.levels:
            continue
        table = league(metric_code=metric.code, level=level, period=period, root=scope)
        scale = Decimal(10000) if metric.is_money else Decimal(1)
        for r in table.rows:
            rows.append([f"{metric.name}（{metric.unit}）", metric.code, r.rank, r.key, r.name, r.value / scale, r.target / scale if r.target is not None else None,
                         r.attainment, r.previous_value / scale if r.previous_value is not None else None,
                         r.change / scale if r.change is not None else None, r.arrow])
    return SheetData(columns=columns, rows=rows)
