"""Demo stock-customer lists (the `customer_lists` step of `seed_demo`): a mortgage list for the
outlets of the first branch, each outlet's customers split evenly among its staff, contacts with
outcomes for most of them, and customers whose ID numbers match referral applications of the
list's period, so every funnel stage has figures. Idempotent: once the list exists, nothing."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count

from org import clock, demo, pii
from org.models import Institution, InstitutionKind, Staff

from .models import Application, ContactOutcome, CustomerList, ListContact, ListedCustomer, ListSegment

CODE = "DEMO-MORTGAGE"
PER_OUTLET = {"small": 24, "regional": 40, "national": 40}
OUTLETS = {"small": 12, "regional": 60, "national": 60}


def register() -> None:
    demo.register("customer_lists", seed_customer_lists, order=25)


def seed_customer_lists(*, size: str, rng, ctx) -> str | None:
    if CustomerList.objects.filter(code=CODE).exists():
        return None
    today = ctx.today
    lst = CustomerList.objects.create(code=CODE, segment=ListSegment.MORTGAGE, name="按揭客户交叉营销消费贷", start_date=today - dt.timedelta(days=27),
                                      end_date=today + dt.timedelta(days=62), created_at=clock.now())
    branch = Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("code").first()
    anchor = Staff.objects.filter(employee_no="OH001").select_related("institution").first()
    outlets = list(
        Institution.objects.filter(kind=InstitutionKind.OUTLET, path__startswith=branch.path if branch else "/")
        .annotate(n=Count("staff")).filter(n__gt=0).order_by("code")[: OUTLETS[size]]
    )
    if anchor and anchor.institution not in outlets:
        outlets[-1:] = [anchor.institution]
    lo, hi = lst.period.bounds()
    customers, n = [], 0
    for outlet in outlets:
        staff = list(Staff.objects.filter(institution=outlet, active_to__isnull=True).order_by("employee_no"))
        # Customers who did apply in the period (their ID hashes), so conversions appear.
        converted = list(
            Application.objects.filter(institution=outlet, submitted_at__gte=lo, submitted_at__lt=hi).exclude(customer_id_hash="")
            .values_list("customer_id_hash", "customer_id_masked")[: PER_OUTLET[size] // 4]
        )
        for i in range(PER_OUTLET[size]):
            n += 1
            h, masked = converted[i] if i < len(converted) else (pii.keyed_hash(f"DEMO{n:08d}"), f"220***********{n % 10000:04d}")
            customers.append(ListedCustomer(
                customer_list=lst, customer_no=f"M{n:07d}", name=_name(rng), mobile=f"139{rng.randrange(10**8):08d}", id_hash=h,
                id_masked=masked, outlet=outlet, assignee=staff[i % len(staff)] if staff else None, assigned_at=clock.now() if staff else None,
            ))
    ListedCustomer.objects.bulk_create(customers, batch_size=2000)
    contacts = []
    outcomes = [ContactOutcome.NO_ANSWER, ContactOutcome.NOT_INTERESTED, ContactOutcome.INTERESTED, ContactOutcome.INTERESTED, ContactOutcome.APPLIED]
    for c in ListedCustomer.objects.filter(customer_list=lst, assignee__isnull=False).only("id", "assignee_id"):
        if rng.random() < 0.65:
            at = clock.now() - dt.timedelta(days=rng.randrange(1, 27), hours=rng.randrange(8))
            outcome = rng.choice(outcomes)
            contacts.append(ListContact(customer_id=c.pk, staff_id=c.assignee_id, at=at, outcome=outcome,
                                        note="客户有购车计划" if outcome == ContactOutcome.INTERESTED else "",
                                        next_contact_on=today + dt.timedelta(days=rng.randrange(0, 7)) if outcome == ContactOutcome.INTERESTED else None))
    ListContact.objects.bulk_create(contacts, batch_size=2000)
    return f"名单「{lst.name}」: {len(outlets)} 个网点, {len(customers):,} 户, {len(contacts):,} 条联系记录 (a list, its customers and contacts)"


def _name(rng) -> str:
    from .demo import GIVEN, SURNAMES

    return rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
