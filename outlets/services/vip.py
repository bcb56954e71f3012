"""VIP customers: derive them from the deposit balance, mark one by hand, log a contact."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from org import clock
from org.errors import ApplicationError
from org.models import Customer, InstitutionKind
from org.scoping import institution_in_scope, is_manager, user_staff
from org.services import audit

from ..models import ContactKind, VipContact, VipCustomer, VipSource
from ..selectors.vip import service_rule_in_force


@transaction.atomic
def vips_refresh(*, today: dt.date | None = None) -> int:
    """Customers whose deposit balance reached the threshold become VIPs (maintaining manager: their
    管户 manager; responsible outlet: the manager's outlet). Customers without a manager in an outlet
    wait until they have one. A VIP whose balance falls is kept and raises 流失预警. Returns how many."""
    today = today or clock.today()
    rule = service_rule_in_force(today)
    fresh = (
        Customer.objects.filter(deposit_balance__gte=rule.vip_threshold, vip__isnull=True, manager__isnull=False, manager__institution__kind=InstitutionKind.OUTLET)
        .values_list("pk", "manager_id", "manager__institution_id")
    )
    created = VipCustomer.objects.bulk_create([
        VipCustomer(customer_id=c, manager_id=m, outlet_id=o, source=VipSource.BALANCE, since=today, reason=f"存款达到 {rule.vip_threshold:,.0f} 元（{rule.label}）")
        for c, m, o in fresh
    ], batch_size=1000)
    vips_follow_managers()
    return len(created)


def vips_follow_managers() -> int:
    """Keep each VIP with the people responsible today: a VIP found from the balance follows the
    customer's 管户 manager (reassigned by the customer file); a VIP marked by hand keeps the manager
    it was given. Either way the responsible outlet is that manager's outlet today, so a manager
    who moves to another outlet takes their VIPs there, and its head answers for them. Managers not
    in an outlet (moved up to a sub-branch, say) leave the VIP where it was. Returns how many moved."""
    outlet = InstitutionKind.OUTLET
    by_balance = (
        VipCustomer.objects.filter(active=True, source=VipSource.BALANCE, customer__manager__institution__kind=outlet)
        .exclude(manager_id=F("customer__manager_id"), outlet_id=F("customer__manager__institution_id"))
        .values_list("pk", "customer__manager_id", "customer__manager__institution_id")
    )
    by_hand = (
        VipCustomer.objects.filter(active=True, source=VipSource.MANUAL, manager__institution__kind=outlet)
        .exclude(outlet_id=F("manager__institution_id"))
        .values_list("pk", "manager_id", "manager__institution_id")
    )
    moved = [VipCustomer(pk=pk, manager_id=m, outlet_id=o) for pk, m, o in [*by_balance, *by_hand]]
    VipCustomer.objects.bulk_update(moved, ["manager", "outlet"], batch_size=1000)
    return len(moved)


@transaction.atomic
def vip_mark(*, by, customer: Customer, reason: str, manager=None) -> VipCustomer:
    """A manager marks a customer as VIP by hand (for their value beyond deposits)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200 or "\x00" in reason:
        raise ApplicationError(_("请填写认定原因（最多 200 字）"), fields={"reason": [_("请填写认定原因")]})
    manager = manager or customer.manager
    if manager is None or manager.institution.kind != InstitutionKind.OUTLET:
        raise ApplicationError(_("请先为客户指定网点的管户客户经理"))
    if not is_manager(by) or not institution_in_scope(manager.institution, user=by):
        raise ApplicationError(_("不在您的管理范围内"), code="not_found")
    vip, created = VipCustomer.objects.get_or_create(
        customer=customer,
        defaults={"source": VipSource.MANUAL, "manager": manager, "outlet": manager.institution, "since": clock.today(), "reason": reason, "marked_by": by},
    )
    if not created:
        vip.active, vip.manager, vip.outlet = True, manager, manager.institution
        vip.save(update_fields=["active", "manager", "outlet"])
    audit(user=by, action="outlets.vip.mark", obj=vip, customer=customer.customer_no)
    return vip


@transaction.atomic
def vip_contact_record(*, by, vip: VipCustomer, kind: str, contacted_on: dt.date, note: str = "") -> VipContact:
    """The maintaining manager (or a manager over the outlet) logs a contact."""
    staff = user_staff(by)
    own = staff is not None and vip.manager_id == staff.pk
    if not own and not (is_manager(by) and institution_in_scope(vip.outlet, user=by)):
        raise ApplicationError(_("不在您的管理范围内"), code="not_found")
    if staff is None:
        raise ApplicationError(_("只有员工账号可以登记联系"))
    if kind not in ContactKind.values:
        raise ApplicationError(_("联系方式无效"), fields={"kind": [_("请选择电话、拜访、短信、祝福、财富诊断或客户活动")]})
    if contacted_on > clock.today():
        raise ApplicationError(_("联系日期不能晚于今天"), fields={"contacted_on": [_("不能晚于今天")]})
    note = (note or "").strip()
    if len(note) > 300 or "\x00" in note:
        raise ApplicationError(_("备注最多 300 字"), fields={"note": [_("最多 300 字")]})
    return VipContact.objects.create(vip=vip, staff=staff, kind=kind, contacted_on=contacted_on, note=note, recorded_at=clock.now())
