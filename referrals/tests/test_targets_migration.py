"""The campaign's weekly targets move into targets.Target and the dashboard reads the same figures."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("referrals", "0006_code_show_full_name")]


@pytest.mark.django_db(transaction=True)
def test_weekly_targets_are_moved_and_read_the_same():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Institution = old.get_model("org", "Institution")
    Campaign = old.get_model("referrals", "Campaign")
    CampaignTarget = old.get_model("referrals", "CampaignTarget")
    ho = Institution.objects.create(code="MHO", name="总行", kind="head_office", path="/MHO/", depth=0)
    br = Institution.objects.create(code="MBR", name="分行", kind="branch", parent=ho, path="/MHO/MBR/", depth=1)
    o1 = Institution.objects.create(code="MO1", name="一网点", kind="outlet", parent=br, path="/MHO/MBR/MO1/", depth=2)
    o2 = Institution.objects.create(code="MO2", name="二网点", kind="outlet", parent=br, path="/MHO/MBR/MO2/", depth=2)
    c = Campaign.objects.create(code="MC", name="迁移活动", start_date=dt.date(2024, 10, 1), end_date=dt.date(2024, 12, 31))
    monday = dt.date(2024, 11, 4)
    CampaignTarget.objects.create(campaign=c, institution=o1, week_start=monday, applications=4, disbursed_amount=Decimal("100000"))
    CampaignTarget.objects.create(campaign=c, institution=o2, week_start=monday, applications=2, disbursed_amount=Decimal("50000"))
    CampaignTarget.objects.create(campaign=c, institution=o1, week_start=monday + dt.timedelta(days=7), applications=3, disbursed_amount=Decimal("1"))

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)

    from org.models import Institution as Inst
    from org.periods import Period
    from referrals.models import Campaign as Camp
    from referrals.selectors.reporting import referral_targets
    from targets.models import Target

    assert Target.objects.filter(context="campaign:MC").count() == 6
    camp = Camp.objects.get(code="MC")
    branch, outlet = Inst.objects.get(code="MBR"), Inst.objects.get(code="MO1")
    week = referral_targets(nodes=[branch, outlet], period=Period.parse("2024-W45"), campaign=camp)
    assert (week[branch.pk].applications, week[branch.pk].amount) == (6, Decimal("150000"))
    assert week[outlet.pk].applications == 4
    month = referral_targets(nodes=[branch], period=Period.parse("2024-11"), campaign=camp)
    assert month[branch.pk].applications == 9  # a month sums its weeks, as before
