"""Quarterly rankings of customer managers within each sub-branch, exit candidates, top-3 rewards
and the elite club (SPEC §11), all by the `MarketingRule` in force on the quarter's last day.

Who: staff holding one of the rule's positions, employed some day of the quarter, placed by the
sub-branch they belonged to on the quarter's last day. Only people *in the role for the whole
quarter* — employed from its first to its last day and in the same sub-branch on both days — are
ranked; the others are listed with `ranked=False` and the reason, and never take a rank, a reward,
an exit or a club place. Points are one grouped query (`staff_points_query`) inside one statement
that ranks with RANK() within each sub-branch (ties share a rank, the next one skips: 1, 2, 2, 4)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection

from org.models import Institution, InstitutionKind
from org.periods import Period

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
    bank_rank: int | None = None  # among the bank's ranked people with points (elite club)


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
    within the sub-branch (and ascending for the bottom N, and bank-wide for the elite club)."""
    rule = rule_in_force(quarter.end)
    has_table = PointsTable.objects.filter(effective_from__lte=quarter.end).exists()
    # Rank whole sub-branches even when `root` is an outlet: its sub-branch is the field.
    field_root = None
    if root is not None:
        field_root = root if root.kind != InstitutionKind.OUTLET and root.kind != InstitutionKind.DEPARTMENT else (root.parent or root)
    sql, params = _ranking_sql(quarter, rule, field_root=field_root, root=root, has_table=has_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    rewards = [Decimal(str(a)) for a in rule.rewards]
    rows = []
    for pk, no, name, inst_id, inst_name, sub_id, sub_name, points, why, since, until, rank, of, low, bank_rank, band in fetched:
        points = points if type(points) is Decimal else _dec(points)
        row = RankRow(pk, no, name, inst_id, inst_name, sub_id, sub_name or "—", points, ranked=not why, band=band)
        if why:
            row.note = _note(why, since, until)
        else:
            row.rank, row.of, row.bank_rank = rank, of, bank_rank
            # Rewards by position: everyone sharing a rank gets that position's amount.
            row.reward = rewards[rank - 1] if rank <= len(rewards) else ZERO
            # Bottom N: fewer than N ranked people have strictly fewer points.
            row.bottom = low - 1 < rule.exit_bottom
        rows.append(row)
    return QuarterRanking(quarter, rule, rows)


def _dec(value) -> Decimal:
    return Decimal(repr(value)).quantize(CENT) if isinstance(value, float) else Decimal(value or 0).quantize(CENT)


NOTES = {
    "no_table": "本季度无生效的产品计分表，不排名",
    "joined": "{since:%Y-%m-%d} 入职/到岗，未满整季度",
    "left": "{until:%Y-%m-%d} 离岗，未满整季度",
    "moved": "季度内调入本支行，未满整季度",
}


def _note(why: str, since, until) -> str:
    # SQLite answers dates as text.
    since = since if isinstance(since, dt.date) or since is None else dt.date.fromisoformat(str(since))
    until = until if isinstance(until, dt.date) or until is None else dt.date.fromisoformat(str(until))
    return NOTES[why].format(since=since, until=until)


def _sub_branch_sql(alias: str) -> str:
    """The sub-branch of institution `alias` (itself, its parent or its grandparent: the tree of
    SPEC §2 puts outlets and departments right under a sub-branch), NULL above sub-branches."""
    sub = InstitutionKind.SUB_BRANCH.value
    return (f"CASE WHEN {alias}.kind = '{sub}' THEN {alias}.id WHEN {alias}p.kind = '{sub}' THEN {alias}p.id "
            f"WHEN {alias}g.kind = '{sub}' THEN {alias}g.id END")


def _with_parents(alias: str, on: str) -> str:
    return (f"LEFT JOIN org_institution {alias} ON {alias}.id = {on} "
            f"LEFT JOIN org_institution {alias}p ON {alias}p.id = {alias}.parent_id "
            f"LEFT JOIN org_institution {alias}g ON {alias}g.id = {alias}p.parent_id")


def _ranking_sql(quarter: Period, rule: MarketingRule, *, field_root, root, has_table: bool) -> tuple[str, list]:
    """One statement: per person of the rule's positions employed some day of the quarter — the
    institution and sub-branch of the last day (the roster's when no assignment covers it), the
    sub-branch of the first day, the points, why they are not ranked (empty when ranked), the rank
    and headcount within the sub-branch, the ascending rank (bottom N), the bank-wide rank among
    the ranked with points (elite club) and the pay band."""
    points_sql, points_params = staff_points_query(quarter).query.sql_with_params()
    lo, hi = quarter.start, quarter.end
    role = " OR ".join(["s.positions LIKE %s"] * len(rule.positions)) or "1 = 0"
    role_params = [f"%;{code};%" for code in rule.positions]
    on_day = "{a}.staff_id = s.id AND {a}.valid_from <= %s AND ({a}.valid_to IS NULL OR {a}.valid_to >= %s)"
    bands = parsed_bands(rule)
    band_sql = "CASE " + " ".join("WHEN points >= %s THEN %s" for _ in bands[1:][::-1]) + " ELSE %s END" if len(bands) > 1 else "%s"
    band_params = [p for lower, label, _ratio in bands[1:][::-1] for p in (lower, label)] + [bands[0][1]]
    where_field, field_params = ("AND e.path LIKE %s", [f"{field_root.path}%"]) if field_root is not None else ("", [])
    where_root, root_params = ("WHERE path LIKE %s", [f"{root.path}%"]) if root is not None else ("", [])
    why = ("CASE WHEN %s THEN 'no_table' WHEN active_from > %s THEN 'joined' WHEN active_to IS NOT NULL AND active_to < %s THEN 'left' "
           "WHEN start_id IS NOT NULL AND COALESCE(start_sub, 0) <> COALESCE(sub_id, 0) THEN 'moved' ELSE '' END")
    sql = f"""
WITH pts AS ({points_sql}),
people AS (
  SELECT s.id, s.employee_no, s.name, s.active_from, s.active_to,
         COALESCE(ae.institution_id, s.institution_id) AS end_id, ast.institution_id AS start_id
  FROM org_staff s
  LEFT JOIN org_staffassignment ae ON {on_day.format(a="ae")}
  LEFT JOIN org_staffassignment ast ON {on_day.format(a="ast")}
  WHERE ({role}) AND s.active_from <= %s AND (s.active_to IS NULL OR s.active_to >= %s)
),
placed AS (
  SELECT p.id, p.employee_no, p.name, p.active_from, p.active_to, p.start_id, e.id AS inst_id, e.name AS inst_name, e.path,
         {_sub_branch_sql("e")} AS sub_id, {_sub_branch_sql("b")} AS start_sub, COALESCE(pts.value, 0) AS points
  FROM people p
  {_with_parents("e", "p.end_id")}
  {_with_parents("b", "p.start_id")}
  LEFT JOIN pts ON pts.staff_id = p.id
  WHERE e.id IS NOT NULL {where_field}
),
judged AS (SELECT *, {why} AS why FROM placed),
ranked AS (
  SELECT j.*, sb.name AS sub_name, sb.path AS sub_path,
         RANK() OVER (PARTITION BY why, sub_id ORDER BY points DESC) AS rnk,
         COUNT(*) OVER (PARTITION BY why, sub_id) AS n,
         RANK() OVER (PARTITION BY why, sub_id ORDER BY points) AS low,
         RANK() OVER (PARTITION BY why, points > 0 ORDER BY points DESC) AS bank_rank,
         {band_sql} AS band
  FROM judged j LEFT JOIN org_institution sb ON sb.id = j.sub_id
)
SELECT id, employee_no, name, inst_id, inst_name, sub_id, sub_name, points, why, active_from, active_to, rnk, n, low,
       CASE WHEN points > 0 THEN bank_rank END, band
FROM ranked {where_root}
ORDER BY sub_path, why <> '', rnk, employee_no"""
    params = [*points_params, hi, hi, lo, lo, *role_params, hi, lo, *field_params, has_table is False, lo, hi, *band_params, *root_params]
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
    ranked = [r for r in ranking.rows if r.bank_rank is not None]
    limit = min(ranking.rule.elite_cap, math.floor(len(ranked) * ranking.rule.elite_share)) if ranked else 0
    if ranked and limit == 0:
        limit = 1
    chosen = [RankRow(**{**r.__dict__, "rank": r.bank_rank}) for r in ranked if r.bank_rank <= limit]
    if len(chosen) > limit:
        worst = max(c.rank for c in chosen)
        chosen = [c for c in chosen if c.rank != worst]
    chosen.sort(key=lambda c: (c.rank, c.employee_no))
    return chosen, limit
