"""Reads of stock-customer lists (存量客户名单): which lists a user sees, a person's customers, and
each list's funnel — customers → contacted → interested → applied → approved → disbursed — per
person, outlet or any level, in one grouped query.

Conversion (SPEC §10): a counted referral application (`counted_q`) whose customer ID hash is a
listed customer's, submitted within the list's period (Asia/Shanghai days), converts that customer
for that list and its assignee — whoever referred it. A customer on two lists converts on each
list whose period covers the application. A closed list reads its frozen figures (`ListResult`)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, DecimalField, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum, When

from org.db import read_connection
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
    `group`, in one statement: the customers joined once to their contacts grouped per customer
    and once to the period's counted applications grouped per ID hash (each hashed by the database
    once, not probed per customer). Rows: the group keys, customers … disbursed, amount."""
    per_hash = (
        list_matches(customer_list).order_by().values("customer_id_hash")
        .annotate(approved=Max(Case(When(Q(approved_at__isnull=False) | Q(disbursed_at__isnull=False), then=1), default=0)),
                  disbursed=Max(Case(When(disbursed_at__isnull=False, then=1), default=0)),
                  amount=Sum("disbursed_amount", filter=Q(disbursed_at__isnull=False)))
    )
    per_customer = (
        ListContact.objects.filter(customer__customer_list=customer_list).order_by().values("customer_id")
        .annotate(interested=Max(Case(When(outcome__in=INTERESTED_OUTCOMES, then=1), default=0)))
    )
    c_sql, c_params = customers.order_by().annotate(c_id=F("pk"), c_hash=F("id_hash")).values("c_id", "c_hash", *group).query.sql_with_params()
    ct_sql, ct_params = per_customer.query.sql_with_params()
    m_sql, m_params = per_hash.query.sql_with_params()
    keys = ", ".join(f'c."{g}"' for g in group)
    sql = (f"SELECT {keys}, COUNT(*), COUNT(ct.customer_id), COALESCE(SUM(ct.interested), 0), COUNT(m.customer_id_hash), "
           f"COALESCE(SUM(m.approved), 0), COALESCE(SUM(m.disbursed), 0), COALESCE(SUM(m.amount), 0) "
           f"FROM ({c_sql}) c LEFT JOIN ({ct_sql}) ct ON ct.customer_id = c.c_id LEFT JOIN ({m_sql}) m ON m.customer_id_hash = c.c_hash "
           f"GROUP BY {keys} ORDER BY {keys}")
    with read_connection().cursor() as cur:
        cur.execute(sql, (*c_params, *ct_params, *m_params))
        found = cur.fetchall()
    cents = Decimal("0.01")
    return [
        dict(zip(group, r[: len(group)], strict=True))
        | dict(zip(STAGES, (int(v) for v in r[len(group): len(group) + 6]), strict=True))
        | {"amount": Decimal(str(r[-1])).quantize(cents)}
        for r in found
    ]


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
