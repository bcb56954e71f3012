"""The 2053 facts that count as contacting a customer (registered in `org.contacts`): the latest
connected call and the latest visit of a customer, as subqueries on an outer customer id."""

from __future__ import annotations

from django.db.models import DateField, Max, Subquery

from ..models import Call, Visit


def last_call_date(customer):
    calls = Call.objects.filter(customer_id=customer, connected=True).values("customer_id").annotate(last=Max("local_date")).values("last")
    return Subquery(calls, output_field=DateField())


def last_visit_date(customer):
    visits = Visit.objects.filter(customer_id=customer).values("customer_id").annotate(last=Max("local_date")).values("last")
    return Subquery(visits, output_field=DateField())
