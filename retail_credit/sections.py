"""Capacity blocks on the shared pages: an officer's month on the staff home, and the same on a
person's page seen by a manager (org.sections)."""

from __future__ import annotations

from org import clock
from org.periods import Period

from .selectors.capacity import LOAN_OFFICER, ZERO, month_figures, standings
from .selectors.scheme import terms_for, tiers_of


def _month(staff) -> dict | None:
    if f";{LOAN_OFFICER};" not in (staff.positions or ""):
        return None
    today = clock.today()
    month = Period.containing(today, "month")
    figures = month_figures(month, [staff.pk], until=today).get(staff.pk, {"loans": 0, "amount": ZERO, "points": ZERO})
    terms = terms_for(month.start)
    tier = tiers_of([staff], today.year)[staff.pk]
    target = terms.target(tier)
    return {
        "staff": staff, "month": month, "tier": tier, "target": target, "lifeline": terms.lifeline(tier), **figures,
        "attainment": float(figures["amount"] / target) if target else None, "standing": standings([staff], month=month, until=today)[staff.pk],
    }


def staff_home(request, staff) -> dict | None:
    return _month(staff)


def person(request, staff) -> dict | None:
    return _month(staff)


def manager_home(request, node) -> dict | None:
    """The scope's capacity this month on the manager's home: amount against the summed targets of
    its officers with time progress, and points (three grouped queries; warnings are one click away)."""
    from django.utils.translation import gettext as _

    from org.kit.tiles import Kpi
    from org.progress import Attainment, time_progress

    from .selectors.capacity import officers

    today = clock.today()
    month = Period.containing(today, "month")
    people = list(officers(root=node, month=month).select_related(None).only("id", "tier"))
    if not people:
        return None
    figures = month_figures(month, [p.pk for p in people], until=today)
    terms = terms_for(month.start)
    tiers = tiers_of(people, today.year)
    amount = sum((f["amount"] for f in figures.values()), ZERO)
    target = sum((terms.target(tiers[p.pk]) or ZERO for p in people), ZERO)
    progress = time_progress(month, at=today)
    return {"node": node, "month": month, "officers": len(people), "tiles": [
        Kpi(_("本月放款"), amount, unit="万元", target=target or None, progress=Attainment(amount, target or None, progress), testid="home-capacity-amount"),
        Kpi(_("产能积分"), sum((f["points"] for f in figures.values()), ZERO), unit="分", testid="home-capacity-points"),
        Kpi(_("客户经理"), len(people), unit="人"),
    ]}
