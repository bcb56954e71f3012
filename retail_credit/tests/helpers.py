"""Shared test data: loan officers in the test tree and loans written straight to the table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from itertools import count

from org import clock
from org.models import join_positions
from org.tests.factories import StaffFactory
from retail_credit.models import Loan, Source

_ids = count(1)


def officer(inst, *, tier: int | None = 3, since: dt.date = dt.date(2020, 1, 1), **kwargs):
    return StaffFactory(institution=inst, positions=join_positions(["loan_officer"]), tier=tier, active_from=since, **kwargs)


def loan(staff, product: str, amount, day: str | dt.date, *, loan_id: str | None = None) -> Loan:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return Loan.objects.create(
        loan_id=loan_id or f"L{next(_ids):06d}", staff=staff, institution=staff.institution, product=product,
        amount=Decimal(str(amount)), disbursed_on=day, source=Source.IMPORT, received_at=clock.now(),
    )


def month_total(staff, month: str, amount, product: str = "mortgage") -> Loan:
    """One loan of `amount` 元 on the 10th of `month` ("2024-03")."""
    return loan(staff, product, amount, f"{month}-10")
