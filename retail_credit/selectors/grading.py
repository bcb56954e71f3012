"""Yearly grading (定级, SPEC §5): next year's tier proposed from this year's results.

The year's average monthly disbursement over the officer's judged months (exempt months left out)
is compared with the scheme of the year's last month: reaching a higher tier's monthly target moves
the officer up to the highest such tier; below their own tier's lifeline moves them down one tier;
otherwise they stay. A manager confirms (services.capacity.grading_confirm)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from org.periods import Period

from .capacity import ZERO, officers, q2, standings
from .scheme import TIERS, terms_for, tiers_of


@dataclass
class Proposal:
    staff: object
    tier: int | None
    proposed: int
    average: Decimal
    months: int
    reason: str


def grading_proposals(*, root, year: int, until: dt.date) -> list[Proposal]:
    last = Period.month(year, 12)
    people = list(officers(root=root, month=last))
    terms = terms_for(last.start)
    marks = standings(people, month=last, until=until, lookback=11)
    tiers = tiers_of(people, year)
    out = []
    for p in people:
        judged = [m for m in marks[p.pk].months if m.month.year == year and not m.exempt]
        current = tiers.get(p.pk)
        if not judged:
            out.append(Proposal(p, current, current or 5, ZERO, 0, "本年度无考核月份，维持原梯队"))
            continue
        average = q2(sum((m.amount for m in judged), ZERO) / len(judged))
        reached = [t for t in TIERS if terms.target(t) is not None and average >= terms.target(t)]
        if current is None:
            proposed, reason = (min(reached) if reached else 5), "首次定级"
        elif reached and min(reached) < current:
            proposed, reason = min(reached), f"月均放款达到 {min(reached)} 梯队提升目标"
        elif terms.lifeline(current) is not None and average < terms.lifeline(current):
            proposed, reason = min(current + 1, 5), "月均放款低于本梯队生命线"
        else:
            proposed, reason = current, "维持"
        out.append(Proposal(p, current, proposed, average, len(judged), reason))
    return out
