"""Outlet grades (龙头/骨干/进位/潜力): each outlet's weighted target attainment of a quarter from
`targets` (every metric's actuals and targets, a bounded number of queries per metric), placed by
quartile within its branch; and the staffing shown beside the grades (customer managers per outlet)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q

from org.models import Institution, InstitutionKind
from org.periods import Period
from org.ranking import competition_ranks
from targets import registry
from targets.selectors import institution_targets_of

from ..models import GRADE_ORDER, GradeRule, OutletGrade
from .points import default_rule, rule_in_force

ZERO = Decimal("0")


def grade_rule_in_force(day: dt.date) -> GradeRule:
    rule = GradeRule.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return rule or default_rule(GradeRule)


@dataclass
class OutletScore:
    outlet: Institution
    branch_id: int | None
    attainment: Decimal | None  # weighted, 1 = 100 %
    parts: list[tuple[str, Decimal, Decimal, Decimal]]  # (metric name, actual, target, weight)
    grade: str = ""
    position: int | None = None
    of: int = 0


def outlet_scores(*, quarter: Period, root: Institution | None = None, rule: GradeRule | None = None) -> list[OutletScore]:
    """Every outlet under `root` (whole bank when None) with its weighted attainment and grade."""
    rule = rule or grade_rule_in_force(quarter.end)
    outlets = list(Institution.objects.filter(kind=InstitutionKind.OUTLET, **({"path__startswith": root.path} if root else {})).order_by("path"))
    branches = {i.path: i.pk for i in Institution.objects.filter(kind=InstitutionKind.BRANCH).only("pk", "path")}
    metrics = [m for m in registry.metrics() if "outlet" in m.levels and (not rule.weights or m.code in rule.weights)]
    targets = institution_targets_of(metrics=[m.code for m in metrics], nodes=outlets, period=quarter)
    actuals = {}
    for m in metrics:
        if any(targets[m.code].get(o.pk) for o in outlets):
            actuals[m.code] = m.actuals(period=quarter, institutions=outlets).by_institution
    scores = []
    for o in outlets:
        parts, total_w, total = [], ZERO, ZERO
        for m in metrics:
            t = targets[m.code].get(o.pk)
            if t is None or not t.value:
                continue
            actual = Decimal(actuals.get(m.code, {}).get(o.pk, ZERO))
            weight = Decimal(str(rule.weights.get(m.code, 1))) if rule.weights else Decimal(1)
            ratio = actual / t.value if m.higher_is_better else (t.value / actual if actual else rule.cap)
            total += weight * min(ratio, rule.cap)
            total_w += weight
            parts.append((m.name, actual, t.value, weight))
        branch = next((pk for path, pk in branches.items() if o.path.startswith(path)), None)
        scores.append(OutletScore(o, branch, (total / total_w).quantize(Decimal("0.0001")) if total_w else None, parts))
    by_branch: dict[int | None, list[OutletScore]] = {}
    for s in scores:
        if s.attainment is not None:
            by_branch.setdefault(s.branch_id, []).append(s)
    for members in by_branch.values():
        ranks = competition_ranks([m.attainment for m in members])
        n = len(members)
        for m, rank in zip(members, ranks, strict=True):
            # Quartile by position: positions 1..n split in four; ties share the better quartile.
            m.position, m.of = rank, n
            m.grade = GRADE_ORDER[min(3, (rank - 1) * 4 // n)]
    return scores


def grade_history(*, outlet: Institution) -> list[OutletGrade]:
    return list(OutletGrade.objects.filter(institution=outlet).select_related("rule", "overridden_by").order_by("-quarter"))


def grades_with_staffing(*, quarter: Period, root: Institution):
    """The quarter's stored grades of outlets under `root`, each with its number of customer
    managers (positions of the marketing rule, active on the quarter's last day): one query."""
    rule = rule_in_force(quarter.end)
    role = Q()
    for code in rule.positions:
        role |= Q(staff__positions__contains=f";{code};")
    active = Q(staff__active_from__lte=quarter.end) & (Q(staff__active_to__isnull=True) | Q(staff__active_to__gte=quarter.end))
    counts = dict(
        Institution.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=root.path)
        .annotate(n=Count("staff", filter=role & active)).values_list("pk", "n")
    )
    grades = list(OutletGrade.objects.filter(quarter=quarter.code, institution__path__startswith=root.path).select_related("institution", "rule").order_by("institution__path"))
    for g in grades:
        g.managers = counts.get(g.institution_id, 0)
    return grades
