"""Quarterly rankings of customer managers within each sub-branch, exit candidates, top-3 rewards
and the elite club (SPEC §11), all by the `MarketingRule` in force on the quarter's last day.

Who: staff holding one of the rule's positions, employed some day of the quarter, placed by the
sub-branch they belonged to on the quarter's last day. Only people *in the role for the whole
quarter* — employed from its first to its last day and in the same sub-branch on both days — are
ranked; the others are listed with `ranked=False` and the reason, and never take a rank, a reward,
an exit or a club place. Points are one grouped query (`staff_points_query`) inside one statement
that ranks with RANK() within each sub-branch; the elite club ranks bank-wide with `org.ranking` (ties share a rank, the next one skips: 1, 2, 2, 4)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from org.bulk import db_decimal
from org.db import read_connection
from org.models import Institution, InstitutionKind
from org.periods import Period
from org.ranking import competition_ranks
from org.selectors import subtree_sql

from ..models import MarketingRule, PointsTable
from .points import CENT, ZERO, parsed_bands, rule_in_force, staff_points_query


@dataclass
class RankRow:
    staff_id: int
    employee_no: str
    name: str
    institution_id: int
    institution_name: str
    sub_branch_id: int | None
    sub_branch_name: str
    points: Decimal
    ranked: bool
    note: str = ""
    rank: int | None = None
    of: int = 0  # ranked people in the sub-branch
    reward: Decimal = ZERO
    bottom: bool = False  # among the rule's last N of the sub-branch
    band: str = ""


@dataclass
class QuarterRanking:
    quarter: Period
    rule: MarketingRule
    rows: list[RankRow] = field(default_factory=list)

    def by_staff(self) -> dict[int, RankRow]:
        return {r.staff_id: r for r in self.rows}


def quarter_ranking(*, quarter: Period, root: Institution | None = None) -> QuarterRanking:
    """Every customer manager of `root`'s subtree (whole bank when None) for the quarter, ranked
    within their sub-branch: one statement (`_ranking_sql`) whatever the number of people — the
    points from `staff_points_query`, the sub-branch and the whole-quarter rule joined in, RANK()
    within the sub-branch (with the headcount and ties that place the bottom N)."""
    rule = rule_in_force(quarter.end)
    has_table = PointsTable.objects.filter(effective_from__lte=quarter.end).exists()
    # Rank whole sub-branches even when `root` is an outlet: its sub-branch is the field.
    field_root = None
    if root is not None:
        field_root = root if root.kind != InstitutionKind.OUTLET and root.kind != InstitutionKind.DEPARTMENT else (root.parent or root)
    sql, params = _ranking_sql(quarter, rule, field_root=field_root, root=root, has_table=has_table)
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rewards = [Decimal(str(a)) for a in rule.rewards]
    rows = []
    ties = Counter((f[5], f[11]) for f in fetched if not f[8])  # people sharing a rank in a sub-branch
    for pk, no, name, inst_id, inst_name, sub_id, sub_name, points, why, since, until, rank, of, band in fetched:
        points = points if type(points) is Decimal else _dec(points)
        row = RankRow(pk, no, name, inst_id, inst_name, sub_id, sub_name or "—", points, ranked=not why, band=band)
        if why:
            row.note = _note(why, since, until)
        else:
            row.rank, row.of = rank, of
            # Rewards by position: everyone sharing a rank gets that position's amount.
            row.reward = rewards[rank - 1] if rank <= len(rewards) else ZERO
            # Bottom N: fewer than N ranked people have strictly fewer points (the others are the
            # rank − 1 above and the ties).
            row.bottom = of - (rank - 1) - ties[sub_id, rank] < rule.exit_bottom
        rows.append(row)
    return QuarterRanking(quarter, rule, rows)


def _dec(value) -> Decimal:
    return db_decimal(value).quantize(CENT)


NOTES = {  # why a person is not ranked, by the code the statement answers
    1: "本季度无生效的产品计分表，不排名",
    2: "{since:%Y-%m-%d} 入职/到岗，未满整季度",
    3: "{until:%Y-%m-%d} 离岗，未满整季度",
    4: "季度内调入本支行，未满整季度",
}


def _note(why: int, since, until) -> str:
    # SQLite answers dates as text.
    since = since if isinstance(since, dt.date) or since is None else dt.date.fromisoformat(str(since))
    until = until if isinstance(until, dt.date) or until is None else dt.date.fromisoformat(str(until))
    return NOTES[why].format(since=since, until=until)


def _ranking_sql(quarter: Period, rule: MarketingRule, *, field_root, root, has_table: bool) -> tuple[str, list]:
    """One statement: per person of the rule's positions employed some day of the quarter — the
    institution and sub-branch of the last day (the roster's when no assignment covers it), the
    sub-branch of the first day, the points, why they are not ranked (0 when ranked), the rank and
    headcount within the sub-branch (one sort serves both) and the pay band.

    An institution's sub-branch is itself, its parent or its grandparent (the tree of SPEC §2 puts
    outlets and departments right under a sub-branch); NULL above sub-branches."""
    points_sql, points_params = staff_points_query(quarter).query.sql_with_params()
    lo, hi = quarter.start, quarter.end
    sub = InstitutionKind.SUB_BRANCH.value
    role = " OR ".join(["s.positions LIKE %s"] * len(rule.positions)) or "1 = 0"
    role_params = [f"%;{code};%" for code in rule.positions]
    on_day = "{a}.staff_id = s.id AND {a}.valid_from <= %s AND ({a}.valid_to IS NULL OR {a}.valid_to >= %s)"
    bands = parsed_bands(rule)
    band_sql = "CASE " + " ".join("WHEN points >= %s THEN %s" for _ in bands[1:][::-1]) + " ELSE %s END" if len(bands) > 1 else "%s"
    band_params = [p for lower, label, _ratio in bands[1:][::-1] for p in (lower, label)] + [bands[0][1]]
    where_field, field_params = ("", [])
    if field_root is not None:
        where_field, field_params = subtree_sql("e.path", field_root, connection)
        where_field = f"AND {where_field}"
    where_root, root_params = ("", [])
    if root is not None:
        where_root, root_params = subtree_sql("r.path", root, connection)
        where_root = f"WHERE {where_root}"
    m = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    c = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    sql = f"""
WITH pts AS ({points_sql}),
inst AS {m}(
  SELECT e.id, e.name, e.path,
         CASE WHEN e.kind = '{sub}' THEN e.id WHEN ep.kind = '{sub}' THEN ep.id WHEN eg.kind = '{sub}' THEN eg.id END AS sub_id
  FROM org_institution e LEFT JOIN org_institution ep ON ep.id = e.parent_id LEFT JOIN org_institution eg ON eg.id = ep.parent_id
),
people AS (
  SELECT s.id, s.employee_no, s.name, s.active_from, s.active_to,
         COALESCE(ae.institution_id, s.institution_id) AS end_id, ast.institution_id AS start_id
  FROM org_staff s
  LEFT JOIN org_staffassignment ae ON {on_day.format(a="ae")}
  LEFT JOIN org_staffassignment ast ON {on_day.format(a="ast")}
  WHERE ({role}) AND s.active_from <= %s AND (s.active_to IS NULL OR s.active_to >= %s)
),
judged AS {m}(
  SELECT p.id, p.employee_no, p.name, p.active_from, p.active_to, e.id AS inst_id, e.name AS inst_name, e.path, e.sub_id,
         COALESCE(pts.value, 0) AS points,
         CASE WHEN %s THEN 1 WHEN p.active_from > %s THEN 2 WHEN p.active_to IS NOT NULL AND p.active_to < %s THEN 3
              WHEN p.start_id IS NOT NULL AND COALESCE(b.sub_id, 0) <> COALESCE(e.sub_id, 0) THEN 4 ELSE 0 END AS why
  FROM people p JOIN inst e ON e.id = p.end_id LEFT JOIN inst b ON b.id = p.start_id LEFT JOIN pts ON pts.staff_id = p.id
  WHERE 1 = 1 {where_field}
),
ranked AS (
  SELECT j.*, RANK() OVER (PARTITION BY why, sub_id ORDER BY points DESC) AS rnk,
         COUNT(*) OVER (PARTITION BY why, sub_id) AS n, {band_sql} AS band
  FROM judged j
)
SELECT r.id, r.employee_no, r.name, r.inst_id, r.inst_name, r.sub_id, sb.name, r.points, r.why, r.active_from, r.active_to, r.rnk, r.n, r.band
FROM ranked r LEFT JOIN org_institution sb ON sb.id = r.sub_id {where_root}
ORDER BY sb.path{c}, r.why <> 0, r.rnk, r.employee_no{c}"""
    params = [*points_params, hi, hi, lo, lo, *role_params, hi, lo, has_table is False, lo, hi, *field_params, *band_params, *root_params]
    return sql, params


@dataclass
class ExitCandidate:
    row: RankRow
    quarters: list[str]


def exit_candidates(*, quarter: Period, root: Institution | None = None) -> list[ExitCandidate]:
    """People in their sub-branch's bottom N for the rule's number of consecutive quarters ending
    with `quarter` (any better quarter in between resets it), naming the quarters that caused it."""
    rule = rule_in_force(quarter.end)
    quarters = [quarter]
    while len(quarters) < rule.exit_quarters:
        quarters.append(quarters[-1].previous())
    rankings = [quarter_ranking(quarter=q, root=root).by_staff() for q in quarters]
    out = []
    for row in rankings[0].values():
        if all((r := ranking.get(row.staff_id)) is not None and r.ranked and r.bottom for ranking in rankings):
            out.append(ExitCandidate(row, [q.code for q in reversed(quarters)]))
    out.sort(key=lambda c: (c.row.sub_branch_name, c.row.points))
    return out


def elite_candidates(*, quarter: Period) -> tuple[list[RankRow], int]:
    """The elite club of the quarter: the bank's top share (default 10 %) of ranked customer managers
    by points, at most the cap (default 50). Ranks are bank-wide; a tie across the limit leaves the
    whole tied group out, so the club never exceeds the cap. Returns (members with their bank-wide
    rank in `rank`, limit)."""
    ranking = quarter_ranking(quarter=quarter)
    ranked = [r for r in ranking.rows if r.ranked and r.points > 0]
    limit = min(ranking.rule.elite_cap, math.floor(len(ranked) * ranking.rule.elite_share)) if ranked else 0
    if ranked and limit == 0:
        limit = 1
    ranks = competition_ranks([r.points for r in ranked])
    chosen = [RankRow(**{**r.__dict__, "rank": rank}) for r, rank in zip(ranked, ranks, strict=True) if rank <= limit]
    if len(chosen) > limit:
        worst = max(c.rank for c in chosen)
        chosen = [c for c in chosen if c.rank != worst]
    chosen.sort(key=lambda c: (c.rank, c.employee_no))
    return chosen, limit
