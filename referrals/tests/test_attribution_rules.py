"""SPEC §3 as corrected in issue 7: only counting applications hold first touch, a rule-credited
application does not extend the window, and only people employed on the day make 代客操作."""

from __future__ import annotations

import datetime as dt

import pytest

from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import Application
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


def app(application_id: str) -> Application:
    return Application.objects.select_related("staff", "first_touch").get(application_id=application_id)


def test_a_confirmed_self_referral_does_not_win_first_touch(t):
    violator = StaffFactory(institution=t["OUT1"], id_hash="")
    colleague = StaffFactory(institution=t["OUT3"])
    customer = id_number(11)
    violator.mobile = "13911110000"
    violator.save()
    # The violator refers their own mobile for a customer: flagged self-referral.
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code_for(violator).token, customer_id_number=customer, customer_mobile="13911110000"))
    assert app("A1").flag == "self_referral"
    manager = user_for(StaffFactory(employee_no="HQ1", institution=t["HO"]), scope=t["HO"])
    application_flag_review(application=app("A1"), by=manager, decision="confirmed")
    # Ten days later a colleague's genuine referral of the same customer.
    apply(event("A2", "submitted", at("2024-03-11"), referral_code=code_for(colleague).token, customer_id_number=customer))
    a2 = app("A2")
    assert a2.staff == colleague and a2.first_touch is None


def test_confirming_a_flag_afterwards_hands_the_later_application_back(t):
    violator, colleague = StaffFactory(institution=t["OUT1"]), StaffFactory(institution=t["OUT3"])
    violator.mobile = "13911110001"
    violator.save()
    customer = id_number(12)
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code_for(violator).token, customer_id_number=customer, customer_mobile="13911110001"))
    manager = user_for(StaffFactory(employee_no="HQ2", institution=t["HO"]), scope=t["HO"])
    application_flag_review(application=app("A1"), by=manager, decision="cleared")  # counts: holds first touch
    apply(event("A2", "submitted", at("2024-03-11"), referral_code=code_for(colleague).token, customer_id_number=customer))
    assert app("A2").staff == violator
    application_flag_review(application=app("A1"), by=manager, decision="confirmed")
    assert app("A2").staff == colleague and app("A2").first_touch is None


def test_the_window_does_not_chain_through_rule_credited_applications(t):
    x, y, z = StaffFactory(institution=t["OUT1"]), StaffFactory(institution=t["OUT2"]), StaffFactory(institution=t["OUT3"])
    customer = id_number(13)
    apply(event("A1", "submitted", at("2024-03-01"), referral_code=code_for(x).token, customer_id_number=customer))
    apply(event("A2", "submitted", at("2024-03-25"), referral_code=code_for(y).token, customer_id_number=customer))
    assert app("A2").staff == x  # day 24: within X's window
    # Day 45 from X's own application, day 21 from A2 (credited to X only by the rule): Z's.
    apply(event("A3", "submitted", at("2024-04-15"), referral_code=code_for(z).token, customer_id_number=customer))
    a3 = app("A3")
    assert a3.staff == z and a3.first_touch is None


def test_a_mobile_of_someone_no_longer_employed_does_not_flag(t):
    referrer = StaffFactory(institution=t["OUT1"])
    StaffFactory(institution=t["OUT2"], mobile="13922220000", active_from=dt.date(2015, 1, 1), active_to=dt.date(2019, 6, 30))
    StaffFactory(institution=t["OUT2"], mobile="13922220001", active_from=dt.date(2024, 5, 1))  # joins later
    StaffFactory(institution=t["OUT2"], mobile="13922220002", active_from=dt.date(2020, 1, 1))  # employed now
    token = code_for(referrer).token
    apply(
        event("L1", "submitted", at("2024-03-01"), referral_code=token, customer_id_number=id_number(21), customer_mobile="13922220000"),
        event("L2", "submitted", at("2024-03-01"), referral_code=token, customer_id_number=id_number(22), customer_mobile="13922220001"),
        event("L3", "submitted", at("2024-03-01"), referral_code=token, customer_id_number=id_number(23), customer_mobile="13922220002"),
    )
    assert [app(a).flag for a in ("L1", "L2", "L3")] == ["", "", "staff_mobile"]
