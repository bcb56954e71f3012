"""Attribution: first touch across the window edge, flags, relationship manager, transfers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from org import pii
from org.models import Customer
from org.services import staff_transfer
from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import Application, EarningStatus, ReferralRule
from referrals.services.applications import application_events_apply, application_flag_review

from .application_helpers import at, campaign, code_for, event, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def t():
    campaign()
    return tree()


def apply(*events):
    results = application_events_apply(events=list(events), source="webhook")
    assert all(r.result == "applied" for r in results), results
    return results


def app(application_id: str) -> Application:
    return Application.objects.select_related("staff", "institution", "first_touch", "earning").get(application_id=application_id)


@pytest.mark.parametrize("days,first_touch_wins", [(30, True), (31, False)])
def test_first_touch_within_window_credits_the_earlier_employee(t, days, first_touch_wins):
    first, second = StaffFactory(institution=t["OUT1"]), StaffFactory(institution=t["OUT3"])
    customer = id_number(5)
    apply(event("A1", "submitted", at("2024-03-01", 18), referral_code=code_for(first).token, customer_id_number=customer))
    later = dt.date(2024, 3, 1) + dt.timedelta(days=days)
    apply(event("A2", "submitted", at(later, 9), referral_code=code_for(second).token, customer_id_number=customer))
    a2 = app("A2")
    if first_touch_wins:
        assert a2.staff == first and a2.institution == t["OUT1"]
        assert a2.first_touch == app("A1")
        assert "首触归属" in a2.attribution_note and "A1" in a2.attribution_note and "30 天" in a2.attribution_note
    else:
        assert a2.staff == second and a2.institution == t["OUT3"]
        assert a2.first_touch is None and a2.attribution_note == ""


def test_first_touch_window_comes_from_the_rule_version_in_force(t):
    ReferralRule.objects.create(version=2, effective_from=dt.date(2024, 3, 15), attribution_window_days=7)
    first, second = StaffFactory(), StaffFactory()
    customer = id_number(6)
    apply(event("A1", "submitted", at("2024-03-10"), referral_code=code_for(first).token, customer_id_number=customer))
    apply(event("A2", "submitted", at("2024-03-20"), referral_code=code_for(second).token, customer_id_number=customer))
    a2 = app("A2")
    assert a2.rule.version == 2
    assert a2.staff == second  # 10 days > 7 under v2


def test_late_earlier_submission_recredits_the_later_application(t):
    first, second = StaffFactory(), StaffFactory(institution=t["OUT2"])
    customer = id_number(7)
    apply(event("A2", "submitted", at("2024-03-20"), referral_code=code_for(second).token, customer_id_number=customer))
    apply(event("A2", "disbursed", at("2024-03-22"), amount="100000"))
    assert app("A2").staff == second
    apply(event("A1", "submitted", at("2024-03-05"), referral_code=code_for(first).token, customer_id_number=customer))
    a2 = app("A2")
    assert a2.staff == first and a2.first_touch.application_id == "A1"
    assert a2.earning.staff == first and a2.earning.amount == Decimal("300.00")


@pytest.mark.parametrize("match", ["id", "mobile"])
def test_self_referral_is_flagged_and_earns_nothing_until_cleared(t, match):
    me = StaffFactory(institution=t["OUT1"], mobile="13911112222")
    me.id_hash = pii.keyed_hash(id_number(9))
    me.save()
    extra = (
        {"customer_id_number": id_number(9)} if match == "id" else {"customer_mobile": "13911112222", "customer_id_number": id_number(10)}
    )
    apply(
        event("A1", "submitted", at("2024-03-01"), referral_code=code_for(me).token, **extra),
        event("A1", "disbursed", at("2024-03-03"), amount="50000"),
    )
    a1 = app("A1")
    assert a1.flag == "self_referral" and a1.flag_status == "pending" and not a1.counts
    assert a1.earning.amount == 0 and a1.earning.status == EarningStatus.NONE
    assert "自我推荐" in a1.earning.explanation and "不计收益" in a1.earning.explanation
    manager = user_for(StaffFactory(institution=t["SB1"]), scope=t["SB1"])
    application_flag_review(application=a1, by=manager, decision="cleared", note="核实为员工本人正常申请")
    a1 = app("A1")
    assert a1.counts and a1.flag_status == "cleared"
    assert a1.earning.status == EarningStatus.CONFIRMED and a1.earning.amount == Decimal("150.00")


def test_a_cleared_flag_stays_cleared_when_more_events_arrive(t):
    me = StaffFactory(institution=t["OUT1"], mobile="13911112222")
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code_for(me).token, customer_mobile="13911112222"))
    manager = user_for(StaffFactory(institution=t["SB1"]), scope=t["SB1"])
    application_flag_review(application=app("A1"), by=manager, decision="cleared", note="ok")
    apply(event("A1", "disbursed", at("2024-03-03"), amount="50000"))
    assert app("A1").flag_status == "cleared" and app("A1").earning.amount == Decimal("150.00")


def test_staff_mobile_is_flagged_as_acting_for_the_customer(t):
    referrer = StaffFactory(institution=t["OUT1"])
    colleague = StaffFactory(institution=t["OUT2"], mobile="13700009999")
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code_for(referrer).token, customer_mobile=colleague.mobile))
    a1 = app("A1")
    assert a1.flag == "staff_mobile" and a1.get_flag_display() == "员工代客操作" and a1.flag_status == "pending"


def test_burst_from_one_code_flags_the_applications_beyond_the_limit(t):
    ReferralRule.objects.filter(version=1).update(burst_limit=3, burst_window_minutes=60)
    code = code_for(StaffFactory())
    apply(
        *[
            event(f"A{i}", "submitted", at("2024-03-01", 10, i * 10), referral_code=code.token, customer_id_number=id_number(20 + i))
            for i in range(5)
        ]
    )
    flags = dict(Application.objects.values_list("application_id", "flag"))
    assert flags == {"A0": "", "A1": "", "A2": "", "A3": "burst", "A4": "burst"}
    # Two hours later the window has passed.
    apply(event("A9", "submitted", at("2024-03-01", 13, 0), referral_code=code.token, customer_id_number=id_number(40)))
    assert app("A9").flag == ""


def test_manager_outside_scope_cannot_review(t):
    me = StaffFactory(institution=t["OUT1"], mobile="13911112222")
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code_for(me).token, customer_mobile="13911112222"))
    outsider = user_for(StaffFactory(institution=t["SB3"]), scope=t["SB3"])
    from org.errors import ApplicationError

    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        application_flag_review(application=app("A1"), by=outsider, decision="cleared", note="")


def test_institution_is_the_one_at_submission_after_a_transfer(t):
    mover = StaffFactory(institution=t["OUT1"])
    code = code_for(mover)
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code.token, customer_id_number=id_number(50)))
    staff_transfer(staff=mover, institution=t["OUT4"], effective=dt.date(2024, 3, 10))
    apply(event("A2", "submitted", at("2024-03-12"), referral_code=code.token, customer_id_number=id_number(51)))
    # A late event on the first application does not move it to the new outlet either.
    apply(event("A1", "disbursed", at("2024-03-15"), amount="10000"))
    assert app("A1").institution == t["OUT1"] and app("A1").earning.institution == t["OUT1"]
    assert app("A2").institution == t["OUT4"]


def test_customer_managed_by_another_employee_names_the_relationship_manager(t):
    referrer, manager = StaffFactory(institution=t["OUT1"]), StaffFactory(institution=t["OUT2"])
    Customer.objects.create(customer_no="C1", name="王小明", mobile="13800001234", manager=manager)
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code_for(referrer).token, customer_mobile="13800001234"))
    a1 = app("A1")
    assert a1.staff == referrer and a1.relationship_manager == manager
