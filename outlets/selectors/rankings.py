"""Quarterly rankings of customer managers within each sub-branch, exit candidates, top-3 rewards
and the elite club (SPEC §11), all by the `MarketingRule` in force on the quarter's last day.

Who: staff holding one of the rule's positions, employed some day of the quarter, placed by the
sub-branch they belonged to on the quarter's last day. Only people *in the role for the whole
quarter* — employed from its first to its last day and in the same sub-branch on both days — are
ranked; the others are listed with `ranked=False` and the reason, and never take a rank, a reward,
an exit or a club place. Points are one grouped query (`staff_points_query`); ranks use
`org.ranking.competition_ranks` within each sub-branch (ties share a rank, the next one skips)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from django.db.models import Q

from org.models import Institution, InstitutionKind, Staff
from org.periods import Period
from org.ranking import competition_ranks
from org.selectors import staff_institution_ids_on

from ..models import MarketingRule, PointsTable
from .points import ZERO, band_for, parsed_bands, rule_in_force, staff_points


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


def _sub_branch_of(path: str, sub_branches: dict[str, Institution]) -> Institution | None:
    parts = path.strip("/").split("/")
    for k in range(len(parts), 0, -1):
        inst = sub_branches.get("/" + "/".join(parts[:k]) + "/")
        if inst is not None:
            return inst
    return None


def quarter_ranking(*, quarter: Period, root: Institution | None = None) -> QuarterRanking:
    """Every customer manager of `root`'s subtree (whole bank when None) for the quarter, ranked
    within their sub-branch. A bounded number of queries whatever the number of people."""
    rule = rule_in_force(quarter.end)
    role = Q()
    for code in rule.positions:
        role |= Q(positions__contains=f";{code};")
    people = list(
        Staff.objects.filter(role).filter(active_from__lte=quarter.end).filter(Q(active_to__isnull=True) | Q(active_to__gte=quarter.start))
        .values("pk", "employee_no", "name", "active_from", "active_to", "institution_id")
    )
    ids = [p["pk"] for p in people]
    at_end = staff_institution_ids_on(staff_ids=ids, day=quarter.end) if len(ids) <= 5000 else _all_on(quarter.end, role)
    at_start = staff_institution_ids_on(staff_ids=ids, day=quarter.start) if len(ids) <= 5000 else _all_on(quarter.start, role)
    institutions = {row[0]: _Inst(*row) for row in Institution.objects.values_list("pk", "name", "path", "kind")}
    sub_branches = {i.path: i for i in institutions.values() if i.kind == InstitutionKind.SUB_BRANCH}
    points = staff_points(quarter, ids)
    has_table = PointsTable.objects.filter(effective_from__lte=quarter.end).exists()
    # Rank whole sub-branches even when `root` is an outlet: its sub-branch is the field.
    field_root = (_sub_branch_of(root.path, sub_branches) or root) if root is not None else None
    rows: list[RankRow] = []
    memo: dict[str, Institution | None] = {}

    def sub_of(inst: Institution) -> Institution | None:
        if inst.path not in memo:
            memo[inst.path] = _sub_branch_of(inst.path, sub_branches)
        return memo[inst.path]

    for p in people:
        inst = institutions[at_end.get(p["pk"], p["institution_id"])]
        if field_root is not None and not inst.path.startswith(field_root.path):
            continue
        sub = sub_of(inst)
        start_inst = institutions.get(at_start.get(p["pk"], inst.pk), inst)
        start_sub = sub_of(start_inst)
        note = ""
        if not has_table:
            note = "本季度无生效的产品计分表，不排名"
        elif p["active_from"] > quarter.start:
            note = f"{p['active_from']:%Y-%m-%d} 入职/到岗，未满整季度"
        elif p["active_to"] is not None and p["active_to"] < quarter.end:
            note = f"{p['active_to']:%Y-%m-%d} 离岗，未满整季度"
        elif start_sub != sub:
            note = "季度内调入本支行，未满整季度"
        rows.append(RankRow(
            p["pk"], p["employee_no"], p["name"], inst.pk, inst.name, sub.pk if sub else None, sub.name if sub else "—",
            points[p["pk"]], ranked=not note, note=note,
        ))
    _rank(rows, rule)
    if root is not None:
        rows = [r for r in rows if institutions[r.institution_id].path.startswith(root.path)]
    rows.sort(key=lambda r: (r.sub_branch_name, r.rank is None, r.rank or 0, -r.points, r.employee_no))
    return QuarterRanking(quarter, rule, rows)


class _Inst(NamedTuple):
    pk: int
    name: str
    path: str
    kind: str


def _all_on(day, role: Q):
    """{staff_id: institution_id} on `day` of everyone in the role (one query, no IN list)."""
    from org.models import StaffAssignment

    in_role = Q()
    for child in role.children:
        in_role |= Q(**{f"staff__{child[0]}": child[1]})
    return dict(
        StaffAssignment.objects.filter(in_role, valid_from__lte=day).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .values_list("staff_id", "institution_id")
    )


def _rank(rows: list[RankRow], rule: MarketingRule) -> None:
    rewards = [Decimal(str(a)) for a in rule.rewards]
    groups: dict[int | None, list[RankRow]] = {}
    bands = parsed_bands(rule)
    for r in rows:
        r.band = band_for(r.points, rule, bands=bands).label
        if r.ranked:
            groups.setdefault(r.sub_branch_id, []).append(r)
    for members in groups.values():
        scores = [m.points for m in members]
        ranks = competition_ranks(scores)
        lows = competition_ranks(scores, higher_is_better=False)  # 1 + how many have strictly fewer points
        for m, rank, low in zip(members, ranks, lows, strict=True):
            m.rank, m.of = rank, len(members)
            # Rewards by position: everyone sharing a rank gets that position's amount.
            m.reward = rewards[rank - 1] if rank <= len(rewards) else ZERO
            # Bottom N: fewer than N ranked people have strictly fewer points.
            m.bottom = low - 1 < rule.exit_bottom


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
    chosen = []
    for r, rank in zip(ranked, ranks, strict=True):
        if rank <= limit:
            chosen.append(RankRow(**{**r.__dict__, "rank": rank}))
    if len(chosen) > limit:
        worst = max(c.rank for c in chosen)
        chosen = [c for c in chosen if c.rank != worst]
    chosen.sort(key=lambda c: (c.rank, c.employee_no))
    return chosen, limit
