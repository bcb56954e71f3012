"""Stock-customer lists (存量客户名单, SPEC §10): the outlet head splits a list among the outlet's
staff, each contact's outcome is recorded by the assignee, a list's period is set by head office,
and an ended list is closed with its funnel frozen (`ListResult`)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Institution, Staff
from org.scoping import institution_in_scope, is_head_office, is_manager, user_staff
from org.services import audit

from ..models import ContactOutcome, CustomerList, ListContact, ListedCustomer, ListResult
from ..selectors.lists import STAGES, funnel_counts

NOTE_MAX = 500


def _require_open(customer_list: CustomerList, *, on: dt.date | None = None) -> None:
    day = on or clock.today()
    if customer_list.closed_at is not None or day > customer_list.end_date:
        raise ApplicationError(
            _("名单“%(name)s”已于 %(day)s 结束，不能再分配或登记联系") % {"name": customer_list.name, "day": f"{customer_list.end_date:%Y-%m-%d}"}
        )


@transaction.atomic
def customer_list_update(*, by, customer_list: CustomerList, name: str, start_date: dt.date, end_date: dt.date) -> CustomerList:
    """Head office names a list and sets the period its conversions count in."""
    if not is_head_office(by):
        raise ApplicationError(_("名单的名称和期间由总行设置"), code="not_found")
    if customer_list.closed_at is not None:
        raise ApplicationError(_("名单已结束并冻结，不能再修改"))
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = [_("请填写名单名称")]
    if end_date < start_date:
        errors["end_date"] = [_("结束日期不能早于开始日期")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    customer_list.name, customer_list.start_date, customer_list.end_date = name[:100], start_date, end_date
    customer_list.save(update_fields=["name", "start_date", "end_date"])
    audit(user=by, action="customer_list.update", obj=customer_list, start=str(start_date), end=str(end_date))
    return customer_list


@transaction.atomic
def list_split(*, by, customer_list: CustomerList, outlet: Institution, staff: list[Staff], counts: dict[int, int] | None = None) -> dict[int, int]:
    """Split the outlet's customers of a list among `staff`: evenly (`counts` None) or by hand
    (`counts`: staff id → how many of the not-yet-contacted customers). Customers already contacted
    stay with whoever contacted them; only the others move. Returns staff id → customers now held."""
    if not is_manager(by) or not institution_in_scope(outlet, user=by):
        raise ApplicationError(_("网点不存在或不在您的管理范围内"), code="not_found")
    _require_open(customer_list)
    if not staff:
        raise ApplicationError(_("请至少选择一名员工"))
    today = clock.today()
    for person in staff:
        if person.institution_id != outlet.pk or not (person.active_to is None or person.active_to >= today):
            raise ApplicationError(_("%(name)s（%(no)s）不是本网点在岗员工，不能分配") % {"name": person.name, "no": person.employee_no})
    # Lock the outlet's customers (PostgreSQL takes no FOR UPDATE with GROUP BY: who has been
    # contacted is a second query).
    customers = list(ListedCustomer.objects.select_for_update().filter(customer_list=customer_list, outlet=outlet).order_by("customer_no"))
    if not customers:
        raise ApplicationError(_("名单中没有%(outlet)s的客户") % {"outlet": outlet.name})
    contacted = set(ListContact.objects.filter(customer__in=[c.pk for c in customers]).values_list("customer_id", flat=True).distinct())
    kept = [c for c in customers if c.pk in contacted and c.assignee_id]
    free = [c for c in customers if not (c.pk in contacted and c.assignee_id)]
    ids = [p.pk for p in staff]
    held = dict.fromkeys(ids, 0)
    for c in kept:
        if c.assignee_id in held:
            held[c.assignee_id] += 1
    if counts is not None:
        bad = {k: v for k, v in counts.items() if v < 0}
        if bad:
            raise ApplicationError(_("分配户数不能为负数"))
        total = sum(counts.get(i, 0) for i in ids)
        if total != len(free):
            raise ApplicationError(_("分配合计 %(total)s 户，应为 %(free)s 户（尚未联系的客户；已联系的 %(kept)s 户留给原联系人）")
                                   % {"total": total, "free": len(free), "kept": len(kept)},
                                   fields={"counts": [_("分配合计 %(total)s 户，应为 %(free)s 户") % {"total": total, "free": len(free)}]})
        plan = [i for i in ids for _ in range(counts.get(i, 0))]
    else:
        # Evenly: each free customer to whoever holds fewest so far (kept ones included), in order.
        plan = []
        for _customer in free:
            pick = min(ids, key=lambda i: (held[i], ids.index(i)))
            held[pick] += 1
            plan.append(pick)
    now = clock.now()
    changed = []
    for customer, staff_id in zip(free, plan, strict=True):
        if customer.assignee_id != staff_id:
            customer.assignee_id, customer.assigned_at = staff_id, now
            changed.append(customer)
    ListedCustomer.objects.bulk_update(changed, ["assignee", "assigned_at"], batch_size=500)
    audit(user=by, action="customer_list.split", obj=customer_list, outlet=outlet.code, moved=len(changed), kept=len(kept),
          mode="even" if counts is None else "manual")
    return dict(
        ListedCustomer.objects.filter(customer_list=customer_list, outlet=outlet, assignee__in=ids)
        .values("assignee").annotate(n=Count("pk")).values_list("assignee", "n")
    )


@transaction.atomic
def list_contact_record(*, by, customer: ListedCustomer, outcome: str, note: str = "", next_contact_on: dt.date | None = None) -> ListContact:
    """The assignee records a contact and its outcome (未接通 / 无意向 / 有意向 / 已进件)."""
    staff = user_staff(by)
    if staff is None or customer.assignee_id != staff.pk:
        raise ApplicationError(_("客户不存在或不在您的名单中"), code="not_found")
    _require_open(customer.customer_list)
    errors = {}
    if outcome not in ContactOutcome.values:
        errors["outcome"] = [_("请选择联系结果：未接通、无意向、有意向或已进件")]
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = [_("备注不能超过 %(max)s 个字") % {"max": NOTE_MAX}]
    today = clock.today()
    if next_contact_on is not None and next_contact_on < today:
        errors["next_contact_on"] = [_("下次联系日期不能早于今天")]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    return ListContact.objects.create(customer=customer, staff=staff, at=clock.now(), outcome=outcome, note=note, next_contact_on=next_contact_on)


@transaction.atomic
def list_close(customer_list: CustomerList) -> bool:
    """Freeze an ended list's funnel per outlet and assignee; idempotent. True if it closed now."""
    locked = CustomerList.objects.select_for_update().get(pk=customer_list.pk)
    if locked.closed_at is not None or locked.end_date >= clock.today():
        return False
    rows = funnel_counts(locked, ListedCustomer.objects.filter(customer_list=locked), ["outlet_id", "assignee_id"])
    ListResult.objects.bulk_create([
        ListResult(customer_list=locked, outlet_id=r["outlet_id"], assignee_id=r["assignee_id"], disbursed_amount=r["amount"], **{s: r[s] for s in STAGES})
        for r in rows
    ])
    locked.closed_at = clock.now()
    locked.save(update_fields=["closed_at"])
    customer_list.closed_at = locked.closed_at
    return True


def lists_close_ended() -> int:
    """The nightly job: close every list whose end date has passed."""
    return sum(list_close(lst) for lst in CustomerList.objects.filter(closed_at__isnull=True, end_date__lt=clock.today()))
