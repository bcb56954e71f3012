"""Mini-program and manager endpoints: masking, filters, rank, disputes, scope 404s."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from rest_framework.test import APIClient

from org import clock
from org.models import AuditLog, Customer
from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import Application, Dispute
from referrals.services.applications import application_events_apply

from .application_helpers import at, campaign, code_for, event, id_number

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2024, 3, 20, 12, 0, tzinfo=clock.SHANGHAI)
CLEAR_NAME, CLEAR_MOBILE = "王小明", "13800001234"


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(NOW):
        yield


@pytest.fixture
def world():
    t = tree()
    campaign()
    me = StaffFactory(institution=t["OUT1"])
    peer = StaffFactory(institution=t["OUT2"])
    far = StaffFactory(institution=t["OUT4"])
    rm = StaffFactory(institution=t["OUT3"])
    Customer.objects.create(customer_no="C1", name=CLEAR_NAME, mobile=CLEAR_MOBILE, manager=rm)
    codes = {s.pk: code_for(s) for s in (me, peer, far)}
    idn = id_number(300)
    events = [
        event("A1", "submitted", at("2024-03-18"), referral_code=codes[me.pk].token, customer_id_number=idn),
        event("A1", "disbursed", at("2024-03-19"), amount="50000"),
        event(
            "A2",
            "submitted",
            at("2024-03-18", 11),
            referral_code=codes[peer.pk].token,
            customer_id_number=id_number(301),
            customer_mobile="13800002222",
        ),
        event(
            "A3",
            "submitted",
            at("2024-03-19"),
            referral_code=codes[peer.pk].token,
            customer_id_number=id_number(302),
            customer_mobile="13800003333",
        ),
        event(
            "A4",
            "submitted",
            at("2024-03-19"),
            referral_code=codes[far.pk].token,
            customer_id_number=id_number(303),
            customer_mobile="13800004444",
        ),
        event(
            "A5",
            "submitted",
            at("2024-02-10"),
            referral_code=codes[me.pk].token,
            customer_id_number=id_number(304),
            customer_mobile="13800005555",
        ),
    ]
    assert {r.result for r in application_events_apply(events=events, source="webhook")} == {"applied"}
    return {"t": t, "me": me, "peer": peer, "far": far, "rm": rm, "id": idn}


def client_for(staff=None, scope=None, user=None):
    client = APIClient()
    if user is None:
        user = staff.user if staff is not None and staff.user_id else user_for(staff, scope=scope)
    client.force_authenticate(user)
    return client


def assert_no_clear_pii(response, *, id_number_clear):
    text = json.dumps(response.json(), ensure_ascii=False)
    for clear in (CLEAR_NAME, CLEAR_MOBILE, id_number_clear, "13800002222", "13800003333"):
        assert clear not in text


def test_my_referrals_are_masked_filtered_and_paginated(world):
    client = client_for(world["me"])
    response = client.get("/api/v1/me/referrals")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and [r["application_id"] for r in body["results"]] == ["A1", "A5"]
    a1 = body["results"][0]
    assert a1["customer_name"] == "王**" and a1["customer_mobile"] == "138****1234"
    assert a1["customer_id"] == world["id"][:3] + "*" * 11 + world["id"][-4:]
    assert a1["product_name"] == "信用卡消费贷"
    assert a1["role"] == "credited" and a1["earning"]["amount"] == "150.00" and a1["earning"]["incentive_version"] == 1
    assert a1["relationship_manager"]["employee_no"] == world["rm"].employee_no
    assert_no_clear_pii(response, id_number_clear=world["id"])
    assert [r["application_id"] for r in client.get("/api/v1/me/referrals", {"month": "2024-02"}).json()["results"]] == ["A5"]
    assert [r["application_id"] for r in client.get("/api/v1/me/referrals", {"status": "disbursed"}).json()["results"]] == ["A1"]
    assert client.get("/api/v1/me/referrals", {"page_size": 1}).json()["next"]
    bad = client.get("/api/v1/me/referrals", {"month": "2024-13"})
    assert bad.status_code == 400 and "YYYY-MM" in bad.json()["error"]["message"]


def test_relationship_manager_sees_the_application_marked_without_the_earning(world):
    response = client_for(world["rm"]).get("/api/v1/me/referrals")
    [row] = response.json()["results"]
    assert row["application_id"] == "A1" and row["role"] == "relationship_manager" and row["is_relationship_manager"] is True
    assert row["earning"] is None
    assert_no_clear_pii(response, id_number_clear=world["id"])


def test_my_earnings_by_month_with_rule_version(world):
    body = client_for(world["me"]).get("/api/v1/me/earnings").json()
    months = {m["month"]: m for m in body["months"]}
    assert months["2024-03"]["confirmed"] == "150.00" and months["2024-03"]["pending"] == "0.00"
    assert months["2024-02"]["lines"] == 1
    lines = {line["application_id"]: line for line in body["lines"]}
    assert lines["A1"]["incentive_version"] == 1 and lines["A1"]["status"] == "confirmed" and lines["A1"]["customer_name"] == "王**"
    only_feb = client_for(user=world["me"].user).get("/api/v1/me/earnings", {"month": "2024-02"}).json()
    assert [line["application_id"] for line in only_feb["lines"]] == ["A5"]


def test_rank_in_branch_and_bank_with_ties(world):
    # This week (2024-W12 from Monday 18 March): me 1 (A1), peer 2 (A2, A3), far 1 (A4).
    body = client_for(world["me"]).get("/api/v1/me/rank", {"period": "week"}).json()
    assert body["code"] == "2024-W12" and body["applications"] == 1
    assert body["branch"] == {"name": "长春分行", "rank": 2, "participants": 2}
    assert body["bank"] == {"name": "全行", "rank": 2, "participants": 3}  # tie with far at rank 2
    far = client_for(world["far"]).get("/api/v1/me/rank", {"period": "month"}).json()
    assert far["bank"]["rank"] == 2 and far["branch"]["rank"] == 1
    nobody = client_for(world["rm"]).get("/api/v1/me/rank").json()
    # No application and no personal code: not ranked — it used to answer "rank 4 of 3".
    assert nobody["applications"] == 0 and nobody["bank"] == {"name": "全行", "rank": None, "participants": 3}
    assert client_for(world["me"]).get("/api/v1/me/rank", {"period": "year"}).status_code == 400


def test_dispute_on_my_application_and_404_on_someone_elses(world):
    client = client_for(world["me"])
    response = client.post("/api/v1/me/referrals/A1/dispute", {"reason": "客户是我先推荐的"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "open"
    again = client.post("/api/v1/me/referrals/A1/dispute", {"reason": "再次申诉"}, format="json")
    assert again.status_code == 400 and again.json()["error"]["message"] == "您已对该进件提出申诉，正在处理中"
    assert client.post("/api/v1/me/referrals/A2/dispute", {"reason": "x"}, format="json").status_code == 404
    assert client.post("/api/v1/me/referrals/NOPE/dispute", {"reason": "x"}, format="json").status_code == 404
    empty = client.post("/api/v1/me/referrals/A5/dispute", {"reason": ""}, format="json")
    assert empty.status_code == 400 and empty.json()["error"]["message"] == "请填写申诉理由"


def test_manager_lists_only_the_scope_masked_and_audited(world):
    client = client_for(StaffFactory(institution=world["t"]["SB1"]), scope=world["t"]["SB1"])
    response = client.get("/api/v1/referrals/applications/")
    assert response.status_code == 200
    assert sorted(r["application_id"] for r in response.json()["results"]) == ["A1", "A2", "A3", "A5"]
    assert_no_clear_pii(response, id_number_clear=world["id"])
    assert AuditLog.objects.filter(action="referral_applications_view").exists()
    filtered = client.get("/api/v1/referrals/applications/", {"institution": "OUT2", "month": "2024-03"}).json()
    assert sorted(r["application_id"] for r in filtered["results"]) == ["A2", "A3"]


def test_manager_review_and_dispute_resolution_with_recredit(world):
    sb1 = client_for(StaffFactory(institution=world["t"]["SB1"]), scope=world["t"]["SB1"])
    Application.objects.filter(application_id="A2").update(flag="staff_mobile", flag_status="pending")
    response = sb1.post("/api/v1/referrals/applications/A2/review", {"decision": "confirmed", "note": "核实代客操作"}, format="json")
    assert response.status_code == 200 and response.json()["flag_status"] == "confirmed"
    bad = sb1.post("/api/v1/referrals/applications/A1/review", {"decision": "cleared"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["message"] == "该进件没有风险标记，无需核查"

    # The peer claims A1 (credited to me); upheld: A1 and its earning move to the peer.
    peer = world["peer"]
    Dispute.objects.create(application=Application.objects.get(application_id="A1"), raised_by=peer, reason="我先接触的客户", raised_at=NOW)
    dispute = Dispute.objects.get()
    listed = sb1.get("/api/v1/referrals/disputes/", {"status": "open"}).json()
    assert [d["id"] for d in listed["results"]] == [dispute.pk]
    missing_note = sb1.post(f"/api/v1/referrals/disputes/{dispute.pk}/resolve", {"upheld": True, "note": ""}, format="json")
    assert missing_note.status_code == 400 and missing_note.json()["error"]["message"] == "请填写处理说明"
    done = sb1.post(f"/api/v1/referrals/disputes/{dispute.pk}/resolve", {"upheld": True, "note": "核实属实"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "upheld"
    a1 = Application.objects.select_related("earning").get(application_id="A1")
    assert a1.staff == peer and a1.institution == world["t"]["OUT2"] and a1.earning.staff == peer
    assert "经申诉改判归属" in a1.attribution_note
    assert AuditLog.objects.filter(action="referral_dispute_resolve", object_id=str(dispute.pk)).exists()
    # The re-credit survives later events.
    application_events_apply(events=[event("A1", "withdrawn", at("2025-01-01"))], source="webhook")
    assert Application.objects.get(application_id="A1").staff == peer


@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/api/v1/referrals/applications/?employee_no={far}"),
        ("post", "/api/v1/referrals/applications/A4/review"),
        ("post", "/api/v1/referrals/disputes/{dispute}/resolve"),
        ("post", "/api/v1/me/referrals/A4/dispute"),
    ],
)
def test_out_of_scope_answers_404_on_every_endpoint(world, method, url):
    dispute = Dispute.objects.create(
        application=Application.objects.get(application_id="A4"), raised_by=world["far"], reason="x", raised_at=NOW
    )
    Application.objects.filter(application_id="A4").update(flag="burst", flag_status="pending")
    client = client_for(StaffFactory(institution=world["t"]["SB1"]), scope=world["t"]["SB1"])
    url = url.format(far=world["far"].employee_no, dispute=dispute.pk)
    payload = {"decision": "cleared", "upheld": True, "note": "x", "reason": "x"}
    response = getattr(client, method)(url, payload, format="json") if method == "post" else client.get(url)
    if method == "get":
        assert response.status_code == 200 and response.json()["count"] == 0
    else:
        assert response.status_code == 404
        assert response.json()["error"]["message"] == "未找到，或不在您的管理范围内"


@pytest.mark.parametrize(
    "url",
    ["/api/v1/referrals/applications/", "/api/v1/referrals/disputes/"],
)
def test_manager_endpoints_answer_404_to_plain_employees(world, url):
    assert client_for(world["me"]).get(url).status_code == 404


def test_me_endpoints_need_a_sign_in(world):
    for url in ("/api/v1/me/referrals", "/api/v1/me/earnings", "/api/v1/me/rank"):
        assert APIClient().get(url).status_code == 401


def test_endpoints_are_in_the_schema(world):
    paths = APIClient().get("/api/schema/", {"format": "json"}).json()["paths"]
    for p in (
        "/api/v1/me/referrals",
        "/api/v1/me/earnings",
        "/api/v1/me/rank",
        "/api/v1/me/referrals/{application_id}/dispute",
        "/api/v1/referrals/applications/",
        "/api/v1/referrals/applications/{application_id}/review",
        "/api/v1/referrals/disputes/",
        "/api/v1/referrals/disputes/{id}/resolve",
    ):
        assert p in paths, p


def test_my_rank_is_the_rank_the_circular_prints():
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from org import clock
    from org.periods import Period
    from referrals.tests.reporting_data import known_week
    from reporting import services

    data = known_week()
    with clock.frozen(dt.datetime(2024, 11, 11, 8, 0, tzinfo=clock.SHANGHAI)):  # Monday's build
        sheet = services.circular_build(period=Period.parse("2024-W45"), scope=data["tree"]["HO"])
    with sheet.file.open("rb") as fh:
        rows = list(load_workbook(io.BytesIO(fh.read()))["转介"].iter_rows(min_row=3, values_only=True))
    printed = {r[0]: r[7] for r in rows}
    assert len(printed) >= 5
    with clock.frozen(dt.datetime(2024, 11, 10, 20, 0, tzinfo=clock.SHANGHAI)):
        for key in ("A", "B", "C", "D", "E", "F"):
            staff = data[key]
            body = client_for(staff).get("/api/v1/me/rank", {"period": "week"}).json()
            assert body["bank"]["rank"] == printed[staff.employee_no], staff.employee_no
            assert body["bank"]["participants"] == len(printed)
