"""Shared test data: an outlet with a wealth manager, managed and pool customers, card numbers."""

from __future__ import annotations

import datetime as dt
from itertools import count

from org import clock, pii
from org.models import Customer, CustomerCard
from org.tests.factories import StaffFactory, tree
from wealth.models import Call, Channel, Source

_ids = count(1)


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=clock.SHANGHAI)


def customer(no: str, manager=None, mobile: str | None = None, card: str | None = None) -> Customer:
    c = Customer.objects.create(customer_no=no, name="王小明", mobile=mobile or f"138{int(no[1:]):08d}", manager=manager)
    if card:
        CustomerCard.objects.create(customer=c, card_hash=pii.keyed_hash(card), card_masked=pii.mask_card_number(card))
    return c


def call(staff, cust, when: dt.datetime, *, duration: int = 120, connected: bool = True) -> Call:
    return Call.objects.create(
        call_id=f"T{next(_ids)}", staff=staff, institution=staff.institution, customer=cust, started_at=when,
        local_date=clock.local(when).date(), duration_s=duration, connected=connected, channel=Channel.LANDLINE, source=Source.IMPORT,
        phone_masked=pii.mask_mobile(cust.mobile) if cust else "",
    )


def world():
    t = tree()
    me = StaffFactory(institution=t["OUT1"])
    other = StaffFactory(institution=t["OUT4"])
    return t, me, other
