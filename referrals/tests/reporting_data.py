"""A small known dataset for the reporting tests: applications written as rows in their final
state (what the loan-event services leave behind), so the figures below are known by hand."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from org.clock import SHANGHAI
from org.tests.factories import StaffFactory, tree
from referrals.models import Application, Campaign, ReferralCode, ReferralRule, ScanEvent

_seq = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def code_for(staff) -> ReferralCode:
    return ReferralCode.objects.create(token=f"tok-{staff.employee_no}-{next(_seq)}", staff=staff, created_at=at(dt.date(2024, 10, 1)))


def app(
    staff,
    *,
    submitted: dt.date,
    approved=None,
    rejected=None,
    reason="",
    disbursed=None,
    amount=None,
    flag="",
    flag_status="",
    campaign=None,
    institution=None,
):
    n = next(_seq)
    status = "disbursed" if disbursed else "approved" if approved else "rejected" if rejected else "submitted"
    last = disbursed or approved or rejected or submitted
    return Application.objects.create(
        application_id=f"APP{n:06d}",
        product="credit_card",
        staff=staff,
        institution=institution or staff.institution,
        campaign=campaign,
        status=status,
        status_at=at(last),
        submitted_at=at(submitted),
        approved_at=at(approved) if approved else None,
        rejected_at=at(rejected) if rejected else None,
        reject_reason=reason,
        disbursed_at=at(disbursed) if disbursed else None,
        disbursed_amount=Decimal(amount) if amount is not None else None,
        flag=flag,
        flag_status=flag_status,
    )


# ISO week 2024-W45 is Monday 4 November to Sunday 10 November 2024.
MON, TUE, WED, SUN = dt.date(2024, 11, 4), dt.date(2024, 11, 5), dt.date(2024, 11, 6), dt.date(2024, 11, 10)
PREV_WEEK = dt.date(2024, 10, 30)


def known_week() -> dict:
    """BR1 in 2024-W45: A 3 counted (one cleared flag) + 1 pending flag, B 2, C 2, D 1, F 0 with a
    code; BR2: E 1. Ranks in BR1 by 进件数: A 1, B 2, C 2, D 4, F 5."""
    t = tree()
    ReferralRule.objects.get_or_create(version=1, defaults={"effective_from": dt.date(2024, 1, 1)})
    campaign = Campaign.objects.create(
        code="CC2024", name="全民营销 邀享好礼", start_date=dt.date(2024, 10, 1), end_date=dt.date(2024, 12, 31)
    )
    a = StaffFactory(employee_no="A001", name="张三", institution=t["OUT1"])
    b = StaffFactory(employee_no="B001", name='=HYPERLINK("http://x")', institution=t["OUT1"])
    c = StaffFactory(employee_no="C001", name="王五", institution=t["OUT2"])
    d = StaffFactory(employee_no="D001", name="赵六", institution=t["OUT3"])
    e = StaffFactory(employee_no="E001", name="钱七", institution=t["OUT4"])
    f = StaffFactory(employee_no="F001", name="孙八", institution=t["OUT3"])
    StaffFactory(employee_no="G001", name="周九", institution=t["OUT3"])  # no code, no activity: not listed
    for s in (a, b, c, d, e, f):
        code_for(s)
    app(a, submitted=MON, approved=TUE, disbursed=WED, amount="150000.00", campaign=campaign)
    app(a, submitted=TUE, rejected=WED, reason="征信不良", campaign=campaign)
    app(a, submitted=WED, flag="self_referral", flag_status="cleared", approved=SUN, campaign=campaign)
    app(a, submitted=WED, flag="staff_mobile", flag_status="pending", approved=WED, disbursed=SUN, amount="99999.00", campaign=campaign)
    app(b, submitted=MON, rejected=TUE, reason="征信不良", campaign=campaign)
    app(b, submitted=SUN, campaign=campaign)
    app(c, submitted=MON, campaign=campaign)
    app(c, submitted=TUE, rejected=TUE, reason="收入不足", campaign=campaign)
    app(d, submitted=TUE, campaign=campaign)
    # Submitted the week before, disbursed in this week: counts as a disbursement, not an application.
    app(d, submitted=PREV_WEEK, approved=PREV_WEEK, disbursed=TUE, amount="12345.67", campaign=campaign)
    app(e, submitted=MON, campaign=campaign)
    for i in range(3):
        ScanEvent.objects.create(code=a.referral_codes.first(), institution=a.institution, at=at(MON, 9 + i), client_type="wechat", client_hash=f"h{i}")
    campaign_target(campaign, t["OUT1"], MON, 4, "100000")
    campaign_target(campaign, t["OUT2"], MON, 2, "50000")
    campaign_target(campaign, t["OUT3"], MON, 5, "50000")
    return {"tree": t, "campaign": campaign, "A": a, "B": b, "C": c, "D": d, "E": e, "F": f}


def campaign_target(campaign, institution, week_start: dt.date, applications: int, amount) -> None:
    """A campaign's weekly target on an institution, as targets.Target rows (what the page writes)."""
    from targets.models import Target

    iso = week_start.isocalendar()
    for metric, value in (("referral.applications", Decimal(applications)), ("referral.disbursed_amount", Decimal(amount))):
        Target.objects.create(
            metric=metric, period_kind="week", period=f"{iso.year}-W{iso.week:02d}", period_start=week_start,
            period_end=week_start + dt.timedelta(days=6), institution=institution, context=f"campaign:{campaign.code}",
            value=value, set_at=at(week_start),
        )


def campaign_targets_of(campaign) -> dict[str, object]:
    """{institution code: CampaignWeekTarget} of every weekly target set in the campaign."""
    from org.models import Institution
    from org.periods import Period
    from referrals.selectors.reporting import campaign_week_targets

    root = Institution.objects.get(parent__isnull=True)
    span = Period(campaign.start_date, campaign.end_date, "span", "span")
    return {t.institution.code: t for t in campaign_week_targets(campaign=campaign, under=root, period=span)}
