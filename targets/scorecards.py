"""Assessment scorecards (考核, SPEC §10): per role, a versioned scorecard of weighted metrics, each
scored from its attainment between a floor and a cap (default 0 % and 120 %), plus bonus and
deduction items; monthly and quarterly scores per person, ranked with ties, each opening to its
arithmetic.

A metric item with no target for the person is not scored: the metric part is taken over the weights
that had a target and scaled back to the full weight ("无目标，不计分，按其余指标折算"), so a missing
target neither punishes nor rewards anyone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from operator import attrgetter

from django.db import connection, transaction
from django.utils.translation import gettext as _

from org import clock
from org.bulk import db_decimal
from org.db import read_connection
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind, Position, Staff
from org.periods import Period
from org.scoping import is_head_office
from org.services import audit
from org.text import typed_decimal

from . import registry
from .models import ItemKind, Scorecard, ScorecardItem
from .selectors import staff_inputs_sql, staff_targets

CENT = Decimal("0.01")
MATERIALIZE = True
ZERO = Decimal("0")
# Scorecards of institutions: role "inst:<kind>" (an outlet's, a sub-branch's, a branch's).
INSTITUTION_ROLES = {f"inst:{k}": f"{label}（机构）" for k, label in InstitutionKind.choices if k not in ("head_office", "department")}


def role_label(role: str) -> str:
    return INSTITUTION_ROLES.get(role) or dict(Position.choices).get(role, role)


def _dec(raw, label: str) -> Decimal:
    value = typed_decimal(raw, label)
    if value is None:
        raise ApplicationError(_("请填写%(label)s") % {"label": label})
    return value


@transaction.atomic
def scorecard_define(*, by, role: str, name: str, effective_from: dt.date, items: list[dict], cap_pct="120", floor_pct="0") -> Scorecard:
    """Head office defines (a new version of) a role's scorecard. items: {kind, metric, weight} for
    metric items, {kind, metric, points_per_unit, max_points} for bonus and deduction items."""
    if not is_head_office(by):
        raise ApplicationError(_("考核方案由总行制定"), code="not_found")
    if role not in Position.values and role not in INSTITUTION_ROLES:
        raise ApplicationError(_("岗位“%(role)s”不存在") % {"role": role})
    if not items:
        raise ApplicationError(_("考核方案至少需要一个指标"))
    cap, floor = _dec(cap_pct, _("封顶")), _dec(floor_pct, _("保底"))
    if floor > cap:
        raise ApplicationError(_("保底不能高于封顶"))
    rows = []
    for n, item in enumerate(items, start=1):
        kind = item.get("kind", ItemKind.METRIC)
        if kind not in ItemKind.values:
            raise ApplicationError(_("第 %(n)s 项：类型应为考核指标、加分项或扣分项") % {"n": n})
        metric = registry.get(item.get("metric", ""))
        row = ScorecardItem(kind=kind, metric=metric.code)
        if kind == ItemKind.METRIC:
            row.weight = _dec(item.get("weight", "0"), _("第 %(n)s 项权重") % {"n": n})
        else:
            row.points_per_unit = _dec(item.get("points_per_unit", "0"), _("第 %(n)s 项每单位分值") % {"n": n})
            row.max_points = _dec(item["max_points"], _("第 %(n)s 项最多分值") % {"n": n}) if item.get("max_points") not in (None, "") else None
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


@dataclass(slots=True)  # 20,000 of them in a circular: no __dict__ each
class Score:
    subject: Staff | Institution
    total: Decimal
    lines: Sequence[str] = ()
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
    """Every subject's score for the period, ranked (ties share, 1, 2, 2, 4), with its arithmetic as
    lines for everyone (`explain=True`), nobody (False: a circular of 20,000 people) or a set of ids.

    The arithmetic runs in the database, in one statement (`_score_sql`): the figures of persons are
    joined from each metric's grouped query and the targets' (`staff_target_rows`) whatever the
    number of people; institutions' subtree figures (a few hundred) come in as a VALUES list. The
    lines only format what that statement computed, so the page and the sum never disagree."""
    items = list(scorecard.items.all())
    subjects = list(institutions) if institutions else list(staff)
    if not subjects or not items:
        return []
    codes = list(dict.fromkeys(i.metric for i in items))
    metrics = {c: registry.get(c) for c in codes}
    targeted = [c for c in codes if any(i.metric == c and i.kind == ItemKind.METRIC for i in items)]
    if institutions or any(metrics[c].staff_query is None for c in codes):
        inputs, params = _values_inputs(subjects, codes, targeted, metrics, period, of_institutions=bool(institutions))
    else:
        inputs, params = staff_inputs_sql([p.id for p in subjects], codes, targeted, metrics, period)
    sql = _score_sql(inputs, items, codes, scorecard, explain)
    by_id = {p.id: p for p in subjects}  # the attribute: 20,000 `pk` property calls cost as much as the rest
    with read_connection().cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        if not explain:  # a circular of 20,000 people: no lines, one comprehension over the cursor (each
            # row tuple freed at once: fewer live objects for the garbage collector to walk)
            out = [Score(by_id[v[0]], v[1] if type(v[1]) is Decimal else _money(v[1]), (), v[2]) for v in cursor]
        else:
            rows = cursor.fetchall()
    if explain:
        out = []
        for values in rows:
            if explain is True or values[0] in explain:
                row = dict(zip(names, values, strict=True))  # the detail's own id, total and rnk come last
                lines = _lines(row, items, codes, metrics, scorecard)
            else:
                lines = ()
            out.append(Score(by_id[values[0]], values[1] if type(values[1]) is Decimal else _money(values[1]), lines, values[2]))
    # By rank, then by employee number or institution code (the statement returns them by rank).
    out.sort(key=attrgetter("rank", "subject.code" if institutions else "subject.employee_no"))
    return out


def _num(value: Decimal) -> str:
    """A rule's number as an SQL literal (a Decimal from the scorecard, never user text)."""
    return f"CAST({Decimal(value):f} AS NUMERIC)"


def _values_inputs(subjects, codes, targeted, metrics, period, *, of_institutions) -> tuple[str, list]:
    """The same x(id, a0…, t0…) from the metrics' `actuals` and the targets of a list of subjects."""
    from .selectors import institution_targets

    actual, target = {}, {}
    for code in codes:
        got = metrics[code].actuals(period=period, **({"institutions": subjects} if of_institutions else {"staff": subjects}))
        actual[code] = got.by_institution if of_institutions else got.by_staff
        if code in targeted:
            target[code] = (institution_targets(metric=code, nodes=subjects, period=period) if of_institutions
                            else staff_targets(metric=code, staff=subjects, period=period))
    names = ["id"] + [f"{x}{k}" for k in range(len(codes)) for x in ("a", "t")]
    cells = "(" + ", ".join(["CAST(%s AS INTEGER)"] + ["CAST(%s AS NUMERIC)"] * (len(names) - 1)) + ")"
    params = []
    for subject in subjects:
        params.append(subject.pk)
        for code in codes:
            t = target.get(code, {}).get(subject.pk)
            params += [actual[code].get(subject.pk, ZERO), t.value if t else None]
    return f"WITH x({', '.join(names)}) AS (VALUES {', '.join([cells] * len(subjects))})", params


def _score_sql(inputs: str, items, codes, scorecard, explain: bool | set = True) -> str:
    """The scorecard's arithmetic over x(id, a0…, t0…):
    attainment = actual × 100 ÷ target (none without a target); used = attainment held between floor
    and cap; points = weight × used ÷ 100 (to the cent, half up); a bonus or deduction = actual ×
    points per unit, at most its maximum; the metric part over the weights that had a target, scaled
    to the full weight; total = metric part + bonuses − deductions; RANK() by total.

    Each item's points are written once, in the first layer (materialised on PostgreSQL, so the
    layers above read columns instead of copying each item's expression into every use); the
    explained figures (attainment, used, raw bonus) ride along only when explaining."""
    cap, floor = _num(scorecard.cap_pct), _num(scorecard.floor_pct)
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    full = sum((i.weight for i in items if i.kind == ItemKind.METRIC), ZERO)
    first, parts, weighted, extras = [], [], [], []
    for n, item in enumerate(items):
        k = codes.index(item.metric)
        if item.kind == ItemKind.METRIC:
            att = f"a{k} * 100.0 / t{k}"
            used = f"{least}({greatest}({att}, {floor}), {cap})"
            if explain:
                first += [f"CASE WHEN t{k} > 0 THEN {att} END AS att{n}", f"CASE WHEN t{k} > 0 THEN {used} END AS used{n}"]
            first.append(f"CASE WHEN t{k} > 0 THEN ROUND({_num(item.weight)} * {used} / 100, 2) END AS p{n}")
            parts.append(f"COALESCE(p{n}, 0)")
            weighted.append(f"CASE WHEN p{n} IS NULL THEN 0 ELSE {_num(item.weight)} END")
        else:
            raw = f"ROUND(a{k} * {_num(item.points_per_unit)}, 2)"
            capped = f"{least}({raw}, {_num(item.max_points)})" if item.max_points is not None else raw
            if explain:
                first.append(f"{raw} AS raw{n}")
            first.append(f"{capped} AS e{n}")
            extras.append(("+" if item.kind == ItemKind.BONUS else "-") + f" e{n}")
    metric_part, weights = " + ".join(parts) or "0", " + ".join(weighted) or "0"
    m = "MATERIALIZED " if connection.vendor == "postgresql" and MATERIALIZE else ""
    carried = "*" if explain else "id"
    scaled = f"CASE WHEN weighted > 0 AND weighted <> {_num(full)} THEN ROUND(metric_part * {_num(full)} / weighted, 2) ELSE metric_part END"
    ctes = (f"l1 AS {m}(SELECT {carried}, {', '.join(first)} FROM x),\n"
            f"l2 AS (SELECT *, {metric_part} AS metric_part, {weights} AS weighted FROM l1),\n"
            f"l4 AS (SELECT *, {scaled} AS scaled, ROUND(({scaled}) {' '.join(extras)}, 2) AS total FROM l2)")
    # Everyone's total and rank; the figures behind them only for the subjects to explain.
    detail = "" if not explain else "LEFT JOIN l4 d ON d.id = r.id" + ("" if explain is True else f" AND d.id IN ({', '.join(str(int(i)) for i in explain)})")
    return (f"{inputs},\n{ctes},\nr AS (SELECT id, total, RANK() OVER (ORDER BY total DESC) AS rnk FROM l4)\n"
            f"SELECT r.id, r.total, r.rnk{', d.*' if explain else ''} FROM r {detail}")


_dec_of = db_decimal


def _money(value) -> Decimal:
    return _dec_of(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _lines(row, items, codes, metrics, scorecard) -> list[str]:
    """The arithmetic of one score, in words, from the figures the statement computed."""
    lines = []
    cap, floor = scorecard.cap_pct, scorecard.floor_pct
    for n, item in enumerate(items):
        k = codes.index(item.metric)
        m = metrics[item.metric]
        actual = _dec_of(row[f"a{k}"])
        if item.kind == ItemKind.METRIC:
            if row[f"att{n}"] is None:
                lines.append(f"{m.name}：完成 {_show(m, actual)}，无目标，不计分（权重 {item.weight.normalize():f} 按其余指标折算）")
                continue
            attainment, used = _dec_of(row[f"att{n}"]), _dec_of(row[f"used{n}"])
            clamp = "（封顶）" if attainment > cap else "（保底）" if attainment < floor else ""
            lines.append(
                f"{m.name}：完成 {_show(m, actual)} / 目标 {_show(m, _dec_of(row[f't{k}']))} = {attainment.quantize(Decimal('0.1'))}%"
                f"{clamp}，按 {used.quantize(Decimal('0.1'))}% × 权重 {item.weight.normalize():f} = {_money(row[f'p{n}'])} 分"
            )
        else:
            raw, points = _money(row[f"raw{n}"]), _money(row[f"e{n}"])
            sign = "" if not points else "+" if item.kind == ItemKind.BONUS else "−"
            capped = f"（最多 {item.max_points.normalize():f} 分）" if item.max_points is not None and raw > item.max_points else ""
            lines.append(f"{item.get_kind_display()} {m.name}：{_show(m, actual)} × {item.points_per_unit.normalize():f} 分 = {sign}{points} 分{capped}")
    full = sum((i.weight for i in items if i.kind == ItemKind.METRIC), ZERO)
    weighted = _dec_of(row["weighted"])
    if weighted and weighted != full:
        lines.append(f"有目标的指标权重 {weighted.normalize():f}，折算至 {full.normalize():f}：{_money(row['metric_part'])} × {full.normalize():f} ÷ {weighted.normalize():f} = {_money(row['scaled'])} 分")
    lines.append(f"总分 {_money(row['total'])} 分（{scorecard.name} v{scorecard.version}）")
    return lines


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
