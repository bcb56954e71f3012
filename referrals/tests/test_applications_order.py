"""Property: the final state never depends on the order (or repetition) in which events arrive.

Every permutation of the events of several applications — interleaved, split into batches of any
size, with some events delivered twice — must end in the same applications and earnings as the
events applied in their natural order. The scenario exercises first touch (two customers with
applications through different codes), a burst flag, a clawback, a rejection, equal timestamps
(the status order decides) and a disbursement that arrives before its submission."""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from org.models import Customer
from org.tests.factories import StaffFactory, tree
from referrals.models import Application, Earning, ReferralRule
from referrals.services.applications import application_events_apply

from .application_helpers import at, campaign, code_for, event, id_number

pytestmark = pytest.mark.django_db


def scenario(codes) -> list[dict]:
    x, y, z = id_number(101), id_number(102), id_number(103)
    s1, s2, s3 = (c.token for c in codes)
    return [
        # Customer X: A1 through s1, then A2 through s2 ten days later (first touch: s1 keeps it).
        event("A1", "submitted", at("2024-03-01", 9, 0), referral_code=s1, customer_id_number=x, event_id="e01"),
        event("A1", "approved", at("2024-03-02", 9), event_id="e02"),
        event("A1", "disbursed", at("2024-03-02", 9), amount="100000", event_id="e03"),  # same time as approval
        event("A2", "submitted", at("2024-03-11", 9), referral_code=s2, customer_id_number=x, event_id="e04"),
        event("A2", "rejected", at("2024-03-12", 9), reason="征信不符", event_id="e05"),
        event("A2", "approved", at("2024-03-12", 9), event_id="e06"),  # same time: rejected/approved tie, id decides
        # Customer Y: disbursed then withdrawn within the clawback window.
        event(
            "A3", "submitted", at("2024-03-05", 9), referral_code=s3, customer_id_number=y, customer_mobile="13800005555", event_id="e07"
        ),
        event("A3", "disbursed", at("2024-03-06", 9), amount="60000", event_id="e08"),
        event("A3", "withdrawn", at("2024-03-20", 9), reason="客户提前结清", event_id="e09"),
        # Customer Y again through s1 within 30 days: first touch credits s3.
        event("A4", "submitted", at("2024-03-25", 9), referral_code=s1, customer_id_number=y, event_id="e10"),
        event("A4", "disbursed", at("2024-03-27", 9), amount="20000", event_id="e11"),
        # Burst through s1 on 1 March (limit 2 per hour): A1, A5, A6 within the hour.
        event("A5", "submitted", at("2024-03-01", 9, 20), referral_code=s1, customer_id_number=z, event_id="e12"),
        event("A6", "submitted", at("2024-03-01", 9, 40), referral_code=s1, customer_id_number=id_number(104), event_id="e13"),
        event("A6", "disbursed", at("2024-03-03", 9), amount="30000", event_id="e14"),
        # Unknown code, and a disbursement without its submission.
        event("A7", "submitted", at("2024-03-04", 9), referral_code="nope", customer_id_number=id_number(105), event_id="e15"),
        event("A8", "disbursed", at("2024-03-08", 9), amount="5000", customer_id_number=y, event_id="e16"),
    ]


def state() -> dict:
    apps = {}
    for a in Application.objects.select_related("first_touch").order_by("application_id"):
        apps[a.application_id] = (
            a.status,
            a.status_at,
            a.submitted_at,
            a.approved_at,
            a.rejected_at,
            a.reject_reason,
            a.disbursed_at,
            a.disbursed_amount,
            a.withdrawn_at,
            a.product,
            a.customer_id_hash,
            a.customer_mobile,
            a.code_id,
            a.staff_id,
            a.institution_id,
            a.campaign_id,
            a.rule_id,
            a.attribution_note,
            a.first_touch.application_id if a.first_touch else None,
            a.relationship_manager_id,
            a.flag,
            a.flag_status,
        )
    earnings = {
        e.application.application_id: (
            e.staff_id,
            e.institution_id,
            e.incentive_id,
            e.amount,
            e.status,
            e.explanation,
            e.confirmed_at,
            e.reversed_at,
        )
        for e in Earning.objects.select_related("application")
    }
    return {"applications": apps, "earnings": earnings}


@pytest.fixture
def world():
    t = tree()
    campaign()
    ReferralRule.objects.filter(version=1).update(burst_limit=2, burst_window_minutes=60)
    staff = [StaffFactory(institution=t[o]) for o in ("OUT1", "OUT2", "OUT3")]
    Customer.objects.create(customer_no="C9", name="客户", mobile="13800005555", manager=staff[1])
    codes = [code_for(s) for s in staff]
    events = scenario(codes)
    with transaction.atomic():
        results = application_events_apply(events=events, source="webhook")
        assert [r.result for r in results] == ["applied"] * len(events)
        reference = state()
        transaction.set_rollback(True)
    return events, reference


def test_reference_state_is_what_the_rules_say(world):
    events, reference = world
    apps, earnings = reference["applications"], reference["earnings"]
    assert apps["A2"][13] == apps["A1"][13] and apps["A2"][18] == "A1"  # first touch
    assert apps["A4"][13] == apps["A3"][13] and apps["A4"][18] == "A3"
    assert apps["A6"][20] == "burst" and apps["A5"][20] == "" and apps["A1"][20] == ""
    assert earnings["A3"][4] == "reversed" and earnings["A1"][4] == "confirmed" and str(earnings["A1"][3]) == "300.00"
    assert apps["A7"][13] is None and apps["A8"][13] is None and apps["A8"][0] == "disbursed"
    assert "进件事件尚未收到" in apps["A8"][17]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_arrival_order_batching_and_duplication_gives_the_same_state(world, data):
    events, reference = world
    order = data.draw(st.permutations(events), label="order")
    repeats = data.draw(st.lists(st.sampled_from(events), max_size=6), label="repeats")
    stream = list(order)
    for ev in repeats:
        stream.insert(data.draw(st.integers(0, len(stream)), label="at"), dict(ev))
    cuts = sorted(data.draw(st.lists(st.integers(1, max(1, len(stream) - 1)), max_size=5, unique=True), label="cuts"))
    batches = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True) if stream[a:b]]
    with transaction.atomic():
        for batch in batches:
            application_events_apply(events=batch, source="webhook")
        assert state() == reference
        transaction.set_rollback(True)
