"""Disputes and the manager pages for applications, disputes and payout sheets."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook, load_workbook

from org import clock
from org.errors import ApplicationError
from org.models import AuditLog
from org.tests.factories import StaffFactory, tree, user_for
from org.xlsx import header_row, safe_row
from referrals.models import Application, Dispute, EarningStatus, PayoutSheet
from referrals.services.applications import application_events_apply, dispute_raise, dispute_resolve
from referrals.services.earnings import payout_sheet_build, payout_sheet_confirm

from .application_helpers import at, campaign, code_for, event, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    t = tree()
    campaign()
    first, second = StaffFactory(institution=t["OUT1"]), StaffFactory(institution=t["OUT2"])
    customer = id_number(500)
    events = [
        event(
            "A1",
            "submitted",
            at("2024-03-01"),
            referral_code=code_for(first).token,
            customer_id_number=customer,
            customer_name="王小明",
            customer_mobile="13800001234",
        ),
        event("A1", "disbursed", at("2024-03-05"), amount="50000"),
        event(
            "A2",
            "submitted",
            at("2024-03-10"),
            referral_code=code_for(second).token,
            customer_id_number=customer,
            customer_mobile="13800001234",
        ),
        event("A2", "disbursed", at("2024-03-12"), amount="100000"),
    ]
    assert {r.result for r in application_events_apply(events=events, source="webhook")} == {"applied"}
    manager = user_for(StaffFactory(institution=t["SB1"]), scope=t["SB1"])
    return {"t": t, "first": first, "second": second, "manager": manager}


def app(application_id):
    return Application.objects.select_related("earning").get(application_id=application_id)


def test_first_touch_loser_disputes_and_an_upheld_dispute_recredits_the_claimant(world):
    a2 = app("A2")
    assert a2.staff == world["first"]  # first touch
    dispute = dispute_raise(application=a2, staff=world["second"], reason="客户明确是我推荐办理的")
    with pytest.raises(ApplicationError, match="请填写处理说明"):
        dispute_resolve(dispute=dispute, by=world["manager"], upheld=True, note=" ")
    dispute_resolve(dispute=dispute, by=world["manager"], upheld=True, note="核实客户为二次主动申请")
    a2 = app("A2")
    assert a2.staff == world["second"] and a2.institution == world["t"]["OUT2"]
    assert a2.earning.staff == world["second"] and a2.earning.amount == Decimal("300.00")
    assert Dispute.objects.get().status == "upheld"
    assert (
        AuditLog.objects.filter(action="referral_dispute_raise").exists()
        and AuditLog.objects.filter(action="referral_dispute_resolve").exists()
    )
    with pytest.raises(ApplicationError, match="已处理"):
        dispute_resolve(dispute=dispute, by=world["manager"], upheld=False, note="再次处理")


def test_dismissed_dispute_changes_nothing(world):
    dispute = dispute_raise(application=app("A2"), staff=world["second"], reason="我的客户")
    dispute_resolve(dispute=dispute, by=world["manager"], upheld=False, note="首触归属正确")
    assert app("A2").staff == world["first"] and Dispute.objects.get().status == "dismissed"


def test_dispute_outside_the_managers_scope_is_refused(world):
    dispute = dispute_raise(application=app("A2"), staff=world["second"], reason="我的客户")
    outsider = user_for(StaffFactory(institution=world["t"]["SB3"]), scope=world["t"]["SB3"])
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        dispute_resolve(dispute=dispute, by=outsider, upheld=True, note="x")


def test_a_paid_earning_cannot_be_recredited(world):
    with clock.frozen(dt.datetime(2024, 4, 2, 9, tzinfo=clock.SHANGHAI)):
        branch_manager = user_for(scope=world["t"]["BR1"])
        sheet = payout_sheet_build(branch=world["t"]["BR1"], month="2024-03", by=branch_manager)
        payout_sheet_confirm(sheet=sheet, file=SimpleUploadedFile("ok.pdf", b"ok"), by=branch_manager)
    assert app("A2").earning.status == EarningStatus.PAID
    dispute = dispute_raise(application=app("A2"), staff=world["second"], reason="我的客户")
    with pytest.raises(ApplicationError, match="已随工资发放，不能改判归属"):
        dispute_resolve(dispute=dispute, by=world["manager"], upheld=True, note="核实")


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def test_applications_page_is_masked_scoped_and_reviews_flags(world):
    Application.objects.filter(application_id="A1").update(flag="staff_mobile", flag_status="pending")
    client = page_client(world["manager"])
    html = client.get("/referrals/applications/", {"flag": "pending"}).content.decode()
    # Cell contents, not the whole page: the page's random CSRF token may contain "A2".
    assert ">A1<" in html and ">A2<" not in html
    assert "王小明" not in html and "13800001234" not in html and "王**" in html and "138****1234" in html
    response = client.post("/referrals/applications/A1/review", {"decision": "cleared", "note": "核实", "back": "flag=pending"})
    assert response.status_code == 302 and app("A1").flag_status == "cleared"
    outsider = page_client(user_for(StaffFactory(institution=world["t"]["SB3"]), scope=world["t"]["SB3"]))
    assert outsider.post("/referrals/applications/A1/review", {"decision": "confirmed"}).status_code == 404
    assert ">A1<" not in outsider.get("/referrals/applications/").content.decode()
    employee = page_client(user_for(StaffFactory(institution=world["t"]["OUT1"])))
    for url in ("/referrals/applications/", "/referrals/disputes/", "/referrals/payouts/"):
        assert employee.get(url).status_code == 404


def test_disputes_page_resolves_in_scope_only(world):
    dispute = dispute_raise(application=app("A2"), staff=world["second"], reason="我的客户")
    client = page_client(world["manager"])
    assert "我的客户" in client.get("/referrals/disputes/").content.decode()
    outsider = page_client(user_for(StaffFactory(institution=world["t"]["SB3"]), scope=world["t"]["SB3"]))
    assert outsider.post(f"/referrals/disputes/{dispute.pk}/resolve", {"upheld": "1", "note": "x"}).status_code == 404
    client.post(f"/referrals/disputes/{dispute.pk}/resolve", {"upheld": "1", "note": "核实属实"})
    assert app("A2").staff == world["second"]


def test_payout_pages_build_download_confirm_and_audit(world):
    branch_manager = user_for(StaffFactory(institution=world["t"]["BR1"]), scope=world["t"]["BR1"])
    client = page_client(branch_manager)
    bad = client.post("/referrals/payouts/", {"branch": "BR1", "month": "2024/03"})
    assert bad.status_code == 400 and "月份格式应为 YYYY-MM" in bad.content.decode()
    assert client.post("/referrals/payouts/", {"branch": "BR1", "month": "2024-03"}).status_code == 302
    sheet = PayoutSheet.objects.get()
    assert sheet.total == Decimal("450.00")
    download = client.get(f"/referrals/payouts/{sheet.pk}/download")
    assert download.status_code == 200
    wb = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert wb["发放明细"].max_row == 3
    assert AuditLog.objects.filter(action="referral_payout_download", object_id=str(sheet.pk)).exists()
    other_branch = page_client(user_for(StaffFactory(institution=world["t"]["BR2"]), scope=world["t"]["BR2"]))
    assert other_branch.get(f"/referrals/payouts/{sheet.pk}/download").status_code == 404
    assert other_branch.post(f"/referrals/payouts/{sheet.pk}/confirm", {"file": SimpleUploadedFile("a.pdf", b"x")}).status_code == 404
    client.post(f"/referrals/payouts/{sheet.pk}/confirm", {"file": SimpleUploadedFile("payroll.pdf", b"%PDF")})
    sheet.refresh_from_db()
    assert sheet.paid_at is not None and app("A1").earning.status == EarningStatus.PAID


@pytest.mark.parametrize("text", ["=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rcr", "\x00=nul"])
def test_safe_cells_read_back_as_text_never_formulas(text):
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(header_row(ws, ["值"]))
    ws.append(safe_row(ws, [text, 12.5]))
    buffer = io.BytesIO()
    wb.save(buffer)
    cell = load_workbook(io.BytesIO(buffer.getvalue()))["s"].cell(2, 1)
    assert cell.data_type == "s"
    assert cell.value.replace("\n", "\r") == text.replace("\x00", "")
