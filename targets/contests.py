"""PK contests (SPEC §10): creating one, its live standings, and freezing the result when its period
ends (later data never changes a finished contest; the frozen standings go to that period's circular)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Institution, Staff
from org.periods import Period
from org.ranking import competition_ranks
from org.scoping import institution_in_scope, scope_root
from org.selectors import subtree_totals
from org.services import audit

from . import registry
from .models import Contest, ContestEntrant, ContestKind, ContestScoring
from .selectors import institution_targets, staff_targets

ZERO = Decimal("0")
FOUR = Decimal("0.0001")


@transaction.atomic
def contest_create(
    *, by, name: str, metric: str, period: Period, kind: str, entrants: list[tuple[str, list[Staff], list[Institution]]],
    scoring: str = ContestScoring.VALUE, per_head: bool = False, stakes: str = "",
) -> Contest:
    """A contest organised by a manager for entrants in their scope; every side named, at least two."""
    registry.get(metric)
    errors = {}
    if not name.strip():
        errors["name"] = [_("请填写竞赛名称")]
    if kind not in ContestKind.values:
        errors["kind"] = [_("参赛方应为个人、机构或团队")]
    if scoring not in ContestScoring.values:
        errors["scoring"] = [_("计分方式无效")]
    if period.kind not in ("week", "month", "quarter", "year"):
        errors["period"] = [_("期间应为周、月、季度或年")]
    if len(entrants) < 2:
        errors["entrants"] = [_("至少需要两个参赛方")]
    for label, people, insts in entrants:
        if kind == ContestKind.PERSON and (len(people) != 1 or insts):
            errors["entrants"] = [_("%(side)s：个人赛每方应为一名员工") % {"side": label}]
        if kind == ContestKind.INSTITUTION and (len(insts) != 1 or people):
            errors["entrants"] = [_("%(side)s：机构赛每方应为一个机构") % {"side": label}]
        if kind == ContestKind.TEAM and not (people or insts):
            errors["entrants"] = [_("%(side)s：团队没有成员") % {"side": label}]
        for member in [*(p.institution for p in people), *insts]:
            if not institution_in_scope(member, user=by):
                raise ApplicationError(_("%(side)s：成员不在您的管理范围内") % {"side": label}, code="not_found")
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    contest = Contest.objects.create(
        name=name.strip()[:100], metric=metric, period=period.code, period_start=period.start, period_end=period.end, kind=kind,
        scoring=scoring, per_head=per_head, stakes=stakes, scope=scope_root(by), created_by=by, created_at=clock.now(),
    )
    for label, people, insts in entrants:
        e = ContestEntrant.objects.create(contest=contest, name=label.strip()[:100])
        e.staff.set(people)
        e.institutions.set(insts)
    audit(user=by, action="contest.create", obj=contest, metric=metric, period=period.code, entrants=len(entrants))
    return contest


def contest_period(contest: Contest) -> Period:
    return Period.parse(contest.period)


def _headcounts(institutions: list[Institution], day) -> dict[int, int]:
    """Active staff under each institution, from one grouped query rolled up along the paths."""
    if not institutions:
        return {}
    return subtree_totals(Staff.objects.active_on(day), path_field="institution__path", value=Count("pk"), institutions=institutions, zero=0)


def contest_standings(contest: Contest, *, at=None) -> list[dict]:
    """The standings: frozen ones as stored, else computed now (live scoreboard). Each row: name,
    value, target, attainment (%), headcount, score, rank (ties share; no target → not ranked when
    scored by attainment)."""
    if contest.frozen_at is not None:
        return contest.result
    return _compute(contest, at=at or clock.now())


def _compute(contest: Contest, *, at) -> list[dict]:
    metric = registry.get(contest.metric)
    period = contest_period(contest)
    entrants = list(contest.entrants.prefetch_related("staff", "institutions__parent"))
    people = {s.pk: s for e in entrants for s in e.staff.all()}
    insts = {i.pk: i for e in entrants for i in e.institutions.all()}
    values = metric.actuals(period=period, institutions=list(insts.values()), staff=list(people.values()))
    contest.rule_version = values.rule_version
    i_targets = institution_targets(metric=metric.code, nodes=list(insts.values()), period=period) if insts else {}
    s_targets = staff_targets(metric=metric.code, staff=list(people.values()), period=period) if people else {}
    heads = _headcounts(list(insts.values()), min(clock.local(at).date() if hasattr(at, "tzinfo") else at, period.end))
    rows = []
    for e in entrants:
        value, target, n, targeted = ZERO, ZERO, 0, False
        for s in e.staff.all():
            value += values.by_staff.get(s.pk, ZERO)
            n += 1
            if s.pk in s_targets:
                target, targeted = target + s_targets[s.pk].value, True
        for i in e.institutions.all():
            value += values.by_institution.get(i.pk, ZERO)
            n += heads.get(i.pk, 0)
            if i.pk in i_targets:
                target, targeted = target + i_targets[i.pk].value, True
        attainment = (value * 100 / target).quantize(FOUR, rounding=ROUND_HALF_UP) if targeted and target else None
        if contest.scoring == ContestScoring.ATTAINMENT:
            score = attainment
        else:
            score = (value / n).quantize(FOUR, rounding=ROUND_HALF_UP) if contest.per_head and n else (None if contest.per_head else value)
        rows.append({"name": e.name, "value": value, "target": target if targeted else None, "attainment": attainment, "headcount": n, "score": score})
    for row, rank in zip(rows, competition_ranks([r["score"] for r in rows], higher_is_better=metric.higher_is_better), strict=True):
        row["rank"] = rank
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, r["name"]))
    return rows


def _jsonable(rows: list[dict]) -> list[dict]:
    return [{k: (str(v) if isinstance(v, Decimal) else v) for k, v in r.items()} for r in rows]


@transaction.atomic
def contest_freeze(contest: Contest) -> Contest:
    """Store the final standings once the period is over (idempotent: a frozen contest is returned
    as it is, whatever data arrives later)."""
    contest = Contest.objects.select_for_update().get(pk=contest.pk)
    if contest.frozen_at is not None:
        return contest
    period = contest_period(contest)
    if clock.today() <= period.end:
        raise ApplicationError(_("竞赛期间 %(period)s 尚未结束") % {"period": period.label})
    end = clock.local(clock.now()).replace(year=period.end.year, month=period.end.month, day=period.end.day, hour=23, minute=59)
    contest.result = _jsonable(_compute(contest, at=end))
    contest.frozen_at = clock.now()
    contest.save(update_fields=["result", "frozen_at", "rule_version"])
    return contest


def contests_freeze_ended() -> int:
    """The nightly job: freeze every contest whose period has ended."""
    n = 0
    for contest in Contest.objects.filter(frozen_at__isnull=True, period_end__lt=clock.today()):
        contest_freeze(contest)
        n += 1
    return n


def contests_visible(*, user):
    """Contests organised in the viewer's subtree or above it (a branch's contest shows to its
    outlets' heads)."""
    from django.db.models import Q

    root = scope_root(user)
    return Contest.objects.filter(Q(scope__path__startswith=root.path) | Q(scope__path__in=root.ancestors_paths())).select_related("scope")


def contests_of_staff(*, staff: Staff):
    """Contests the person takes part in: named themselves, or their institution or one above it."""
    from django.db.models import Q

    paths = staff.institution.ancestors_paths()
    return (
        Contest.objects.filter(Q(entrants__staff=staff) | Q(entrants__institutions__path__in=paths))
        .distinct()
        .order_by("-period_end", "pk")
    )


def entrant_of(contest: Contest, staff: Staff) -> str | None:
    """The name of the side the person competes on."""
    paths = set(staff.institution.ancestors_paths())
    for e in contest.entrants.prefetch_related("staff", "institutions"):
        if any(s.pk == staff.pk for s in e.staff.all()) or any(i.path in paths for i in e.institutions.all()):
            return e.name
    return None


def contest_sheet(*, period: Period, scope: Institution):
    """The `PK赛` sheet: every contest of the period organised in or above the scope, its frozen
    standings (frozen here if the period is over and nothing froze it yet)."""
    from django.db.models import Q

    from org.circular_sheets import Column, SheetData

    columns = [
        Column("竞赛", "竞赛名称", width=22),
        Column("指标", "比拼的指标及单位", width=16),
        Column("期间", "竞赛期间"),
        Column("参赛方", "个人、机构或团队", width=18),
        Column("数值", "期间内的指标值（金额为元，按万元显示）", "decimal"),
        Column("目标", "参赛方目标之和", "decimal"),
        Column("达成率", "数值 ÷ 目标", "percent"),
        Column("得分", "按数值（可按人均）或按达成率计分", "decimal"),
        Column("排名", "并列同名次，下一名次跳过；无目标时按达成率计分不排名", "int"),
        Column("奖惩", "竞赛约定的奖惩", width=30),
    ]
    contests = Contest.objects.filter(period=period.code).filter(
        Q(scope__path__startswith=scope.path) | Q(scope__path__in=scope.ancestors_paths())
    ).order_by("pk")
    rows = []
    for c in contests:
        if c.frozen_at is None and clock.today() > c.period_end:
            c = contest_freeze(c)
        m = registry.get(c.metric)
        for r in contest_standings(c):
            attainment = Decimal(str(r["attainment"])) / 100 if r["attainment"] is not None else None
            rows.append([c.name, m.label(), c.period, r["name"], _num(r["value"]), _num(r["target"]), attainment, _num(r["score"]), r["rank"], c.stakes])
    return SheetData(columns=columns, rows=rows)


def _num(v):
    return None if v is None else Decimal(str(v))
