"""Registry of the facts that count as contacting a customer (a VIP's last contact, SPEC §11).

Programmes register, from `AppConfig.ready()`, a function returning — for an `OuterRef` to a
customer id — a subquery of the date of that customer's latest contact in their own facts:

    contacts.register("wealth.calls", lambda customer: Subquery(
        Call.objects.filter(customer_id=customer, connected=True).values("customer_id")
        .annotate(last=Max("local_date")).values("last"), output_field=DateField()))

The reader (`outlets.selectors.vip.last_contact_subquery`) combines them with its own records, so no
programme imports another."""

from __future__ import annotations

from collections.abc import Callable

_sources: dict[str, Callable] = {}


def register(name: str, subquery_for: Callable) -> None:
    _sources[name] = subquery_for


def sources() -> list[Callable]:
    return [_sources[k] for k in sorted(_sources)]
