"""The referral step of seed_demo: a believable running campaign, real attribution, idempotent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from org import clock
from org.models import Institution
from org.periods import Period
from referrals.models import (
    Application,
    ApplicationEvent,
    Campaign,
    Earning,
    IncentiveRule,
    Lead,
    ReferralCode,
    ResponsiblePerson,
    ScanEvent,
)
from referrals.selectors.reporting import referral_person_figures
from targets.models import Target

pytestmark = pytest.mark.django_db
TABLES = [Campaign, IncentiveRule, Target, ResponsiblePerson, ReferralCode, ScanEvent, Lead, Application, ApplicationEvent, Earning]


def seed(*args):
    out = io.StringIO()
    with clock.frozen(dt.datetime(2024, 11, 20, 15, 0)):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {m.__name__: m.objects.count() for m in TABLES}


def test_small_demo_has_a_running_campaign_with_every_status_and_is_idempotent():
    output = seed()
    assert "referrals" in output
    campaign = Campaign.objects.get(name="全民营销 邀享好礼")
    assert campaign.start_date <= dt.date(2024, 11, 20) <= campaign.end_date
    assert IncentiveRule.objects.get(campaign=campaign).version == 1
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == {"submitted", "approved", "rejected", "disbursed", "withdrawn"}
    assert Application.objects.filter(status="rejected").exclude(reject_reason="").exists()
    # Through the real service: every application is credited, earnings follow the incentive rule.
    assert not Application.objects.filter(staff__isnull=True).exists()
    disbursed = Application.objects.filter(status="disbursed", flag_status="").select_related("earning").first()
    assert disbursed.earning.amount == min(round(disbursed.disbursed_amount * 3 / 1000, 2), 300)
    assert set(Application.objects.exclude(flag="").values_list("flag_status", flat=True)) >= {"pending", "cleared"}
    assert ResponsiblePerson.objects.filter(institution__kind="branch").count() == Institution.objects.filter(kind="branch").count()
    assert Target.objects.filter(context__startswith="campaign:", period="2024-W47", metric="referral.applications").exists()
    # Last week's figures show leaders and laggards in the first branch.
    branch = Institution.objects.get(name="长春分行")
    rows = list(referral_person_figures(scope=branch, period=Period.parse("2024-W46")))
    assert rows[0].submitted > 0 and rows[-1].submitted == 0
    before = counts()
    seed()
    assert counts() == before


def test_regional_demo_loads_rows_directly_consistent_with_the_services():
    seed("--size", "regional", "--scale", "0.01")
    apps = Application.objects.count()
    assert apps == 2000  # 200,000 × 0.01
    assert ApplicationEvent.objects.filter(status="submitted").count() == apps
    # The credited institution is where the holder worked on the submission day.
    app = Application.objects.select_related("staff").order_by("pk").first()
    from org.selectors import staff_institution_on

    assert app.institution == staff_institution_on(staff=app.staff, day=clock.local(app.submitted_at).date())
    disbursed = Application.objects.filter(status="disbursed", flag="").select_related("earning").first()
    assert disbursed.earning.status == "confirmed"
    assert disbursed.earning.amount == min(round(disbursed.disbursed_amount * 3 / 1000, 2), 300)
    assert Application.objects.filter(flag="staff_mobile", flag_status="pending").exists()
    before = counts()
    seed("--size", "regional", "--scale", "0.01")
    assert counts() == before
