"""Inspection quota per inspector per half month, and each quarter's 流动红旗 (each branch's top
outlets by average inspection score) and penalty points (its bottom outlets)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Avg, Count, F

from org.models import Institution, InstitutionKind
from org.periods import Period
from org.ranking import competition_ranks

from ..models import Inspection
from .vip import service_rule_in_force


def half_month(day: dt.date) -> tuple[dt.date, dt.date]:
    """The half month containing `day`: the 1st–15th or the 16th–last day."""
    if day.day <= 15:
        return day.replace(day=1), day.replace(day=15)
    return day.replace(day=16), Period.containing(day, "month").end


def inspector_quota(*, root: Institution, day: dt.date):
    """Each inspector (of `root`'s subtree) with the distinct outlets inspected in the half month of
    `day` against the quota (one grouped query)."""
    lo, hi = half_month(day)
    rule = service_rule_in_force(day)
    rows = list(
        Inspection.objects.filter(inspected_on__gte=lo, inspected_on__lte=hi, inspector__institution__path__startswith=root.path)
        .values("inspector_id", "inspector__employee_no", "inspector__name", "inspector__institution__name")
        .annotate(outlets=Count("outlet", distinct=True), inspections=Count("pk")).order_by("inspector__employee_no")
    )
    for r in rows:
        r["quota"], r["met"] = rule.inspection_quota, r["outlets"] >= rule.inspection_quota
    return rows, (lo, hi), rule


@dataclass
class OutletInspectionScore:
    outlet_id: int
    code: str
    name: str
    branch_id: int | None
    score: Decimal  # average of total ÷ max, as a percentage
    inspections: int
    rank: int = 0
    of: int = 0
    award: str = ""  # 流动红旗 | 扣分
    penalty: Decimal = Decimal(0)


def quarter_inspection_awards(*, quarter: Period, root: Institution | None = None) -> tuple[list[OutletInspectionScore], object]:
    """Outlets inspected in the quarter with their average score (% of the sheet's maximum), ranked
    within their branch: the top `flag_top` take the 流动红旗, the bottom `penalty_bottom` (never a
    flagged one) the penalty points. Ties share a rank; a tie at the edge takes all tied outlets."""
    rule = service_rule_in_force(quarter.end)
    qs = Inspection.objects.filter(inspected_on__gte=quarter.start, inspected_on__lte=quarter.end)
    rows = list(
        qs.values("outlet_id", "outlet__code", "outlet__name", "outlet__path")
        .annotate(score=Avg(F("total") * 100 / F("max_total")), n=Count("pk")).order_by("outlet__path")
    )
    branches = {i.path: i.pk for i in Institution.objects.filter(kind=InstitutionKind.BRANCH).only("pk", "path")}
    scores = [
        OutletInspectionScore(r["outlet_id"], r["outlet__code"], r["outlet__name"], next((pk for p, pk in branches.items() if r["outlet__path"].startswith(p)), None),
                              Decimal(str(r["score"])).quantize(Decimal("0.01")), r["n"])
        for r in rows
    ]
    groups: dict = {}
    for s in scores:
        groups.setdefault(s.branch_id, []).append(s)
    for members in groups.values():
        ranks = competition_ranks([m.score for m in members])
        lows = competition_ranks([m.score for m in members], higher_is_better=False)
        for m, rank, low in zip(members, ranks, lows, strict=True):
            m.rank, m.of = rank, len(members)
            if rank <= rule.flag_top:
                m.award = "流动红旗"
            elif low <= rule.penalty_bottom:
                m.award, m.penalty = "扣分", rule.penalty_points
    if root is not None:
        paths = dict(Institution.objects.filter(pk__in=[s.outlet_id for s in scores]).values_list("pk", "path"))
        scores = [s for s in scores if paths[s.outlet_id].startswith(root.path)]
    return scores, rule
