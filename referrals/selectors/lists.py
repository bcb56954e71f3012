"""Reads of stock-customer lists (存量客户名单): which lists a user sees, a person's customers, and
each list's funnel — customers → contacted → interested → applied → approved → disbursed — per
person, outlet or any level, in one grouped query.

Conversion (SPEC §10): a counted referral application (`counted_q`) whose customer ID hash is a
listed customer's, submitted within the list's period (Asia/Shanghai days), converts that customer
for that list and its assignee — whoever referred it. A customer on two lists converts on each
list whose period covers the application. A closed list reads its frozen figures (`ListResult`)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum

from org.models import Institution
from org.scoping import scope_filter, user_scope_path
from org.selectors import child_path

from ..models import INTERESTED_OUTCOMES, Application, CustomerList, ListContact, ListedCustomer, ListResult, counted_q

STAGES = ("customers", "contacted", "interested", "applied", "approved", "disbursed")
STAGE_LABELS = {"customers": "名单客户", "contacted": "已联系", "interested": "有意向", "applied": "已进件", "approved": "已审批", "disbursed": "已放款"}
MONEY = DecimalField(max_digits=18, decimal_places=2)


def lists_visible(*, user) -> QuerySet[CustomerList]:
    """Lists with at least one customer the user may see (head office: every list)."""
    if user_scope_path(user) == "":
        return CustomerList.objects.all()
    mine = scope_filter(ListedCustomer.objects.all(), user=user).filter(customer_list=OuterRef("pk"))
    return CustomerList.objects.filter(Exists(mine))


def list_matches(customer_list: CustomerList) -> QuerySet[Application]:
    """The counted applications of the list's period that can convert a listed customer."""
    lo, hi = customer_list.period.bounds()
    return Application.objects.filter(counted_q(), submitted_at__gte=lo, submitted_at__lt=hi).exclude(customer_id_hash="")


def funnel_counts(customer_list: CustomerList, customers: QuerySet[ListedCustomer], group: list[str]) -> list[dict]:
    """The live funnel of `customers` (a list's, already filtered and annotated), grouped by
    `group`: one query; each stage is a semi-join against one uncorrelated subquery (hashed by
    PostgreSQL once, not probed per customer). Rows: the group keys, customers … disbursed, amount."""
    matches = list_matches(customer_list)
    contacts = ListContact.objects.filter(customer__customer_list=customer_list)
    approved = matches.filter(Q(approved_at__isnull=False) | Q(disbursed_at__isnull=False))
    disbursed = matches.filter(disbursed_at__isnull=False)
    counts = {
        "customers": Count("pk"),
        "contacted": Count("pk", filter=Q(pk__in=contacts.values("customer_id"))),
        "interested": Count("pk", filter=Q(pk__in=contacts.filter(outcome__in=INTERESTED_OUTCOMES).values("customer_id"))),
        "applied": Count("pk", filter=Q(id_hash__in=matches.values("customer_id_hash"))),
        "approved": Count("pk", filter=Q(id_hash__in=approved.values("customer_id_hash"))),
        "disbursed": Count("pk", filter=Q(id_hash__in=disbursed.values("customer_id_hash"))),
    }
    rows = list(customers.values(*group).annotate(**counts).order_by(*group))
    # The amount: only the (few) customers with a disbursed loan, each summing its loans.
    amount = disbursed.filter(customer_id_hash=OuterRef("id_hash")).values("customer_id_hash").annotate(s=Sum("disbursed_amount")).values("s")[:1]
    sums = {
        tuple(r[g] for g in group): r["amount"]
        for r in customers.filter(id_hash__in=disbursed.values("customer_id_hash")).annotate(a=Subquery(amount, output_field=MONEY))
        .values(*group).annotate(amount=Sum("a")).order_by()
    }
    for r in rows:
        r["amount"] = sums.get(tuple(r[g] for g in group)) or Decimal("0")
    return rows


def funnel_rows(customer_list: CustomerList, *, under: Institution, by: str) -> list[dict]:
    """The funnel of the list's customers under `under`, grouped `by`: "assignee" (persons),
    "outlet", or "child" (the children of `under`). Rows: key, customers … disbursed, amount. A
    closed list reads its frozen rows (`ListResult`), written by this same function at the close."""
    group = {"assignee": "assignee_id", "outlet": "outlet_id", "child": "key"}[by]
    if customer_list.closed_at is not None:
        qs = ListResult.objects.filter(customer_list=customer_list, outlet__path__startswith=under.path)
        if by == "child":
            qs = qs.annotate(key=child_path("outlet__path", under.path))
        totals = {s: Sum(s) for s in STAGES}
        return list(qs.values(group).annotate(**totals, amount=Sum("disbursed_amount")).order_by(group))
    qs = ListedCustomer.objects.filter(customer_list=customer_list, outlet__path__startswith=under.path)
    if by == "child":
        qs = qs.annotate(key=child_path("outlet__path", under.path))
    return funnel_counts(customer_list, qs, [group])


def funnel_total(rows: list[dict]) -> dict:
    out = {s: sum(r[s] or 0 for r in rows) for s in STAGES}
    out["amount"] = sum((r["amount"] or 0 for r in rows), 0)
    return out


def my_customers(*, staff, customer_list: CustomerList | None = None) -> QuerySet[ListedCustomer]:
    """A person's customers on open lists (or one list), with their last contact and stage."""
    last = ListContact.objects.filter(customer=OuterRef("pk")).order_by("-at")
    qs = ListedCustomer.objects.filter(assignee=staff, customer_list__closed_at__isnull=True)
    if customer_list is not None:
        qs = qs.filter(customer_list=customer_list)
    return qs.select_related("customer_list").annotate(
        last_outcome=Subquery(last.values("outcome")[:1]),
        last_at=Subquery(last.values("at")[:1]),
        next_contact_on=Subquery(last.values("next_contact_on")[:1]),
        contacts_count=Count("contacts"),
    ).order_by("customer_list__end_date", "customer_no")
