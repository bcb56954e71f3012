"""Registry of the facts that count as contacting a customer (a VIP's last contact, SPEC §11).

Programmes register, from `AppConfig.ready()`, the rows of their own facts that are contacts — a
QuerySet with a `customer_id` — and the date field that dates them:

    contacts.register("wealth.calls", lambda: Call.objects.filter(connected=True), day="local_date")

The reader (`outlets.selectors.vip`) asks each source for the latest contact of a customer (a
subquery, for lists), or whether one exists after a day (an EXISTS that PostgreSQL turns into an
anti-join, for counts over a whole bank), and combines them with its own records, so no programme
imports another."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import DateField, Exists, Max, QuerySet, Subquery


@dataclass(frozen=True)
class ContactSource:
    name: str
    facts: Callable[[], QuerySet]  # the rows that are contacts, each with a customer_id
    day: str  # the date field of a row

    def last(self, customer) -> Subquery:
        """The date of the latest contact of `customer` (an OuterRef to a customer id), or NULL."""
        rows = self.facts().filter(customer_id=customer).values("customer_id").annotate(last=Max(self.day)).values("last")
        return Subquery(rows, output_field=DateField())

    def exists(self, customer, *, after=None) -> Exists:
        """Whether `customer` was contacted at all, or after the day `after`."""
        rows = self.facts().filter(customer_id=customer)
        return Exists(rows.filter(**{f"{self.day}__gt": after}) if after is not None else rows)


_sources: dict[str, ContactSource] = {}


def register(name: str, facts: Callable[[], QuerySet], *, day: str) -> None:
    _sources[name] = ContactSource(name, facts, day)


def sources() -> list[ContactSource]:
    return [_sources[k] for k in sorted(_sources)]
