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
