"""The 2053 facts that count as contacting a customer (registered in `org.contacts`): connected
calls and visits, each dated by its local date."""

from __future__ import annotations

from ..models import Call, Visit


def connected_calls():
    return Call.objects.filter(connected=True)


def visits():
    return Visit.objects.all()
