"""Applying loan-system events: validation, idempotency, the fold, PII, bounded queries."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from org.models import AuditLog
from org.tests.factories import StaffFactory, tree
from referrals.models import Application, ApplicationEvent, EarningStatus
from referrals.services.applications import application_events_apply

from .application_helpers import at, campaign, code_for, event, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    t = tree()
    staff = StaffFactory(institution=t["OUT1"], mobile="13900000001")
    code = code_for(staff)
    campaign()
    return {"tree": t, "staff": staff, "code": code}


def test_submitted_then_disbursed_credits_the_code_owner_and_confirms_earning(setup):
    results = application_events_apply(
        events=[
            event("A1", "submitted", at("2024-03-01"), referral_code=setup["code"].token),
            event("A1", "approved", at("2024-03-02")),
            event("A1", "disbursed", at("2024-03-03"), amount="50000"),
        ],
        source="webhook",
    )
    assert [r.result for r in results] == ["applied"] * 3
    app = Application.objects.get(application_id="A1")
    assert app.status == "disbursed"
    assert app.staff == setup["staff"]
    assert app.institution == setup["tree"]["OUT1"]
    assert app.disbursed_amount == Decimal("50000.00")
    assert app.rule.version == 1
    assert app.earning.status == EarningStatus.CONFIRMED
    assert app.earning.amount == Decimal("150.00")
    assert app.earning.incentive.version == 1


def test_replayed_event_is_duplicate_and_changes_nothing(setup):
    ev = event("A1", "submitted", at("2024-03-01"), referral_code=setup["code"].token)
    application_events_apply(events=[ev], source="webhook")
    before = Application.objects.values().get(application_id="A1")
    again = application_events_apply(events=[ev, dict(ev)], source="file")
    assert [r.result for r in again] == ["duplicate", "duplicate"]
    assert ApplicationEvent.objects.count() == 1
    after = Application.objects.values().get(application_id="A1")
    assert before == after


def test_invalid_events_are_rejected_with_chinese_reasons_and_the_rest_apply(setup):
    good = event("A1", "submitted", at("2024-03-01"), referral_code=setup["code"].token)
    bad = [
        event("A2", "paid", at("2024-03-01")),
        event("A3", "disbursed", at("2024-03-01"), amount=None),
        {**event("A4", "submitted", at("2024-03-01")), "occurred_at": "2024/03/01 10:00"},
        event("A5", "submitted", at("2024-03-01"), customer_id_number="220102199001010000"),
        event("A6", "submitted", at("2024-03-01"), customer_mobile="12345"),
        event("A7", "submitted", at("2024-03-01"), product="mortgage"),
        event("A8", "disbursed", at("2024-03-01"), amount="-5"),
        {"application_id": "A9", "status": "submitted"},
    ]
    results = application_events_apply(events=[bad[0], good, *bad[1:]], source="webhook")
    assert results[1].result == "applied"
    rejected = [r for i, r in enumerate(results) if i != 1]
    assert all(r.result == "rejected" for r in rejected)
    reasons = [r.reason for r in rejected]
    assert "状态“paid”无效" in reasons[0]
    assert reasons[1] == "放款事件必须填写金额"
    assert "发生时间" in reasons[2] and "ISO 8601" in reasons[2]
    assert "身份证号无效" in reasons[3] and "220102199001010000" not in reasons[3]
    assert "手机号无效" in reasons[4]
    assert "产品“mortgage”不存在" in reasons[5]
    assert reasons[6] == "金额必须大于 0"
    assert reasons[7] == "缺少事件编号"
    assert list(Application.objects.values_list("application_id", flat=True)) == ["A1"]


def test_clear_id_number_is_stored_nowhere(setup):
    number = id_number(77)
    application_events_apply(
        events=[event("A1", "submitted", at("2024-03-01"), customer_id_number=number, referral_code=setup["code"].token)],
        source="webhook",
    )
    app = Application.objects.get()
    assert app.customer_id_masked == number[:3] + "*" * 11 + number[-4:]
    assert number not in json.dumps(list(ApplicationEvent.objects.values("payload")), default=str)
    assert number not in json.dumps(list(Application.objects.values()), default=str)
    assert number not in json.dumps(list(AuditLog.objects.values()), default=str)


def test_naive_time_is_shanghai_and_offset_is_respected(setup):
    application_events_apply(
        events=[
            event("A1", "submitted", at("2024-03-01"), occurred_at="2024-03-01T09:30:00"),
            event("A2", "submitted", at("2024-03-01"), occurred_at="2024-03-01T01:30:00Z", event_id="Z1"),
        ],
        source="file",
    )
    a1, a2 = Application.objects.order_by("application_id")
    assert a1.submitted_at == dt.datetime(2024, 3, 1, 1, 30, tzinfo=dt.UTC)
    assert a2.submitted_at == a1.submitted_at


def test_disbursed_before_submitted_creates_the_application_and_recomputes_when_submitted_arrives(setup):
    other = StaffFactory(institution=setup["tree"]["OUT2"])
    application_events_apply(events=[event("A1", "disbursed", at("2024-03-05"), amount="80000")], source="webhook")
    app = Application.objects.get()
    assert app.status == "disbursed" and app.staff is None
    assert "进件事件尚未收到" in app.attribution_note
    application_events_apply(events=[event("A1", "submitted", at("2024-03-01"), referral_code=code_for(other).token)], source="webhook")
    app.refresh_from_db()
    assert app.status == "disbursed"
    assert app.submitted_at == at("2024-03-01")
    assert app.staff == other and app.institution == setup["tree"]["OUT2"]
    assert app.earning.amount == Decimal("240.00")


def test_unknown_revoked_and_absent_codes_are_recorded_but_credited_to_nobody(setup):
    revoked = code_for(StaffFactory(), revoked_at=at("2024-02-01"))
    application_events_apply(
        events=[
            event("A1", "submitted", at("2024-03-01"), referral_code="no-such-code"),
            event("A2", "submitted", at("2024-03-01"), referral_code=revoked.token, customer_id_number=id_number(2)),
            event("A3", "submitted", at("2024-03-01"), customer_id_number=id_number(3)),
        ],
        source="webhook",
    )
    notes = dict(Application.objects.values_list("application_id", "attribution_note"))
    assert Application.objects.filter(staff__isnull=True).count() == 3
    assert "推荐码未知" in notes["A1"]
    assert "推荐码已作废" in notes["A2"]
    assert "无推荐码" in notes["A3"]


def test_batch_of_100_runs_a_bounded_number_of_queries(setup, django_assert_max_num_queries):
    staff = [StaffFactory(institution=setup["tree"]["OUT1"]) for _ in range(5)]
    codes = [code_for(s) for s in staff]
    events = []
    for i in range(50):
        events.append(
            event(
                f"B{i}",
                "submitted",
                at("2024-03-01", 9, i),
                referral_code=codes[i % 5].token,
                customer_id_number=id_number(i + 10),
                customer_mobile=f"1370000{i:04d}",
            )
        )
        events.append(event(f"B{i}", "disbursed", at("2024-03-02", 9, i), amount="100000"))
    with django_assert_max_num_queries(30):
        results = application_events_apply(events=events, source="webhook")
    assert {r.result for r in results} == {"applied"}
    assert Application.objects.filter(earning__status="confirmed").count() == 50
    # A second batch touching the same applications stays bounded too.
    more = [event(f"B{i}", "withdrawn", at("2024-03-10", 9, i)) for i in range(50)] + [
        event(f"C{i}", "submitted", at("2024-03-11", 9, i), referral_code=codes[0].token, customer_id_number=id_number(i + 10))
        for i in range(50)
    ]
    with django_assert_max_num_queries(30):
        application_events_apply(events=more, source="webhook")
    assert Application.objects.filter(earning__status="reversed").count() == 50


def test_a_concurrent_delivery_of_the_same_event_applies_once(setup, monkeypatch):
    """The race of two deliveries: the other one records the event after our check for known ids.
    Our insert then meets the UNIQUE constraint, rolls back to its savepoint, re-reads the ids and
    reports the event as a duplicate; the other events of our batch still apply."""
    from referrals.services import applications as service

    shared = event("A1", "submitted", at("2024-03-01"), referral_code=setup["code"].token)
    mine = event("A2", "submitted", at("2024-03-02"), referral_code=setup["code"].token, customer_id_number=id_number(2))
    application_events_apply(events=[shared], source="webhook")  # the other delivery, committed
    real = service.recorded_event_ids
    calls = []

    def stale_then_real(ids):
        calls.append(ids)
        return set() if len(calls) == 1 else real(ids)  # our first check ran before the other commit

    monkeypatch.setattr(service, "recorded_event_ids", stale_then_real)
    results = application_events_apply(events=[shared, mine], source="webhook")
    assert [r.result for r in results] == ["duplicate", "applied"]
    assert len(calls) == 2
    assert ApplicationEvent.objects.filter(event_id=shared["event_id"]).count() == 1
    assert Application.objects.count() == 2


def test_my_referrals_and_manager_list_run_a_bounded_number_of_queries(setup, django_assert_max_num_queries):
    from rest_framework.test import APIClient

    from org.tests.factories import user_for

    staff = setup["staff"]
    events = [
        event(f"Q{i}", "submitted", at("2024-03-01", 9, i), referral_code=setup["code"].token, customer_id_number=id_number(100 + i))
        for i in range(30)
    ]
    application_events_apply(events=events, source="webhook")
    client = APIClient()
    client.force_authenticate(user_for(staff))
    with django_assert_max_num_queries(8):
        assert client.get("/api/v1/me/referrals", {"page_size": 30}).json()["count"] == 30
    with django_assert_max_num_queries(8):
        client.get("/api/v1/me/earnings")
    manager = APIClient()
    manager.force_authenticate(user_for(StaffFactory(institution=setup["tree"]["SB1"]), scope=setup["tree"]["SB1"]))
    with django_assert_max_num_queries(10):
        assert manager.get("/api/v1/referrals/applications/", {"page_size": 30}).json()["count"] == 30


def test_a_deadlock_victim_batch_is_retried(setup, monkeypatch):
    """PostgreSQL may pick our transaction as a deadlock victim when another batch recomputes the
    same neighbours; the work was rolled back, so the batch is simply done again."""
    from django.db import OperationalError

    from referrals.services import applications as service

    real, calls = service._apply_fresh, []

    class Deadlock(Exception):
        pgcode = "40P01"

    def deadlock_once(fresh, *, source):
        calls.append(len(fresh))
        if len(calls) == 1:
            real(fresh, source=source)  # did the work, then lost the deadlock: rolled back
            raise OperationalError("deadlock detected") from Deadlock()
        return real(fresh, source=source)

    monkeypatch.setattr(service, "_apply_fresh", deadlock_once)
    results = application_events_apply(
        events=[event("A1", "submitted", at("2024-03-01"), referral_code=setup["code"].token)], source="webhook"
    )
    assert [r.result for r in results] == ["applied"] and calls == [1, 1]
    assert ApplicationEvent.objects.count() == 1 and Application.objects.get().staff == setup["staff"]
