"""Blocks on the shared pages (org.sections): the employee's points, band and due VIP contacts on
their home page; the VIP alerts and exit candidates of the manager's scope on the manager's home."""

from __future__ import annotations

from django.db.models import Q

from org import clock
from org.periods import Period

from .selectors.points import assessment_year, band_for, rule_in_force, staff_points
from .selectors.vip import manager_vips, vip_alert_counts


def staff_home(request, staff) -> dict | None:
    rule = rule_in_force(clock.today())
    if rule is None or not any(staff.has_position(p) for p in rule.positions):
        return None
    today = clock.today()
    quarter = Period.containing(today, "quarter")
    year, until = assessment_year(today)
    year_points = staff_points(year, [staff.pk], until=until)[staff.pk]
    vips, _ = manager_vips(staff=staff, today=today)
    return {
        "quarter": quarter, "quarter_points": staff_points(quarter, [staff.pk], until=today)[staff.pk], "year_points": year_points,
        "band": band_for(year_points, rule), "due": vips.filter(Q(contact_due=True) | Q(balance_alert=True)).count(), "rule": rule,
    }


def manager_home(request, node) -> dict | None:
    counts, rule = vip_alert_counts(root=node, today=clock.today())
    if rule is None:
        return None
    return {"node": node, "lost": counts["lost"], "no_contact": counts["no_contact"], "rule": rule}


def person(request, staff) -> dict | None:
    """A person's points and band on their page (a manager in scope), linking to the breakdown."""
    out = staff_home(request, staff)
    if out is not None:
        out["person"] = staff
    return out
