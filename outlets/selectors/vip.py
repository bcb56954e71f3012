"""VIP customers: the rule in force, the last contact of each VIP, alerts (流失预警: balance fallen
below the threshold; no contact within the rule's days) and each manager's list with due contacts."""

from __future__ import annotations

import datetime as dt

from django.db.models import BooleanField, Case, DateField, ExpressionWrapper, F, Max, OuterRef, Q, QuerySet, Subquery, Value, When
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

    This is the one place that decides what counts as a contact: contacts recorded by hand (call,
    visit, SMS, greeting, wealth review, event — `VipContact`) and every source other programmes
    register in `org.contacts` (the 2053 connected calls and visits of `wealth`), each the latest
    date of the same customer, combined by `Greatest` (each wrapped in Coalesce), so every alert,
    list and API answer follows."""
    from org import contacts

    hand = VipContact.objects.filter(vip=OuterRef("pk")).values("vip").annotate(last=Max("contacted_on")).values("last")
    parts = [Subquery(hand, output_field=DateField()), *(source(OuterRef("customer_id")) for source in contacts.sources())]
    if len(parts) == 1:
        return parts[0]
    never = Value(NEVER, output_field=DateField())
    return NullIf(Greatest(*(Coalesce(p, never, output_field=DateField()) for p in parts), output_field=DateField()), never)


def vips_with_status(queryset: QuerySet[VipCustomer], *, today: dt.date, rule: ServiceRule | None = None) -> QuerySet[VipCustomer]:
    """Annotate last_contact, contact_due (none within the rule's days since the later of the last
    contact and becoming VIP) and balance_alert (a balance VIP whose deposit fell below the threshold)."""
    rule = rule or service_rule_in_force(today)
    cutoff = today - dt.timedelta(days=rule.no_contact_days)
    return queryset.annotate(last_contact=last_contact_subquery()).annotate(
        contact_due=Case(
            When(Q(last_contact__isnull=True, since__lte=cutoff) | Q(last_contact__lte=cutoff), then=Value(True)),
            default=Value(False), output_field=BooleanField(),
        ),
        balance_alert=ExpressionWrapper(
            Q(source=VipSource.BALANCE) & Q(customer__deposit_balance__lt=rule.vip_threshold), output_field=BooleanField(),
        ),
        due_since=Case(When(last_contact__isnull=True, then=F("since")), default=F("last_contact"), output_field=DateField()),
    )


def vip_alerts(*, root: Institution, today: dt.date):
    """Active VIPs of `root`'s subtree with an alert, the rule that raised it."""
    rule = service_rule_in_force(today)
    qs = vips_with_status(VipCustomer.objects.filter(active=True, outlet__path__startswith=root.path), today=today, rule=rule)
    return qs.filter(Q(contact_due=True) | Q(balance_alert=True)).select_related("customer", "manager", "outlet").order_by("outlet__path", "due_since"), rule


def manager_vips(*, staff, today: dt.date):
    rule = service_rule_in_force(today)
    qs = vips_with_status(VipCustomer.objects.filter(active=True, manager=staff), today=today, rule=rule)
    return qs.select_related("customer", "outlet").order_by("-contact_due", "due_since", "customer__customer_no"), rule
