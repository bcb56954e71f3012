"""The metrics registry: every figure that can carry a target, registered by its programme from
`AppConfig.ready()` (targets imports no programme).

    from targets import registry
    registry.register(registry.Metric(
        code="referral.applications", name="进件数", unit="件", program="referrals",
        levels=("person", "outlet", "sub_branch", "branch", "head_office"),
        actuals=referral_metric_actuals("applications"),
    ))

`actuals(*, period, institutions=(), staff=())` answers, for many institutions (each over its
subtree) and many persons at once, the figure of the period in a bounded number of queries, with the
rule version it used (`MetricValues`). Money is in 元 (`unit="万元"` only says how it is shown).

`staff_query(period)` (optional, for metrics of persons) is the same figure as one grouped query of
every person — a QuerySet of `staff_id, value` — that scorecards join in the database instead of
reading it row by row; `actuals(staff=…)` should read it too, so the figure has one definition.
`institution_values(*, periods, institutions)` (optional) answers `actuals(...).by_institution` of
several periods in one scan of the facts (a league table's period and the previous one);
`actuals(institutions=…)` should read it too, for the same reason.
`staff_values(periods)` (optional) is `staff_query` of several periods in one scan of the facts: a
QuerySet of `staff_id, value_0, value_1, …` (a person league's period and the previous one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

LEVELS = ("person", "outlet", "sub_branch", "branch", "head_office")
UNITS = ("件", "笔", "万元", "天", "分", "%", "人", "户")


@dataclass
class MetricValues:
    by_institution: dict[int, Decimal] = field(default_factory=dict)
    by_staff: dict[int, Decimal] = field(default_factory=dict)
    rule_version: str = ""


@dataclass(frozen=True)
class Metric:
    code: str
    name: str
    unit: str
    actuals: Callable[..., MetricValues]
    program: str = ""
    levels: tuple[str, ...] = LEVELS
    higher_is_better: bool = True
    decimals: int = 0  # how the target is entered and shown (万元: 2)
    staff_query: Callable[..., Any] | None = None  # period -> QuerySet(staff_id, value), see above
    # (optional) periods, institutions -> each period's `actuals(...).by_institution`, in one scan of
    # the facts: a league table's period and the one before it read together (see above).
    institution_values: Callable[..., list[dict[int, Decimal]]] | None = None
    # (optional) periods -> QuerySet(staff_id, value_0, value_1, …): staff_query of each period, one scan.
    staff_values: Callable[..., Any] | None = None
    # Who carries the metric in person league tables (position codes; empty: everyone); people of
    # other positions appear only when they have a value.
    positions: tuple[str, ...] = ()
    # Breakdowns of persons beyond the teams every table has: (label, fn(staff list, period) ->
    # {staff_id: group}), e.g. ("梯队", tiers of the year) for retail credit.
    person_groups: tuple[tuple[str, Callable[..., dict]], ...] = ()

    @property
    def program_label(self) -> str:
        """The programme's name for people (its app's `verbose_name`: 全员转介, 财富2053 …)."""
        from django.apps import apps

        try:
            return str(apps.get_app_config(self.program).verbose_name) if self.program else ""
        except LookupError:
            return self.program

    @property
    def is_money(self) -> bool:
        return self.unit == "万元"

    def label(self) -> str:
        return f"{self.name}({self.unit})"


_metrics: dict[str, Metric] = {}


def register(metric: Metric) -> None:
    if metric.unit not in UNITS:
        raise ValueError(f"unit {metric.unit!r} of {metric.code}: one of {UNITS}")
    bad = set(metric.levels) - set(LEVELS)
    if bad:
        raise ValueError(f"levels {bad} of {metric.code}: one of {LEVELS}")
    _metrics[metric.code] = metric


def get(code: str) -> Metric:
    from org.errors import ApplicationError

    try:
        return _metrics[code]
    except KeyError:
        raise ApplicationError(_("指标“%(code)s”不存在") % {"code": code}, code="not_found") from None


def metrics() -> list[Metric]:
    return sorted(_metrics.values(), key=lambda m: (m.program, m.code))
