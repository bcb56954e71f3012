"""产品积分 as a metric that carries targets (targets.registry): a person's points are their sales'
points (table version in force on each sale date); an institution's, its subtree's sales credited
to it on the sale date."""

from __future__ import annotations

from org.periods import Period
from targets.registry import Metric, MetricValues, register

from .selectors.points import institution_points, points_table_label, staff_points, staff_points_query

POINTS = "outlets.points"


def points_staff_query(period: Period):
    return staff_points_query(period)


def points_actuals(*, period: Period, institutions=(), staff=()) -> MetricValues:
    out = MetricValues(rule_version=points_table_label(period))
    if institutions:
        out.by_institution = institution_points(period, institutions)
    if staff:
        out.by_staff = staff_points(period, [s.pk for s in staff])
    return out


def register_metrics() -> None:
    register(Metric(code=POINTS, name="产品积分", unit="分", program="outlets", actuals=points_actuals, decimals=2, staff_query=points_staff_query))
