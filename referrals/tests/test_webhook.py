"""The loan-system webhook end to end: signature, replay window, answers, duplicates."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from org import clock
from org.tests.factories import StaffFactory, tree
from referrals.models import Application, ApplicationEvent

from .application_helpers import at, campaign, code_for, event, post_events, sign

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 3, 10, 12, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def client():
    return APIClient()


@pytest.fixture
def code():
    t = tree()
    campaign()
    return code_for(StaffFactory(institution=t["OUT1"]))


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def test_signed_batch_is_applied_and_answered_per_event(client, code):
    events = [
        event("A1", "submitted", at("2024-03-01"), referral_code=code.token),
        event("A1", "disbursed", at("2024-03-05"), amount="200000"),
        event("A2", "paid", at("2024-03-05"), event_id="bad"),
    ]
    response = post_events(client, events)
    assert response.status_code == 200
    body = response.json()
    assert body["applied"] == 2 and body["duplicate"] == 0 and body["rejected"] == 1
    assert [r["result"] for r in body["results"]] == ["applied", "applied", "rejected"]
    assert body["results"][2] == {"event_id": "bad", "result": "rejected", "reason": body["results"][2]["reason"]}
    assert "状态“paid”无效" in body["results"][2]["reason"]
    app = Application.objects.get(application_id="A1")
    assert app.status == "disbursed" and app.earning.amount == 300  # 0.3% of 200,000 = 600, capped at 300


def test_replayed_request_reports_duplicates_and_changes_nothing(client, code):
    events = [event("A1", "submitted", at("2024-03-01"), referral_code=code.token)]
    post_events(client, events)
    snapshot = list(Application.objects.values())
    body = post_events(client, events).json()
    assert body == {
        "results": [{"event_id": events[0]["event_id"], "result": "duplicate", "reason": body["results"][0]["reason"]}],
        "applied": 0,
        "duplicate": 1,
        "rejected": 0,
    }
    assert list(Application.objects.values()) == snapshot
    assert ApplicationEvent.objects.count() == 1


@pytest.mark.parametrize(
    "signature",
    [
        "sha256=" + "0" * 64,
        "md5=abc",
        "",
    ],
    ids=["wrong", "bad-scheme", "missing"],
)
def test_bad_or_missing_signature_is_refused_with_401(client, code, signature):
    events = [event("A1", "submitted", at("2024-03-01"), referral_code=code.token)]
    response = post_events(client, events, signature=signature)
    assert response.status_code == 401
    assert response.json()["error"]["message"] in ("签名校验失败", "缺少签名或时间戳（X-Signature、X-Timestamp）")
    assert not Application.objects.exists()


def test_signature_with_another_secret_or_altered_body_is_refused(client, code):
    body = json.dumps({"events": [event("A1", "submitted", at("2024-03-01"), referral_code=code.token)]}).encode()
    ts = int(NOW.timestamp())
    assert post_events(client, [], raw=body, signature=sign(body, ts, secret="another")).status_code == 401
    tampered = body.replace(b"A1", b"A9")
    assert post_events(client, [], raw=tampered, signature=sign(body, ts)).status_code == 401
    # The timestamp is signed too: the same signature with another timestamp fails.
    assert post_events(client, [], raw=body, timestamp=ts - 1, signature=sign(body, ts)).status_code == 401
    assert post_events(client, [], raw=body, timestamp=ts, signature=sign(body, ts)).status_code == 200


@pytest.mark.parametrize("skew,expected", [(-301, 401), (301, 401), (-299, 200), (299, 200)])
def test_timestamps_more_than_300_seconds_away_are_refused_both_ways(client, code, skew, expected):
    events = [event("A1", "submitted", at("2024-03-01"), referral_code=code.token)]
    response = post_events(client, events, timestamp=int(NOW.timestamp()) + skew)
    assert response.status_code == expected
    if expected == 401:
        assert response.json()["error"]["code"] == "timestamp_stale"
        assert "300 秒" in response.json()["error"]["message"]


def test_malformed_json_with_a_valid_signature_is_400(client, code):
    response = post_events(client, [], raw=b'{"events": [')
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "请求体不是有效的 JSON"
    response = post_events(client, [], raw=b'{"items": []}')
    assert response.status_code == 400


def test_signature_is_checked_before_the_body_is_parsed(client, code):
    # Garbage with a bad signature answers 401, not 400: nothing was parsed.
    response = post_events(client, [], raw=b"\xff\xfe not json", signature="sha256=" + "1" * 64)
    assert response.status_code == 401


def test_no_session_or_csrf_needed_and_listed_in_schema(client, code):
    strict = APIClient(enforce_csrf_checks=True)
    events = [event("A1", "submitted", at("2024-03-01"), referral_code=code.token)]
    assert post_events(strict, events).status_code == 200
    schema = client.get("/api/schema/", {"format": "json"})
    assert "/api/v1/integrations/loan-events" in schema.json()["paths"]
