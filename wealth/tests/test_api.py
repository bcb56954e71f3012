"""Mini-program 2053 endpoints: logging calls and visits, my day with explanations (counted and
not-counted calls with reasons), masking, bad input answered 400 in Chinese, other people's
customers 404."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from org import clock
from org.tests.factories import user_for
from wealth.models import Call, DoNotCall, Visit

from .helpers import at, call, customer, world

pytestmark = pytest.mark.django_db
CARD = "6222021234567890123"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(at("2024-03-18", 17)):
        yield


@pytest.fixture
def setup():
    t, me, other = world()
    user_for(me)
    client = APIClient()
    client.force_authenticate(me.user)
    mine = customer("C1", me, mobile="13800001234", card=CARD)
    theirs = customer("C2", other)
    return client, me, mine, theirs


def test_log_calls_and_read_my_day_with_reasons(setup):
    client, me, mine, theirs = setup
    ok = client.post("/api/v1/me/wealth/calls", {"phone": "13800001234", "started_at": "2024-03-18T10:00:00+08:00", "duration_s": 60,
                                                 "connected": True, "channel": "mobile"}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["counted"] is True and ok.json()["phone"] == "138****1234"
    short = client.post("/api/v1/me/wealth/calls", {"customer_no": "C1", "started_at": "2024-03-18T11:00:00+08:00", "duration_s": 59,
                                                    "connected": True, "channel": "callback"}, format="json")
    assert short.json()["counted"] is False and "59 秒 < 60 秒" in short.json()["reason_label"]
    call(me, mine, at("2024-03-18", 12))  # a repeat
    call(me, theirs, at("2024-03-18", 13))
    day = client.get("/api/v1/me/wealth/today").json()
    assert day["totals"]["effective_calls"] == 1
    labels = sorted(c["reason_label"] for c in day["calls"] if not c["counted"])
    assert labels == ["同一客户当日已计入", "通话时长不足（59 秒 < 60 秒）", "非本人管户或潜力客户"]
    assert "13800001234" not in str(day) and "王小明" not in str(day)
    assert any("有效电访 1/20" in line for line in day["arithmetic"])
    week = client.get("/api/v1/me/wealth/summary?period=2024-W12").json()
    assert week["period"] == "2024-W12" and len(week["days"]) == 5 and week["rates"]["connect_rate"] == 1.0


def test_bad_call_input_is_refused_in_chinese_and_writes_nothing(setup):
    client, *_ = setup
    for body in (
        {"customer_no": "C404", "started_at": "2024-03-18T10:00:00+08:00", "duration_s": 60, "connected": True, "channel": "mobile"},
        {"customer_no": "C1", "started_at": "2024-03-18T10:00:00+08:00", "duration_s": 10**9, "connected": True, "channel": "mobile"},
        {"customer_no": "C1\x00", "started_at": "2024-03-18T10:00:00+08:00", "duration_s": 60, "connected": True, "channel": "mobile"},
        {"started_at": "2024-03-18T10:00:00+08:00", "duration_s": 60, "connected": True, "channel": "mobile"},
    ):
        response = client.post("/api/v1/me/wealth/calls", body, format="json")
        assert response.status_code in (400, 404), (body, response.content)
        assert "error" in response.json()
    assert client.post("/api/v1/me/wealth/calls", b"{not json", content_type="application/json").status_code == 400
    assert Call.objects.count() == 0


def test_visit_by_card_read_keeps_only_the_mask_and_counts_once_a_day(setup):
    client, me, mine, _ = setup
    r = client.post("/api/v1/me/wealth/visits", {"card_number": "6222 0212 3456 7890 123", "products": ["fund", "insurance"], "pad_used": True}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["card"] == "6222 **** **** 0123" and r.json()["customer_no"] == "C1"
    r = client.post("/api/v1/me/wealth/visits", {"customer_no": "C1", "products": ["wealth", "fund"]}, format="json")
    assert sorted(r.json()["products"]) == ["fund", "insurance", "wealth"]
    assert Visit.objects.count() == 1
    bad = client.post("/api/v1/me/wealth/visits", {"card_number": "6222029999999999", "products": ["fund"]}, format="json")
    assert bad.status_code in (400, 404) and "未匹配到客户" in str(bad.json())
    unknown = client.post("/api/v1/me/wealth/visits", {"customer_no": "C1", "products": ["yacht"]}, format="json")
    assert unknown.status_code == 400 and "不存在或已停用" in str(unknown.json())


def test_do_not_call_of_another_managers_customer_is_404_and_call_list_drops_marked(setup):
    client, me, mine, theirs = setup
    assert client.post("/api/v1/me/wealth/do-not-call", {"customer_no": "C2"}, format="json").status_code == 404
    assert [c["customer_no"] for c in client.get("/api/v1/me/wealth/call-list").json()["results"]] == ["C1"]
    assert client.post("/api/v1/me/wealth/do-not-call", {"customer_no": "C1"}, format="json").status_code == 201
    assert DoNotCall.objects.get().recorded_by == me
    assert client.get("/api/v1/me/wealth/call-list").json()["results"] == []


def test_follow_up_and_pool_prospect(setup):
    client, me, *_ = setup
    r = client.post("/api/v1/me/wealth/follow-ups", {"customer_no": "C1", "outcome": "deal"}, format="json")
    assert r.status_code == 400 and "已成交请选择成交的产品" in str(r.json())
    r = client.post("/api/v1/me/wealth/follow-ups", {"customer_no": "C1", "outcome": "interested", "next_action": "面谈基金", "next_date": "2024-03-18"}, format="json")
    assert r.status_code == 201
    assert [f["customer_no"] for f in client.get("/api/v1/me/wealth/follow-ups").json()["results"]] == ["C1"]
    r = client.post("/api/v1/me/wealth/prospects", {"name": "李四", "mobile": "１３９００００５６７８"}, format="json")
    assert r.status_code == 201 and r.json()["mobile"] == "139****5678"
    pool = client.get("/api/v1/me/wealth/call-list?list=pool").json()["results"]
    assert [p["name"] for p in pool] == ["李*"]
    assert client.get("/api/v1/me/wealth/call-list?days=abc").status_code == 400
