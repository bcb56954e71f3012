"""VIP customers: the rule in force, the last contact of each VIP, alerts (流失预警: balance fallen
below the threshold; no contact within the rule's days) and each manager's list with due contacts."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, DateField, Exists, ExpressionWrapper, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Greatest, NullIf

from org.models import Institution

from ..models import ServiceRule, VipContact, VipCustomer, VipSource
from .points import default_rule


def service_rule_in_force(day: dt.date) -> ServiceRule:
    rule = ServiceRule.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    return rule or default_rule(ServiceRule)


NEVER = dt.date(1900, 1, 1)


def last_contact_subquery():
    """The date of a VIP's last contact, as a subquery on `VipCustomer` rows.

    This and `contact_due_q` are the one place that decides what counts as a contact: contacts
    recorded by hand (call, visit, SMS, greeting, wealth review, event — `VipContact`) and every
    source other programmes register in `org.contacts` (the 2053 connected calls and visits of
    `wealth`), each the latest date of the same customer, combined by `Greatest` (each wrapped in
    Coalesce), so every alert, list and API answer follows."""
    from org import contacts

    hand = VipContact.objects.filter(vip=OuterRef("pk")).values("vip").annotate(last=Max("contacted_on")).values("last")
    parts = [Subquery(hand, output_field=DateField()), *(source.last(OuterRef("customer_id")) for source in contacts.sources())]
    if len(parts) == 1:
        return parts[0]
    never = Value(NEVER, output_field=DateField())
    return NullIf(Greatest(*(Coalesce(p, never, output_field=DateField()) for p in parts), output_field=DateField()), never)


def _contacted(after=None) -> Q:
    from org import contacts

    hand = VipContact.objects.filter(vip=OuterRef("pk"))
    q = Q(Exists(hand.filter(contacted_on__gt=after) if after is not None else hand))
    for source in contacts.sources():
        q |= Q(source.exists(OuterRef("customer_id"), after=after))
    return q


def contact_due_q(cutoff: dt.date) -> Q:
    """VIPs due a contact: the same as `contact_due` of `vips_with_status` (the last contact, or
    becoming VIP when never contacted, on or before `cutoff`), written as "no contact after the
    cutoff, and contacted before or VIP since before it": EXISTS conditions PostgreSQL runs as
    anti-joins over the recent contacts, instead of three subqueries per VIP (a bank's 35,000 VIPs:
    370 ms on the head office's home)."""
    return ~_contacted(after=cutoff) & (Q(since__lte=cutoff) | _contacted())


def _scope_vips(root: Institution):
    return VipCustomer.objects.filter(active=True, outlet__path__startswith=root.path)


def _balance_q(rule: ServiceRule) -> Q:
    return Q(source=VipSource.BALANCE, customer__deposit_balance__lt=rule.vip_threshold)


def vips_with_status(queryset: QuerySet[VipCustomer], *, today: dt.date, rule: ServiceRule | None = None) -> QuerySet[VipCustomer]:
    """Annotate last_contact, due_since (the last contact, or becoming VIP when never contacted),
    contact_due (due_since on or before the rule's days ago) and balance_alert (a balance VIP whose
    deposit fell below the threshold). For the rows shown; counts and filters over a whole scope
    use `contact_due_q`."""
    rule = rule or service_rule_in_force(today)
    cutoff = today - dt.timedelta(days=rule.no_contact_days)
    # One reference to the last contact (each reference repeats its subqueries in SQL).
    return queryset.annotate(last_contact=last_contact_subquery()).annotate(
        due_since=Coalesce("last_contact", "since", output_field=DateField()),
    ).annotate(
        contact_due=ExpressionWrapper(Q(due_since__lte=cutoff), output_field=BooleanField()),
        balance_alert=ExpressionWrapper(_balance_q(rule), output_field=BooleanField()),
    )


def vip_alerts(*, root: Institution, today: dt.date):
    """Active VIPs of `root`'s subtree with an alert, the rule that raised it."""
    rule = service_rule_in_force(today)
    cutoff = today - dt.timedelta(days=rule.no_contact_days)
    due = _scope_vips(root).filter(contact_due_q(cutoff)).values("pk")
    qs = vips_with_status(_scope_vips(root).filter(Q(pk__in=due) | _balance_q(rule)), today=today, rule=rule)
    return qs.select_related("customer", "manager", "outlet").order_by("outlet__path", "due_since"), rule


def vip_alert_counts(*, root: Institution, today: dt.date):
    """How many active VIPs of `root`'s subtree have each alert (流失预警, no contact)."""
    rule = service_rule_in_force(today)
    cutoff = today - dt.timedelta(days=rule.no_contact_days)
    counts = {"lost": _scope_vips(root).filter(_balance_q(rule)).count(), "no_contact": _scope_vips(root).filter(contact_due_q(cutoff)).count()}
    return counts, rule


def manager_vips(*, staff, today: dt.date):
    rule = service_rule_in_force(today)
    qs = vips_with_status(VipCustomer.objects.filter(active=True, manager=staff), today=today, rule=rule)
    return qs.select_related("customer", "outlet").order_by("-contact_due", "due_since", "customer__customer_no"), rule
