"""Assessment scorecards (考核, SPEC §10): per role, a versioned scorecard of weighted metrics, each
scored from its attainment between a floor and a cap (default 0 % and 120 %), plus bonus and
deduction items; monthly and quarterly scores per person, ranked with ties, each opening to its
arithmetic.

A metric item with no target for the person is not scored: the metric part is taken over the weights
that had a target and scaled back to the full weight ("无目标，不计分，按其余指标折算"), so a missing
target neither punishes nor rewards anyone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction

from org import clock
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind, Position, Staff
from org.periods import Period
from org.ranking import competition_ranks
from org.scoping import is_head_office
from org.services import audit
from org.text import typed_decimal

from . import registry
from .models import ItemKind, Scorecard, ScorecardItem
from .selectors import staff_targets

CENT = Decimal("0.01")
ZERO = Decimal("0")
# Scorecards of institutions: role "inst:<kind>" (an outlet's, a sub-branch's, a branch's).
INSTITUTION_ROLES = {f"inst:{k}": f"{label}（机构）" for k, label in InstitutionKind.choices if k not in ("head_office", "department")}


def role_label(role: str) -> str:
    return INSTITUTION_ROLES.get(role) or dict(Position.choices).get(role, role)


def _dec(raw, label: str) -> Decimal:
    value = typed_decimal(raw, label)
    if value is None:
        raise ApplicationError(f"请填写{label}")
    return value


@transaction.atomic
def scorecard_define(*, by, role: str, name: str, effective_from: dt.date, items: list[dict], cap_pct="120", floor_pct="0") -> Scorecard:
    """Head office defines (a new version of) a role's scorecard. items: {kind, metric, weight} for
    metric items, {kind, metric, points_per_unit, max_points} for bonus and deduction items."""
    if not is_head_office(by):
        raise ApplicationError("考核方案由总行制定", code="not_found")
    if role not in Position.values and role not in INSTITUTION_ROLES:
        raise ApplicationError(f"岗位“{role}”不存在")
    if not items:
        raise ApplicationError("考核方案至少需要一个指标")
    cap, floor = _dec(cap_pct, "封顶"), _dec(floor_pct, "保底")
    if floor > cap:
        raise ApplicationError("保底不能高于封顶")
    rows = []
    for n, item in enumerate(items, start=1):
        kind = item.get("kind", ItemKind.METRIC)
        if kind not in ItemKind.values:
            raise ApplicationError(f"第 {n} 项：类型应为考核指标、加分项或扣分项")
        metric = registry.get(item.get("metric", ""))
        row = ScorecardItem(kind=kind, metric=metric.code)
        if kind == ItemKind.METRIC:
            row.weight = _dec(item.get("weight", "0"), f"第 {n} 项权重")
        else:
            row.points_per_unit = _dec(item.get("points_per_unit", "0"), f"第 {n} 项每单位分值")
            row.max_points = _dec(item["max_points"], f"第 {n} 项最多分值") if item.get("max_points") not in (None, "") else None
        rows.append(row)
    version = (Scorecard.objects.filter(role=role).order_by("-version").values_list("version", flat=True).first() or 0) + 1
    card = Scorecard.objects.create(role=role, name=name.strip()[:100] or dict(Position.choices)[role], version=version,
                                    effective_from=effective_from, cap_pct=cap, floor_pct=floor, created_by=by, created_at=clock.now())
    for row in rows:
        row.scorecard = card
    ScorecardItem.objects.bulk_create(rows)
    audit(user=by, action="scorecard.define", obj=card, role=role, version=version)
    return card


def scorecard_for(*, role: str, period: Period) -> Scorecard | None:
    """The version in force at the period's end."""
    return Scorecard.objects.filter(role=role, effective_from__lte=period.end).order_by("-effective_from", "-version").prefetch_related("items").first()


@dataclass
class Score:
    subject: Staff | Institution
    total: Decimal
    lines: list[str] = field(default_factory=list)
    rank: int | None = None

    @property
    def staff(self) -> Staff | None:
        return self.subject if isinstance(self.subject, Staff) else None

    @property
    def institution(self) -> Institution | None:
        return self.subject if isinstance(self.subject, Institution) else None

    @property
    def code(self) -> str:
        return self.subject.employee_no if isinstance(self.subject, Staff) else self.subject.code


def scores(*, scorecard: Scorecard, period: Period, staff: list[Staff] = (), institutions: list[Institution] = (), explain: bool | set = True) -> list[Score]:
    """Every person's score for the period, ranked (ties share), with its arithmetic as lines for
    everyone (`explain=True`), nobody (False: a circular of 20,000 people) or a set of staff ids.
    One query per metric for the actuals and one for the targets, whatever the number of people."""
    from .selectors import institution_targets

    items = list(scorecard.items.all())
    subjects = list(institutions) if institutions else list(staff)
    actuals, targets = {}, {}
    for item in items:
        if item.metric not in actuals:
            m = registry.get(item.metric)
            if institutions:
                actuals[item.metric] = m.actuals(period=period, institutions=subjects).by_institution
                if item.kind == ItemKind.METRIC:
                    targets[item.metric] = institution_targets(metric=item.metric, nodes=subjects, period=period)
            else:
                actuals[item.metric] = m.actuals(period=period, staff=subjects).by_staff
                if item.kind == ItemKind.METRIC:
                    targets[item.metric] = staff_targets(metric=item.metric, staff=subjects, period=period)
    out = []
    total_weight = sum((i.weight for i in items if i.kind == ItemKind.METRIC), ZERO)
    metrics = {i.metric: registry.get(i.metric) for i in items}
    cap, floor = scorecard.cap_pct, scorecard.floor_pct
    for person in subjects:
        lines = [] if explain is True or (explain and person.pk in explain) else None
        metric_part, extra, weighted = ZERO, ZERO, ZERO
        for item in items:
            m = metrics[item.metric]
            actual = actuals[item.metric].get(person.pk, ZERO)
            if item.kind == ItemKind.METRIC:
                t = targets[item.metric].get(person.pk)
                if t is None or not t.value:
                    if lines is not None:
                        lines.append(f"{m.name}：完成 {_show(m, actual)}，无目标，不计分（权重 {item.weight.normalize():f} 按其余指标折算）")
                    continue
                attainment = actual * 100 / t.value
                used = min(max(attainment, floor), cap)
                points = (item.weight * used / 100).quantize(CENT, rounding=ROUND_HALF_UP)
                metric_part += points
                weighted += item.weight
                if lines is not None:
                    clamp = "（封顶）" if attainment > cap else "（保底）" if attainment < floor else ""
                    lines.append(
                        f"{m.name}：完成 {_show(m, actual)} / 目标 {_show(m, t.value)} = {attainment.quantize(Decimal('0.1'))}%"
                        f"{clamp}，按 {used.quantize(Decimal('0.1'))}% × 权重 {item.weight.normalize():f} = {points} 分"
                    )
            else:
                raw = (actual * item.points_per_unit).quantize(CENT)
                points = min(raw, item.max_points) if item.max_points is not None else raw
                extra += points if item.kind == ItemKind.BONUS else -points
                if lines is not None:
                    sign = "" if not points else "+" if item.kind == ItemKind.BONUS else "−"
                    capped = f"（最多 {item.max_points.normalize():f} 分）" if item.max_points is not None and raw > item.max_points else ""
                    lines.append(f"{item.get_kind_display()} {m.name}：{_show(m, actual)} × {item.points_per_unit.normalize():f} 分 = {sign}{points} 分{capped}")
        if weighted and weighted != total_weight:
            scaled = (metric_part * total_weight / weighted).quantize(CENT, rounding=ROUND_HALF_UP)
            if lines is not None:
                lines.append(f"有目标的指标权重 {weighted.normalize():f}，折算至 {total_weight.normalize():f}：{metric_part} × {total_weight.normalize():f} ÷ {weighted.normalize():f} = {scaled} 分")
            metric_part = scaled
        total = (metric_part + extra).quantize(CENT, rounding=ROUND_HALF_UP)
        if lines is not None:
            lines.append(f"总分 {total} 分（{scorecard.name} v{scorecard.version}）")
        out.append(Score(person, total, lines or []))
    for s, rank in zip(out, competition_ranks([s.total for s in out]), strict=True):
        s.rank = rank
    out.sort(key=lambda s: (s.rank, s.code))
    return out


def _show(metric, value: Decimal) -> str:
    if metric.is_money:
        return f"{(value / 10000).quantize(CENT)} 万元"
    return f"{value.normalize():f} {metric.unit}"


def role_subjects(*, role: str, under, day: dt.date) -> dict:
    """The people holding a role, or the institutions of a kind, under a node: the `scores` kwargs."""
    if role in INSTITUTION_ROLES:
        kind = role.removeprefix("inst:")
        return {"institutions": list(Institution.objects.filter(path__startswith=under.path, kind=kind).select_related("parent").order_by("path"))}
    return {"staff": list(role_staff(role=role, under=under, day=day))}


def role_staff(*, role: str, under, day: dt.date):
    return (
        Staff.objects.filter(institution__path__startswith=under.path, positions__contains=f";{role};")
        .active_on(day)
        .select_related("institution__parent")
        .order_by("employee_no")
    )


def scorecard_sheet(*, period: Period, scope):
    """The `考核` sheet of monthly and quarterly circulars: every person of the scope holding a role
    that has a scorecard in force, with the score and the rank within the role."""
    from org.circular_sheets import Column, SheetData

    columns = [
        Column("员工号", "员工号（机构考核为机构号）"), Column("姓名", "姓名（机构考核为空）"), Column("机构", "员工当前所在机构", width=18),
        Column("岗位", "考核岗位"), Column("考核方案", "方案名称与版本", width=18),
        Column("总分", "考核指标得分（按达成率，封顶/保底）+ 加分 − 扣分", "decimal"),
        Column("排名", "同岗位内排名，并列同名次，下一名次跳过", "int"),
    ]
    rows = []
    roles = Scorecard.objects.filter(effective_from__lte=period.end).values_list("role", flat=True).distinct()
    for role in sorted(set(roles)):
        card = scorecard_for(role=role, period=period)
        for s in scores(scorecard=card, period=period, explain=False, **role_subjects(role=role, under=scope, day=min(period.end, clock.today()))):
            if s.staff is not None:
                rows.append([s.code, s.staff.name, s.staff.institution.name, role_label(role), f"{card.name} v{card.version}", s.total, s.rank])
            else:  # an institution's scorecard: its code in the first column, no person
                rows.append([s.code, "", s.institution.name, role_label(role), f"{card.name} v{card.version}", s.total, s.rank])
    return SheetData(columns=columns, rows=rows)


def scorecard_rule_version(period: Period) -> str:
    versions = [f"{c.role} v{c.version}" for c in (scorecard_for(role=r, period=period) for r in sorted(set(Scorecard.objects.values_list("role", flat=True)))) if c]
    return "考核 " + ", ".join(versions) if versions else "考核 未配置"
