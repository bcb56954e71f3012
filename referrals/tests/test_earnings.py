"""Earnings: rate with cap, flat bonus, rule versions, clawback, payout sheets (.xlsx)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from org import clock
from org.errors import ApplicationError
from org.models import AuditLog
from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import Application, Earning, EarningStatus, IncentiveRule
from referrals.services.applications import application_events_apply
from referrals.services.earnings import payout_sheet_build, payout_sheet_confirm

from .application_helpers import at, campaign, code_for, event, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def t():
    return tree()


def apply(*events):
    results = application_events_apply(events=list(events), source="webhook")
    assert all(r.result == "applied" for r in results), results


def earning(application_id: str) -> Earning:
    return Earning.objects.select_related("incentive").get(application__application_id=application_id)


def disbursed(application_id, staff, amount, *, day="2024-03-05", customer=1, **extra):
    apply(
        event(
            application_id,
            "submitted",
            at("2024-03-01"),
            referral_code=code_for(staff).token,
            customer_id_number=id_number(customer),
            **extra,
        ),
        event(application_id, "approved", at("2024-03-03")),
        event(application_id, "disbursed", at(day), amount=amount),
    )


@pytest.mark.parametrize("amount,expected", [("50000", "150.00"), ("200000", "300.00"), ("100000", "300.00"), ("12345.67", "37.04")])
def test_rate_of_disbursed_amount_capped_per_loan(t, amount, expected):
    campaign()
    disbursed("A1", StaffFactory(), amount)
    e = earning("A1")
    assert e.status == EarningStatus.CONFIRMED and e.amount == Decimal(expected)
    assert e.incentive.version == 1 and "激励 v1" in e.explanation


def test_flat_bonus_per_approved_application_and_pending_until_disbursed(t):
    campaign(bonus="20")
    staff = StaffFactory()
    apply(
        event("A1", "submitted", at("2024-03-01"), referral_code=code_for(staff).token),
        event("A1", "approved", at("2024-03-02")),
    )
    assert earning("A1").status == EarningStatus.PENDING and earning("A1").amount == Decimal("20.00")
    apply(event("A1", "disbursed", at("2024-03-04"), amount="50000"))
    assert earning("A1").status == EarningStatus.CONFIRMED and earning("A1").amount == Decimal("170.00")


def test_the_incentive_version_in_force_at_disbursement_is_used_and_named(t):
    c = campaign()
    IncentiveRule.objects.create(
        campaign=c, version=2, effective_from=dt.date(2024, 3, 10), rate=Decimal("0.005"), cap_per_loan=Decimal("500")
    )
    disbursed("A1", StaffFactory(), "50000", day="2024-03-09", customer=1)
    disbursed("A2", StaffFactory(), "50000", day="2024-03-10", customer=2)
    assert (earning("A1").incentive.version, earning("A1").amount) == (1, Decimal("150.00"))
    assert (earning("A2").incentive.version, earning("A2").amount) == (2, Decimal("250.00"))


def test_no_campaign_for_the_product_earns_nothing_with_a_reason(t):
    campaign(products=("credit_card",))
    disbursed("A1", StaffFactory(), "50000")
    assert earning("A1").status == EarningStatus.NONE and "无进行中的转介活动" in earning("A1").explanation


@pytest.mark.parametrize("days,reversed_", [(90, True), (91, False)])
def test_withdrawal_within_the_clawback_window_reverses_the_earning(t, days, reversed_):
    campaign()
    disbursed("A1", StaffFactory(), "50000", day="2024-03-05")
    apply(event("A1", "withdrawn", at(dt.date(2024, 3, 5) + dt.timedelta(days=days))))
    e = earning("A1")
    assert e.status == (EarningStatus.REVERSED if reversed_ else EarningStatus.CONFIRMED)
    assert ("追回期内" in e.explanation) if reversed_ else ("已超过 90 天追回期" in e.explanation)


def manager_of(institution):
    return user_for(StaffFactory(institution=institution), scope=institution)


def read_sheet(sheet, name="发放明细"):
    sheet.file.open("rb")
    wb = load_workbook(io.BytesIO(sheet.file.read()))
    sheet.file.close()
    return wb[name]


def test_payout_sheet_lists_confirmed_unpaid_earnings_of_the_branch(t):
    campaign()
    a = StaffFactory(institution=t["OUT1"], name="张三")
    b = StaffFactory(institution=t["OUT4"], name="李四")  # another branch
    disbursed("A1", a, "50000", customer=1)
    disbursed("A2", b, "50000", customer=2)
    manager = manager_of(t["BR1"])
    sheet = payout_sheet_build(branch=t["BR1"], month="2024-03", by=manager)
    assert sheet.total == Decimal("150.00")
    ws = read_sheet(sheet)
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "序号",
        "员工号",
        "姓名",
        "机构",
        "进件编号",
        "产品",
        "客户",
        "放款日期",
        "放款金额(元)",
        "激励规则版本",
        "类型",
        "金额(元)",
    )
    assert len(rows) == 2
    assert rows[1][1:7] == (a.employee_no, "张三", "人民广场网点", "A1", "信用卡消费贷", "王**")
    assert (
        rows[1][7] == dt.datetime(2024, 3, 5)
        and rows[1][8] == 50000
        and rows[1][9] == "v1"
        and rows[1][10] == "发放"
        and rows[1][11] == 150
    )
    assert ws.freeze_panes == "A2"
    assert ws.cell(2, 12).number_format == "#,##0.00"
    # Idempotent: building again gives the same lines; the other branch is untouched.
    again = payout_sheet_build(branch=t["BR1"], month="2024-03", by=manager)
    assert again.pk == sheet.pk and again.total == sheet.total
    assert earning("A2").paid_in is None
    assert AuditLog.objects.filter(action="referral_payout_build").count() == 2


def test_confirming_marks_paid_and_a_later_clawback_is_deducted_on_the_next_sheet(t):
    campaign()
    staff = StaffFactory(institution=t["OUT1"])
    disbursed("A1", staff, "50000", day="2024-03-05")
    manager = manager_of(t["BR1"])
    march = payout_sheet_build(branch=t["BR1"], month="2024-03", by=manager)
    with pytest.raises(ApplicationError, match="请上传工资发放确认文件"):
        payout_sheet_confirm(sheet=march, file=None, by=manager)
    payout_sheet_confirm(sheet=march, file=SimpleUploadedFile("ok.pdf", b"%PDF"), by=manager)
    assert earning("A1").status == EarningStatus.PAID
    with pytest.raises(ApplicationError, match="已确认发放"):
        payout_sheet_confirm(sheet=march, file=SimpleUploadedFile("ok.pdf", b"%PDF"), by=manager)
    apply(event("A1", "withdrawn", at("2024-04-02")))
    e = earning("A1")
    assert e.status == EarningStatus.REVERSED and e.paid_in == march and e.deducted_in is None
    april = payout_sheet_build(branch=t["BR1"], month="2024-04", by=manager)
    rows = list(read_sheet(april).iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][10] == "扣回" and rows[1][11] == -150
    assert april.total == Decimal("-150.00")
    summary = list(read_sheet(april, "汇总").iter_rows(values_only=True))
    assert summary[1][:6] == (staff.employee_no, staff.name, "人民广场网点", 0, 1, -150)
    # The March sheet is confirmed: building it again changes nothing.
    assert payout_sheet_build(branch=t["BR1"], month="2024-03", by=manager).total == Decimal("150.00")


def test_payout_sheet_cells_are_safe_from_formula_injection(t):
    campaign()
    staff = StaffFactory(institution=t["OUT1"], name='=HYPERLINK("http://x")')
    disbursed("A1", staff, "50000", customer_name="+cmd|' /C calc'!A0")
    Application.objects.filter(application_id="A1").update(customer_name="@SUM(1+1)")
    sheet = payout_sheet_build(branch=t["BR1"], month="2024-03", by=manager_of(t["BR1"]))
    ws = read_sheet(sheet)
    name_cell, customer_cell = ws.cell(2, 3), ws.cell(2, 7)
    assert name_cell.value == '=HYPERLINK("http://x")' and name_cell.data_type == "s"
    assert customer_cell.value.startswith("@") and customer_cell.data_type == "s"


def test_payout_sheet_outside_scope_or_not_a_branch_is_refused(t):
    campaign()
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        payout_sheet_build(branch=t["BR2"], month="2024-03", by=manager_of(t["BR1"]))
    with pytest.raises(ApplicationError, match="不是分行"):
        payout_sheet_build(branch=t["SB1"], month="2024-03", by=manager_of(t["BR1"]))
    with pytest.raises(ApplicationError, match="格式应为 YYYY-MM"):
        payout_sheet_build(branch=t["BR1"], month="2024-W10", by=manager_of(t["BR1"]))


def _paid_in_march(t, staff, application_id="A1", **extra):
    disbursed(application_id, staff, "50000", day="2024-03-05", **extra)
    manager = manager_of(t["BR1"])
    march = payout_sheet_build(branch=t["BR1"], month="2024-03", by=manager)
    payout_sheet_confirm(sheet=march, file=SimpleUploadedFile("ok.pdf", b"%PDF"), by=manager)
    assert earning(application_id).status == EarningStatus.PAID
    return manager, march


def test_a_flag_confirmed_after_payment_is_deducted_on_the_next_sheet_and_stays_in_history(t):
    """Seen: the earning dropped to 0 with no deduction and the payment vanished from history."""
    from referrals.services.applications import application_flag_review

    campaign()
    staff = StaffFactory(institution=t["OUT1"])
    manager, march = _paid_in_march(t, staff)
    Application.objects.filter(application_id="A1").update(flag="staff_mobile", flag_status="pending")
    with clock.frozen(dt.datetime(2024, 4, 10, 9, 0, tzinfo=clock.SHANGHAI)):
        application_flag_review(application=Application.objects.get(application_id="A1"), by=manager, decision="confirmed")
    e = earning("A1")
    assert (e.status, e.amount, e.staff, e.paid_in) == (EarningStatus.REVERSED, Decimal("150.00"), staff, march)
    assert "确认违规" in e.explanation and "在下期发放表扣回" in e.explanation
    april = payout_sheet_build(branch=t["BR1"], month="2024-04", by=manager)
    rows = list(read_sheet(april).iter_rows(values_only=True))
    assert rows[1][1] == staff.employee_no and rows[1][10] == "扣回" and rows[1][11] == -150
    assert april.total == Decimal("-150.00")


def test_a_deduction_is_made_once_however_often_the_application_is_recomputed(t):
    from referrals.services.attribution import applications_recompute

    campaign()
    staff = StaffFactory(institution=t["OUT1"])
    manager, _ = _paid_in_march(t, staff)
    # The customer's mobile turns out to be a colleague's (the roster arrived late): flagged.
    StaffFactory(institution=t["OUT2"], mobile="13800001234", active_from=dt.date(2020, 1, 1))
    for day in (10, 12):
        with clock.frozen(dt.datetime(2024, 4, day, 9, 0, tzinfo=clock.SHANGHAI)):
            applications_recompute(applications=[Application.objects.get(application_id="A1")])
    april = payout_sheet_build(branch=t["BR1"], month="2024-04", by=manager)
    assert april.total == Decimal("-150.00")
    payout_sheet_confirm(sheet=april, file=SimpleUploadedFile("ok.pdf", b"%PDF"), by=manager)
    assert payout_sheet_build(branch=t["BR1"], month="2024-05", by=manager).total == Decimal("0")
