"""Earnings and monthly payout sheets (SPEC §3 "Earnings").

An application's earning is derived from its folded state, never accumulated, so replays and
reordering cannot pay twice:

* pending until disbursed (an approved application shows its flat bonus, if any, as pending);
* confirmed at disbursement: min(rate × disbursed amount, cap per loan) + flat bonus, using the
  campaign's `IncentiveRule` version in force on the disbursement date (named on the earning);
* flagged and not cleared by a manager: nothing, with the reason;
* withdrawn (or rejected) after disbursement within the clawback window (rule version of the
  submission, default 90 days): reversed; if it had already been paid, the reversal is a
  deduction on the branch's next payout sheet. Later than the window: the earning stands.

Payout sheets are per branch and month; building one reserves the confirmed-unpaid earnings and
unpaid deductions (`paid_in` / `deducted_in`) so no line is ever on two sheets; confirming it with
the payroll's confirmation file marks them paid.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from org import clock, pii
from org.bulk import rows_insert_dicts, rows_update
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind
from org.periods import Period
from org.scoping import institution_in_scope, is_manager
from org.services import audit

from ..models import Application, ApplicationStatus, Earning, EarningStatus, FlagStatus, IncentiveRule, PayoutSheet, ReferralProduct
from ..rules import RuleBook, local_date

CENT = Decimal("0.01")
EARNING_FIELDS = ["staff", "institution", "incentive", "amount", "status", "explanation", "confirmed_at", "reversed_at", "paid_in"]


def earning_amount(*, incentive: IncentiveRule, disbursed: Decimal | None, approved: bool) -> Decimal:
    """min(rate × disbursed, cap) + flat bonus if approved, in 元 rounded to the fen."""
    amount = Decimal("0")
    if disbursed:
        amount = min((incentive.rate * disbursed).quantize(CENT, ROUND_HALF_UP), incentive.cap_per_loan)
    if approved:
        amount += incentive.flat_bonus_per_approved
    return amount.quantize(CENT)


def _rule_text(incentive: IncentiveRule) -> str:
    rate = (incentive.rate * 100).normalize()
    text = f"激励 v{incentive.version}：放款金额 {rate:f}%，单笔上限 {incentive.cap_per_loan:,.0f} 元"
    if incentive.flat_bonus_per_approved:
        text += f"，审批通过奖励 {incentive.flat_bonus_per_approved:,.0f} 元/笔"
    return text


def _incentive_for(rules_by_campaign: dict, campaign_id: int | None, day: dt.date) -> IncentiveRule | None:
    versions = rules_by_campaign.get(campaign_id) or []
    chosen = None
    for rule in versions:  # sorted by effective_from, version
        if rule.effective_from <= day:
            chosen = rule
    return chosen or (versions[0] if versions else None)


def earnings_sync(*, applications: list[Application], rules=None) -> None:
    """Bring the earnings of `applications` in line with their state, in a bounded number of
    queries (one read of earnings, one of incentive rules, bulk writes)."""

    if not applications:
        return
    rules = rules or RuleBook()
    existing = {
        e.application_id: e for e in Earning.objects.filter(application_id__in=[a.pk for a in applications]).select_related("paid_in")
    }
    rules_by_campaign = defaultdict(list)
    campaign_ids = {a.campaign_id for a in applications if a.campaign_id}
    for incentive in IncentiveRule.objects.filter(campaign_id__in=campaign_ids).order_by("effective_from", "version"):
        rules_by_campaign[incentive.campaign_id].append(incentive)

    to_create, to_update, to_delete = [], [], []
    for app in applications:
        earning = existing.get(app.pk)
        paid = earning is not None and earning.paid_in_id is not None and earning.paid_in.paid_at is not None
        if not app.staff_id or not app.institution_id:
            if earning is not None and not paid:
                to_delete.append(earning.pk)
            continue
        values = _earning_values(app, rules_by_campaign, rules, local_date)
        if paid and values["status"] == EarningStatus.CONFIRMED and earning.staff_id == values["staff_id"]:
            values["status"] = EarningStatus.PAID
        elif paid and values["status"] != EarningStatus.REVERSED and earning.status != EarningStatus.REVERSED:
            # Money once paid never disappears (SPEC §3): a flag confirmed after payment, or the
            # credit moved to someone else, turns the paid line into a deduction on the next payout
            # sheet; the amount and the person paid stay as they were.
            reason = values["explanation"] if values["staff_id"] == earning.staff_id else "发放后归属改为其他员工"
            values = {
                **{k: getattr(earning, k) for k in ("staff_id", "institution_id", "incentive_id", "amount", "confirmed_at")},
                "status": EarningStatus.REVERSED,
                "reversed_at": clock.now(),
                "explanation": f"{reason}；已发放 {earning.amount:,.2f} 元，在下期发放表扣回"[:300],
            }
        elif paid and earning.status == EarningStatus.REVERSED and values["status"] != EarningStatus.REVERSED:
            continue  # already a deduction: it stays one
        if earning is None:
            to_create.append({"application_id": app.pk, **values})
            continue
        if not paid and values["status"] != EarningStatus.CONFIRMED:
            values["paid_in_id"] = None  # reserved on an unconfirmed sheet: released
        elif earning.paid_in_id is not None:
            values["paid_in_id"] = earning.paid_in_id
        if paid and earning.staff_id != values["staff_id"]:
            values["staff_id"], values["institution_id"] = earning.staff_id, earning.institution_id  # paid to that person
        if any(getattr(earning, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(earning, k, v)
            to_update.append(earning)
    if to_delete:
        Earning.objects.filter(pk__in=to_delete).delete()
    if to_create:
        rows_insert_dicts(Earning, to_create)
    if to_update:
        rows_update(Earning, to_update, EARNING_FIELDS)


def _earning_values(app: Application, rules_by_campaign, rules, local_date) -> dict:
    values = {
        "staff_id": app.staff_id,
        "institution_id": app.institution_id,
        "incentive_id": None,
        "amount": Decimal("0.00"),
        "status": EarningStatus.NONE,
        "explanation": "",
        "confirmed_at": None,
        "reversed_at": None,
    }
    submitted_day = local_date(app.submitted_at)
    day = local_date(app.disbursed_at) if app.disbursed_at else submitted_day
    incentive = _incentive_for(rules_by_campaign, app.campaign_id, day) if app.campaign_id else None
    if incentive is not None:
        values["incentive_id"] = incentive.pk
    if not app.counts:
        why = "确认违规" if app.flag_status == FlagStatus.CONFIRMED else "待管理人员核查，放行前"
        values["explanation"] = f"风险标记：{app.get_flag_display()}，{why}不计收益"
        return values
    if incentive is None:
        values["explanation"] = "进件时无进行中的转介活动（或活动未设激励规则），不计收益"
        return values
    rule_text = _rule_text(incentive)
    approved = bool(app.approved_at or app.disbursed_at)
    reversed_after_disbursal = app.disbursed_at is not None and app.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.REJECTED)
    if app.status == ApplicationStatus.DISBURSED or reversed_after_disbursal:
        amount = earning_amount(incentive=incentive, disbursed=app.disbursed_amount, approved=approved)
        values.update(amount=amount, status=EarningStatus.CONFIRMED, confirmed_at=app.disbursed_at)
        values["explanation"] = f"{rule_text}；放款 {app.disbursed_amount:,.2f} 元，收益 {amount:,.2f} 元"
        if reversed_after_disbursal:
            clawback = rules.on(submitted_day).clawback_days
            days = (local_date(app.status_at) - local_date(app.disbursed_at)).days
            if days <= clawback:
                values.update(status=EarningStatus.REVERSED, reversed_at=app.status_at)
                values["explanation"] += f"；放款后第 {days} 天{app.get_status_display()}（{clawback} 天追回期内），收益冲回"
            else:
                values["explanation"] += f"；放款后第 {days} 天{app.get_status_display()}，已超过 {clawback} 天追回期，不冲回"
        return values
    if app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED):
        values["status"] = EarningStatus.PENDING
        values["amount"] = earning_amount(incentive=incentive, disbursed=None, approved=approved)
        values["explanation"] = f"{rule_text}；待放款后确认"
        return values
    values["explanation"] = f"{app.get_status_display()}，未放款，不计收益"
    return values


# --- payout sheets ---------------------------------------------------------------------------------

SHEET_HEADERS = [
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
]
SUMMARY_HEADERS = ["员工号", "姓名", "机构", "发放笔数", "扣回笔数", "应发金额(元)"]


def _month(month: str) -> Period:
    return Period.parse(month, "month", field="month")


def _check_branch(branch: Institution, by) -> None:
    if branch.kind != InstitutionKind.BRANCH:
        raise ApplicationError(_("%(name)s 不是分行，发放表按分行生成") % {"name": branch.name})
    if not (is_manager(by) and institution_in_scope(branch, user=by)):
        raise ApplicationError(_("该分行不在您的管理范围内"), code="not_found")


@transaction.atomic
def payout_sheet_build(*, branch: Institution, month: str, by) -> PayoutSheet:
    """Build (or rebuild, until confirmed) the branch's payout sheet for `month`: every confirmed
    earning not yet paid whose disbursement is in or before the month, and every unpaid deduction.
    Idempotent per (branch, month): a confirmed sheet is returned as it is."""
    _check_branch(branch, by)
    period = _month(month)
    _, end = period.bounds()
    sheet, _created = PayoutSheet.objects.select_for_update().get_or_create(
        branch=branch, month=period.code, defaults={"generated_at": clock.now(), "generated_by": by}
    )
    if sheet.paid_at is not None:
        return sheet
    in_branch = Q(institution__path__startswith=branch.path)
    Earning.objects.filter(paid_in=sheet).update(paid_in=None)
    Earning.objects.filter(deducted_in=sheet).update(deducted_in=None)
    Earning.objects.filter(in_branch, status=EarningStatus.CONFIRMED, paid_in__isnull=True, confirmed_at__lt=end).update(paid_in=sheet)
    Earning.objects.filter(
        in_branch, status=EarningStatus.REVERSED, paid_in__paid_at__isnull=False, deducted_in__isnull=True, reversed_at__lt=end
    ).update(deducted_in=sheet)
    lines = list(
        Earning.objects.filter(Q(paid_in=sheet, status=EarningStatus.CONFIRMED) | Q(deducted_in=sheet))
        .select_related("staff", "institution", "incentive", "application")
        .order_by("staff__employee_no", "application__disbursed_at", "pk")
    )
    content, total = _sheet_xlsx(sheet=sheet, lines=lines)
    if sheet.file:
        sheet.file.delete(save=False)
    sheet.file.save(f"payout-{branch.code}-{period.code}.xlsx", ContentFile(content), save=False)
    sheet.total = total
    sheet.generated_at = clock.now()
    sheet.generated_by = by
    sheet.save()
    audit(user=by, action="referral_payout_build", obj=sheet, branch=branch.code, month=period.code, lines=len(lines), total=str(total))
    return sheet


def _sheet_xlsx(*, sheet: PayoutSheet, lines: list[Earning]) -> tuple[bytes, Decimal]:
    from openpyxl import Workbook

    from org.xlsx import DATE_FORMAT, INTEGER_FORMAT, MONEY_FORMAT, header_row, safe_row

    wb = Workbook(write_only=True)
    detail = wb.create_sheet("发放明细")
    detail.freeze_panes = "A2"
    detail.append(header_row(detail, SHEET_HEADERS))
    formats = {0: INTEGER_FORMAT, 7: DATE_FORMAT, 8: MONEY_FORMAT, 11: MONEY_FORMAT}
    per_staff: dict[int, dict] = {}
    total = Decimal("0")
    product_names = dict(ReferralProduct.objects.values_list("code", "name"))
    for n, earning in enumerate(lines, start=1):
        app = earning.application
        deduction = earning.deducted_in_id == sheet.pk
        amount = -earning.amount if deduction else earning.amount
        total += amount
        detail.append(
            safe_row(
                detail,
                [
                    n,
                    earning.staff.employee_no,
                    earning.staff.name,
                    earning.institution.name,
                    app.application_id,
                    product_names.get(app.product, app.product),
                    pii.mask_name(app.customer_name),
                    clock.local(app.disbursed_at).date() if app.disbursed_at else None,
                    app.disbursed_amount,
                    f"v{earning.incentive.version}" if earning.incentive_id else "",
                    "扣回" if deduction else "发放",
                    amount,
                ],
                formats,
            )
        )
        row = per_staff.setdefault(
            earning.staff_id, {"staff": earning.staff, "inst": earning.institution.name, "paid": 0, "deducted": 0, "amount": Decimal("0")}
        )
        row["deducted" if deduction else "paid"] += 1
        row["amount"] += amount
    summary = wb.create_sheet("汇总")
    summary.freeze_panes = "A2"
    summary.append(header_row(summary, SUMMARY_HEADERS))
    for row in per_staff.values():
        summary.append(
            safe_row(
                summary,
                [row["staff"].employee_no, row["staff"].name, row["inst"], row["paid"], row["deducted"], row["amount"]],
                {3: INTEGER_FORMAT, 4: INTEGER_FORMAT, 5: MONEY_FORMAT},
            )
        )
    summary.append(safe_row(summary, ["合计", "", "", "", "", total], {5: MONEY_FORMAT}))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue(), total


@transaction.atomic
def payout_sheet_confirm(*, sheet: PayoutSheet, file, by) -> PayoutSheet:
    """Payroll has paid the sheet: store its confirmation and mark the lines paid."""
    _check_branch(sheet.branch, by)
    sheet = PayoutSheet.objects.select_for_update().get(pk=sheet.pk)
    if sheet.paid_at is not None:
        raise ApplicationError(_("%(branch)s %(month)s 的发放表已确认发放，不能重复确认") % {"branch": sheet.branch.name, "month": sheet.month}, code="already_paid")
    if not file:
        raise ApplicationError(_("请上传工资发放确认文件"), fields={"file": [_("请上传工资发放确认文件")]})
    sheet.confirmation_file.save(f"payout-{sheet.branch.code}-{sheet.month}-confirmation-{getattr(file, 'name', 'file')}", file, save=False)
    sheet.paid_at = clock.now()
    sheet.save(update_fields=["confirmation_file", "paid_at"])
    paid = Earning.objects.filter(paid_in=sheet, status=EarningStatus.CONFIRMED).update(status=EarningStatus.PAID)
    audit(user=by, action="referral_payout_confirm", obj=sheet, branch=sheet.branch.code, month=sheet.month, paid=paid)
    return sheet
