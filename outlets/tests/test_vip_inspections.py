import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from org import clock
from org.errors import ApplicationError
from org.models import Customer
from org.periods import Period
from org.tests.factories import StaffFactory, institution, tree, user_for
from outlets.models import Inspection, InspectionSheet, VipCustomer
from outlets.selectors.inspections import inspector_quota, quarter_inspection_awards
from outlets.selectors.vip import manager_vips, vip_alerts
from outlets.services.inspections import inspection_record
from outlets.services.vip import vip_contact_record, vip_mark, vips_refresh
from outlets.tests.helpers import manager

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 6, 30)
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def customer(no, balance, mgr):
    return Customer.objects.create(customer_no=no, name="客户" + no, deposit_balance=Decimal(balance) if balance is not None else None, manager=mgr)


def test_vip_threshold_edges_and_both_alerts():
    mgr = manager("V1")
    with clock.frozen(dt.datetime(2025, 3, 1, 9)):
        customer("C1", "99999.99", mgr)
        c2 = customer("C2", "100000.00", mgr)
        c3 = customer("C3", "500000", mgr)
        customer("C4", "800000", None)  # no manager yet: waits
        assert vips_refresh() == 2
        assert vips_refresh() == 0
    assert set(VipCustomer.objects.values_list("customer__customer_no", flat=True)) == {"C2", "C3"}
    # C2's balance falls below the threshold: 流失预警. C3 was contacted 89 days ago, C2 never (since 2025-03-01).
    Customer.objects.filter(pk=c2.pk).update(deposit_balance=Decimal("99999.99"))
    with clock.frozen(dt.datetime(2025, 5, 1, 9)):
        vip_contact_record(by=user_for(mgr), vip=c3.vip, kind="greeting", contacted_on=TODAY - dt.timedelta(days=89), note="生日祝福")
    alerts, rule = vip_alerts(root=tree()["HO"], today=TODAY)
    by_no = {v.customer.customer_no: v for v in alerts}
    assert set(by_no) == {"C2"} and by_no["C2"].balance_alert and by_no["C2"].contact_due  # 121 days since becoming VIP
    assert rule.no_contact_days == 90
    later = TODAY + dt.timedelta(days=1)  # C3's contact is now 90 days old: due
    assert {v.customer.customer_no for v in vip_alerts(root=tree()["HO"], today=later)[0]} == {"C2", "C3"}
    mine, _ = manager_vips(staff=mgr, today=TODAY)
    assert [(v.customer.customer_no, v.contact_due) for v in mine] == [("C2", True), ("C3", False)]
    # Out of scope: another branch's manager cannot log a contact.
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        vip_contact_record(by=user_for(scope=tree()["BR2"]), vip=c3.vip, kind="call", contacted_on=TODAY)


def test_a_vip_marked_by_hand_has_no_balance_alert():
    mgr = manager("V2")
    c = customer("C9", "1000", mgr)
    boss = user_for(scope=tree()["SB1"])
    with pytest.raises(ApplicationError, match="认定原因"):
        vip_mark(by=boss, customer=c, reason="")
    vip = vip_mark(by=boss, customer=c, reason="代发工资企业主")
    assert vip.source == "manual" and vip.outlet == tree()["OUT1"]
    alerts, _ = vip_alerts(root=tree()["HO"], today=vip.since + dt.timedelta(days=10))
    assert list(alerts) == []


def leader(no="L1", inst="BR1"):
    person = StaffFactory(employee_no=no, institution=tree()[inst], positions=";branch_manager;")
    return user_for(person, scope=tree()[inst])


def full_marks(sheet, less=0):
    items = list(sheet.items.all())
    return {i.pk: str(i.max_points - (less if n == 0 else 0)) for n, i in enumerate(items)}


def test_inspection_item_by_item_with_photos_quota_and_scope():
    sheet = InspectionSheet.objects.get()
    user = leader()
    with clock.frozen(dt.datetime(2025, 6, 30, 9)):
        with pytest.raises(ApplicationError, match="不能超过满分"):
            inspection_record(by=user, outlet=tree()["OUT1"], inspected_on=dt.date(2025, 6, 16), scores={**full_marks(sheet), sheet.items.first().pk: "99"})
        bad = full_marks(sheet)
        bad.pop(sheet.items.last().pk)
        with pytest.raises(ApplicationError, match="未打分"):
            inspection_record(by=user, outlet=tree()["OUT1"], inspected_on=dt.date(2025, 6, 16), scores=bad)
        with pytest.raises(ApplicationError, match="不在您的管理范围内"):
            inspection_record(by=user, outlet=tree()["OUT4"], inspected_on=dt.date(2025, 6, 16), scores=full_marks(sheet))
        with pytest.raises(ApplicationError, match="内容与扩展名"):
            inspection_record(by=user, outlet=tree()["OUT1"], inspected_on=dt.date(2025, 6, 16), scores=full_marks(sheet), photos=[SimpleUploadedFile("a.png", b"MZ" * 40)])
        assert not Inspection.objects.exists()
        with pytest.raises(ApplicationError, match="只有总行和分支行领导"):
            inspection_record(by=user_for(manager("W1")), outlet=tree()["OUT1"], inspected_on=dt.date(2025, 6, 16), scores=full_marks(sheet))
        done = inspection_record(by=user, outlet=tree()["OUT1"], inspected_on=dt.date(2025, 6, 16), scores=full_marks(sheet, less=Decimal("2.5")),
                                 photos=[SimpleUploadedFile("门头.png", PNG)])
        assert done.total == Decimal("97.5") and done.max_total == 100 and done.photos.count() == 1
        inspection_record(by=user, outlet=tree()["OUT1"], inspected_on=dt.date(2025, 6, 20), scores=full_marks(sheet))  # same outlet again
        inspection_record(by=user, outlet=tree()["OUT2"], inspected_on=dt.date(2025, 6, 15), scores=full_marks(sheet))  # the first half
    rows, (lo, hi), rule = inspector_quota(root=tree()["BR1"], day=dt.date(2025, 6, 30))
    assert (lo, hi) == (dt.date(2025, 6, 16), dt.date(2025, 6, 30))
    assert [(r["inspector__employee_no"], r["outlets"], r["inspections"], r["quota"], r["met"]) for r in rows] == [("L1", 1, 2, 12, False)]


def test_red_flags_for_the_top_3_and_penalties_for_the_bottom_3_of_each_branch():
    sheet = InspectionSheet.objects.get()
    user = leader()
    t = tree()
    outlets = [t["OUT1"], t["OUT2"], t["OUT3"]] + [institution(f"RX{i}", "outlet", t["SB2"], f"检查网点{i}") for i in range(4)]
    with clock.frozen(dt.datetime(2025, 6, 30, 9)):
        for i, o in enumerate(outlets):  # scores 100, 99, … 94; OUT2 and OUT3 tie at 98 by giving OUT2 98
            less = Decimal(i) if i != 1 else Decimal(2)
            inspection_record(by=user, outlet=o, inspected_on=dt.date(2025, 5, 10), scores=full_marks(sheet, less=less))
    scores, rule = quarter_inspection_awards(quarter=Period.parse("2025-Q2"))
    got = {s.code: (s.rank, s.award, s.penalty) for s in scores}
    assert got["OUT1"] == (1, "流动红旗", 0)
    assert got["OUT2"][:2] == (2, "流动红旗") and got["OUT3"][:2] == (2, "流动红旗")  # tie at the edge: both flagged
    assert got["RX0"] == (4, "", 0)
    assert [got[f"RX{i}"] for i in (1, 2, 3)] == [(5, "扣分", Decimal("5")), (6, "扣分", Decimal("5")), (7, "扣分", Decimal("5"))]


def test_a_2053_connected_call_or_visit_counts_as_the_vips_last_contact():
    from wealth.models import Call, Visit

    mgr = manager("V9")
    with clock.frozen(dt.datetime(2025, 3, 1, 9)):
        c = customer("C9", "500000", mgr)
        vips_refresh()
    assert {v.customer.customer_no for v in vip_alerts(root=tree()["HO"], today=TODAY)[0]} == {"C9"}  # never contacted, VIP for 121 days
    when = dt.datetime(2025, 6, 1, 10, tzinfo=clock.SHANGHAI)
    Call.objects.create(call_id="X1", staff=mgr, institution=mgr.institution, customer=c, started_at=when, local_date=when.date(),
                        duration_s=30, connected=False, channel="landline")
    assert {v.customer.customer_no for v in vip_alerts(root=tree()["HO"], today=TODAY)[0]} == {"C9"}  # not connected: not a contact
    Call.objects.create(call_id="X2", staff=mgr, institution=mgr.institution, customer=c, started_at=when, local_date=dt.date(2025, 5, 20),
                        duration_s=30, connected=True, channel="landline")
    mine, _ = manager_vips(staff=mgr, today=TODAY)
    assert [(v.last_contact, v.contact_due) for v in mine] == [(dt.date(2025, 5, 20), False)]
    Visit.objects.create(staff=mgr, institution=mgr.institution, customer=c, local_date=dt.date(2025, 6, 10), method="customer_no", visited_at=when)
    mine, _ = manager_vips(staff=mgr, today=TODAY)
    assert mine[0].last_contact == dt.date(2025, 6, 10)


def test_vips_follow_their_manager_to_another_outlet_and_a_reassigned_customer():
    from org.services import staff_transfer

    t = tree()
    mover, other = manager("V5"), manager("V6", "OUT2")
    with clock.frozen(dt.datetime(2025, 3, 1, 9)):
        customer("C20", "300000", mover)
        handed = customer("C21", "300000", mover)
        vips_refresh()
        by_hand = customer("C22", "1000", mover)
        vip_mark(by=user_for(scope=t["SB1"]), customer=by_hand, reason="代发工资大客户")
    assert set(VipCustomer.objects.values_list("outlet__code", flat=True)) == {"OUT1"}
    # The manager moves to OUT3 (another sub-branch); C21's file now names V6 of OUT2.
    staff_transfer(staff=mover, institution=t["OUT3"], effective=dt.date(2025, 4, 1))
    Customer.objects.filter(pk=handed.pk).update(manager=other)
    with clock.frozen(dt.datetime(2025, 4, 2, 9)):
        assert vips_refresh() == 0  # nobody new; three moved
    now = {v.customer.customer_no: (v.manager.employee_no, v.outlet.code) for v in VipCustomer.objects.select_related("customer", "manager", "outlet")}
    assert now == {"C20": ("V5", "OUT3"), "C21": ("V6", "OUT2"), "C22": ("V5", "OUT3")}
    # The new outlet's head sees them; the old sub-branch's does not.
    assert {v.customer.customer_no for v in vip_alerts(root=t["SB2"], today=dt.date(2025, 9, 1))[0]} == {"C20", "C22"}
    assert {v.customer.customer_no for v in vip_alerts(root=t["OUT1"], today=dt.date(2025, 9, 1))[0]} == set()


def test_the_alert_lists_and_counts_agree_with_each_vips_own_status_in_every_case():
    """`contact_due_q` (lists and counts over a scope) against `contact_due` (each row's status)."""
    from outlets.sections import manager_home
    from outlets.selectors.vip import vip_alert_counts
    from wealth.models import Call, Visit

    mgr = manager("V7")
    cutoff = TODAY - dt.timedelta(days=90)
    cases = {  # customer: (VIP since, hand contact, connected call, visit) — None: none
        "N-OLD": (dt.date(2025, 1, 1), None, None, None),  # never contacted, VIP long ago: due
        "N-NEW": (dt.date(2025, 6, 1), None, None, None),  # never contacted, VIP lately: not yet
        "H-OLD": (dt.date(2025, 1, 1), cutoff, None, None),  # last contact on the cutoff day: due
        "H-NEW": (dt.date(2025, 1, 1), cutoff + dt.timedelta(days=1), None, None),
        "C-NEW": (dt.date(2025, 1, 1), cutoff - dt.timedelta(days=5), cutoff + dt.timedelta(days=3), None),
        "V-NEW": (dt.date(2025, 1, 1), None, cutoff - dt.timedelta(days=1), TODAY),
        "BEFORE": (dt.date(2025, 6, 1), None, None, dt.date(2024, 12, 1)),  # contacted long before becoming VIP: due
    }
    by = user_for(mgr)
    for no, (since, hand, call, visit) in cases.items():
        c = customer(no, "500000", mgr)
        vip = VipCustomer.objects.create(customer=c, outlet=mgr.institution, manager=mgr, source="balance", since=since)
        if hand:
            vip_contact_record(by=by, vip=vip, kind="call", contacted_on=hand)
        when = dt.datetime(2025, 6, 1, 10, tzinfo=clock.SHANGHAI)
        if call:
            Call.objects.create(call_id=f"K{no}", staff=mgr, institution=mgr.institution, customer=c, started_at=when, local_date=call,
                                duration_s=60, connected=True, channel="landline")
        if visit:
            Visit.objects.create(staff=mgr, institution=mgr.institution, customer=c, local_date=visit, method="customer_no", visited_at=when)
    mine, _ = manager_vips(staff=mgr, today=TODAY)
    due = {v.customer.customer_no for v in mine if v.contact_due}
    assert due == {"N-OLD", "H-OLD", "BEFORE"}
    assert {v.customer.customer_no for v in vip_alerts(root=tree()["HO"], today=TODAY)[0]} == due
    counts, _ = vip_alert_counts(root=tree()["HO"], today=TODAY)
    assert counts == {"lost": 0, "no_contact": 3}
    with clock.frozen(dt.datetime(2025, 6, 30, 9)):
        assert manager_home(None, tree()["HO"])["no_contact"] == 3
