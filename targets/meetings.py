"""Meeting packs (SPEC §10 "Meetings"): the weekly pack — last week against target and time
progress for each child of the node and each person below it, this week's plan per person, the
open laggard actions — and the monthly analysis pack — the month's weekly trend, attainment by
level, who has been behind two months running, the month's contests and scorecards.

Reads only: every figure comes from the one selector that computes it elsewhere (`attainment_rows`
through the metrics registry, `staff_targets`, `contests_visible`, `scores`), so a pack never
disagrees with the page or circular the same figure appears on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from org import clock
from org.models import Institution, Staff
from org.periods import Period

from . import registry
from .models import Target
from .selectors import attainment_rows, laggard_actions_in_scope, staff_targets


@dataclass
class Pack:
    node: Institution
    period: Period
    metrics: list  # registry.Metric, those with a target under the node this year
    children: list[dict] = field(default_factory=list)  # per child × metric
    people: list[dict] = field(default_factory=list)  # per person × metric
    plan: list[dict] = field(default_factory=list)  # weekly: this week's target per person × metric
    actions: list = field(default_factory=list)  # weekly: open laggard actions
    trend: list[dict] = field(default_factory=list)  # monthly: per week × metric, the node's figures
    behind_twice: list[dict] = field(default_factory=list)  # monthly: persons behind this month and last
    contests: list = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    rule_versions: list[str] = field(default_factory=list)


def pack_metrics(node: Institution, year: int) -> list:
    """The metrics with any target of `year` in the node's subtree (the ones a meeting talks about)."""
    codes = set(
        Target.objects.filter(context="", period_start__year=year)
        .filter(institution__path__startswith=node.path).values_list("metric", flat=True).distinct()
    ) | set(Target.objects.filter(context="", period_start__year=year, staff__institution__path__startswith=node.path).values_list("metric", flat=True).distinct())
    return [m for m in registry.metrics() if m.code in codes]


def _people(node: Institution, period: Period) -> list[Staff]:
    return list(Staff.objects.filter(institution__path__startswith=node.path).active_on(min(period.end, clock.today()))
                .select_related("institution__parent").order_by("institution__path", "employee_no"))


def _children(node: Institution) -> list[Institution]:
    kids = list(Institution.objects.filter(parent=node).select_related("parent").order_by("code"))
    return kids or [node]


def _rows(metric, period: Period, at, *, institutions=(), staff=()) -> tuple[list[dict], str]:
    got, version = attainment_rows(metric=metric.code, period=period, at=at, institutions=list(institutions), staff=list(staff))
    subjects = {s.pk: s for s in (institutions or staff)}
    out = []
    for r in got:
        a = r.progress
        out.append({"subject": subjects[r.key], "metric": metric, "actual": r.actual, "target": r.target,
                    "attainment": a.pct, "time_progress": a.time_progress_pct, "behind": a.behind})
    return out, version


def weekly_pack(*, node: Institution, week: Period, user, at: dt.datetime | None = None) -> Pack:
    """Last week (`week`) against target, and the plan of the week after it."""
    at = at or clock.now()
    pack = Pack(node=node, period=week, metrics=pack_metrics(node, week.start.year))
    people = _people(node, week)
    following = week.next()
    for m in pack.metrics:
        rows, version = _rows(m, week, at, institutions=_children(node))
        pack.children += rows
        rows, _ = _rows(m, week, at, staff=people)
        pack.people += rows
        pack.rule_versions.append(f"{m.name}：{version}")
        targets = staff_targets(metric=m.code, staff=people, period=following)
        last = {r["subject"].pk: r["actual"] for r in rows}
        pack.plan += [{"subject": p, "metric": m, "target": targets[p.pk].value if p.pk in targets else None, "last_week": last.get(p.pk)}
                      for p in people]
    pack.actions = list(laggard_actions_in_scope(user=user).filter(institution__path__startswith=node.path, followed_up_at__isnull=True))
    return pack


def monthly_pack(*, node: Institution, month: Period, user, at: dt.datetime | None = None) -> Pack:
    """The month's analysis: weekly trend, attainment by level, behind two months running,
    contests and scorecards of the month."""
    from .contests import contests_visible
    from .scorecards import role_label, role_subjects, scorecard_for, scores

    at = at or clock.now()
    pack = Pack(node=node, period=month, metrics=pack_metrics(node, month.start.year))
    people = _people(node, month)
    previous = month.previous()
    weeks = _weeks_of(month)
    for m in pack.metrics:
        for w in weeks:
            rows, _ = _rows(m, w, at, institutions=[node])
            pack.trend += [dict(r, week=w) for r in rows]
        rows, version = _rows(m, month, at, institutions=_children(node))
        pack.children += rows
        pack.rule_versions.append(f"{m.name}：{version}")
        now_rows, _ = _rows(m, month, at, staff=people)
        pack.people += now_rows
        before, _ = _rows(m, previous, at, staff=people)
        behind_before = {r["subject"].pk: r for r in before if r["behind"]}
        pack.behind_twice += [dict(r, previous=behind_before[r["subject"].pk]) for r in now_rows if r["behind"] and r["subject"].pk in behind_before]
    pack.contests = [c for c in contests_visible(user=user) if c.period_start <= month.end and c.period_end >= month.start]
    day = min(month.end, clock.today())
    for role in sorted(_roles()):
        card = scorecard_for(role=role, period=month)
        if card is None:
            continue
        for s in scores(scorecard=card, period=month, explain=False, **role_subjects(role=role, under=node, day=day)):
            pack.scores.append({"role": role_label(role), "card": f"{card.name} v{card.version}", "code": s.code, "name": s.subject.name,
                                "total": s.total, "rank": s.rank})
    return pack


def _roles() -> set[str]:
    from .models import Scorecard

    return set(Scorecard.objects.values_list("role", flat=True))


def _weeks_of(month: Period) -> list[Period]:
    """The ISO weeks whose Monday falls in the month (each week counted in one month only)."""
    out, day = [], month.start
    while day <= month.end:
        w = Period.containing(day, "week")
        if month.contains(w.start) and (not out or out[-1] != w):
            out.append(w)
        day += dt.timedelta(days=1)
    return out
