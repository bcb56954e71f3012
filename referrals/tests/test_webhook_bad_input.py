"""What the attack run found at the loan-system webhook (issue 7 §5): NUL bytes, absurd headers and
bodies, full-width digits, events from the future. Runs on SQLite and, in CI, on PostgreSQL (where a
NUL used to answer 500 and fail the whole batch on every retry)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from org import clock
from org.tests.factories import StaffFactory, tree
from referrals.models import Application

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
    StaffFactory(institution=t["OUT2"], mobile="13912345678")  # a colleague elsewhere
    return code_for(StaffFactory(institution=t["OUT1"], mobile="13700000001"))


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


def test_an_event_with_a_nul_byte_is_rejected_on_its_own_and_the_rest_apply(client, code):
    events = [
        event("A1", "submitted", at("2024-03-01"), referral_code=code.token),
        event("A2", "submitted", at("2024-03-01"), referral_code=code.token, customer_name="王\x00小明"),
        event("A3", "submitted", at("2024-03-02"), referral_code=code.token, customer_id_number=None, event_id="EV\x00X"),
    ]
    resp = post_events(client, events)
    assert resp.status_code == 200
    body = resp.json()
    assert [r["result"] for r in body["results"]] == ["applied", "rejected", "rejected"]
    assert body["results"][1]["reason"] == "客户姓名含有非法字符（NUL）"
    assert "非法字符（NUL）" in body["results"][2]["reason"]
    assert list(Application.objects.values_list("application_id", flat=True)) == ["A1"]
    # The retry of the same batch is answered the same way, not 500 for ever.
    again = post_events(client, events).json()
    assert [r["result"] for r in again["results"]] == ["duplicate", "rejected", "rejected"]


def test_a_timestamp_of_401_digits_is_a_401_not_a_500(client, code):
    body = json.dumps({"events": []}).encode()
    huge = "9" * 401
    resp = client.post("/api/v1/integrations/loan-events", data=body, content_type="application/json", HTTP_X_TIMESTAMP=huge, HTTP_X_SIGNATURE=sign(body, huge))
    assert resp.status_code == 401
    assert resp.json()["error"]["message"] == "时间戳格式错误，应为 Unix 秒"


@pytest.mark.parametrize("timestamp", ["１７１００４３２００", "1.7e9", "-1", " 12 34 "])
def test_a_timestamp_that_is_not_ascii_unix_seconds_is_refused(client, code, timestamp):
    body = json.dumps({"events": []}).encode()
    resp = client.post("/api/v1/integrations/loan-events", data=body, content_type="application/json", HTTP_X_TIMESTAMP=timestamp, HTTP_X_SIGNATURE=sign(body, timestamp))
    assert resp.status_code == 401


def test_a_deeply_nested_signed_body_is_a_400(client, code):
    depth = 200_000
    raw = b'{"events":' + b"[" * depth + b"]" * depth + b"}"
    resp = post_events(client, [], raw=raw)
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "请求体嵌套层级过深"


def test_full_width_digits_do_not_dodge_the_staff_mobile_flag(client, code):
    """A colleague's mobile typed in full-width digits is still the colleague's mobile."""
    ev = event("A1", "submitted", at("2024-03-01"), referral_code=code.token, customer_mobile="１３９１２３４５６７８")
    assert post_events(client, [ev]).json()["applied"] == 1
    app = Application.objects.get(application_id="A1")
    assert app.customer_mobile == "13912345678"
    assert app.flag == "staff_mobile"


def test_digits_of_other_scripts_are_refused_not_hashed(client, code):
    arabic_indic = "١٣٩١٢٣٤٥٦٧٨"
    ev = event("A1", "submitted", at("2024-03-01"), referral_code=code.token, customer_mobile=arabic_indic)
    body = post_events(client, [ev]).json()
    assert body["results"][0]["result"] == "rejected"
    assert body["results"][0]["reason"] == "客户手机号无效，应为 11 位手机号"


def test_events_dated_in_the_future_are_rejected_beyond_a_little_skew(client, code):
    events = [
        event("A1", "submitted", NOW + dt.timedelta(minutes=2), referral_code=code.token),  # clock skew: fine
        event("A2", "submitted", NOW + dt.timedelta(hours=1), referral_code=code.token),
    ]
    body = post_events(client, events).json()
    assert [r["result"] for r in body["results"]] == ["applied", "rejected"]
    assert body["results"][1]["reason"] == "发生时间 2024-03-10 13:00:00 晚于当前时间，事件已拒绝"
