"""Campaign pages and services: head office edits, managers set targets and 包保责任人 in scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from org.errors import ApplicationError
from org.tests.factories import StaffFactory, tree, user_for
from referrals.models import Campaign, IncentiveRule, ReferralProduct, ResponsiblePerson
from referrals.services.campaigns import campaign_create, incentive_rule_add
from referrals.tests.reporting_data import campaign_targets_of
from targets.models import Target

from .application_helpers import ensure_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def t():
    ensure_reference_data()
    return tree()


def browser(institution, **staff_kwargs):
    client = Client()
    client.force_login(user_for(StaffFactory(institution=institution, **staff_kwargs), scope=institution))
    return client


def product_ids(*codes):
    return [str(p.pk) for p in ReferralProduct.objects.filter(code__in=codes)]


def form(**overrides):
    data = {
        "code": "C2024",
        "name": "全民营销 邀享好礼",
        "tagline": "一码在手",
        "start_date": "2024-01-01",
        "end_date": "2024-06-30",
        "products": product_ids("consumer_loan", "card_instalment"),
        "rate_percent": "0.3",
        "cap_per_loan": "300",
        "flat_bonus_per_approved": "0",
    }
    data.update(overrides)
    return data


def test_head_office_creates_a_campaign_with_default_incentive_v1(t):
    client = browser(t["HO"])
    response = client.post("/referrals/campaigns/new/", form())
    campaign = Campaign.objects.get(code="C2024")
    assert response.status_code == 302 and response["Location"] == f"/referrals/campaigns/{campaign.pk}/"
    rule = IncentiveRule.objects.get(campaign=campaign)
    assert (rule.version, rule.rate, rule.cap_per_loan, rule.effective_from) == (1, Decimal("0.003"), Decimal("300"), dt.date(2024, 1, 1))
    page = client.get(f"/referrals/campaigns/{campaign.pk}/").content.decode()
    assert "全民营销 邀享好礼" in page and "0.3%" in page and "信用卡分期" in page


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"end_date": "2023-12-01"}, "结束日期 2023-12-01 早于开始日期 2024-01-01"),
        ({"products": []}, "请至少选择一个活动产品"),
        ({"cap_per_loan": "-1"}, "不能为负数"),
    ],
)
def test_campaign_form_shows_clear_chinese_errors(t, overrides, message):
    response = browser(t["HO"]).post("/referrals/campaigns/new/", form(**overrides))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Campaign.objects.exists()


def test_overlapping_campaign_with_a_shared_product_is_refused(t):
    client = browser(t["HO"])
    client.post("/referrals/campaigns/new/", form())
    response = client.post(
        "/referrals/campaigns/new/", form(code="C2", start_date="2024-06-01", end_date="2024-12-31", products=product_ids("consumer_loan"))
    )
    assert "活动期间与“全民营销 邀享好礼”（2024-01-01 至 2024-06-30）重叠，且都包含产品：信用卡消费贷" in response.content.decode()
    ok = client.post(
        "/referrals/campaigns/new/", form(code="C3", start_date="2024-06-01", end_date="2024-12-31", products=product_ids("credit_card"))
    )
    assert ok.status_code == 302


def test_only_head_office_creates_or_edits_others_get_404(t):
    campaign = campaign_create(
        code="C1",
        name="活动",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2024, 12, 31),
        products=list(ReferralProduct.objects.all()),
        by=user_for(scope=t["HO"]),
    )
    branch = browser(t["BR1"])
    for url in (
        "/referrals/campaigns/new/",
        f"/referrals/campaigns/{campaign.pk}/edit/",
        f"/referrals/campaigns/{campaign.pk}/incentives/new/",
    ):
        assert branch.get(url).status_code == 404
        assert branch.post(url, form()).status_code == 404
    assert branch.get("/referrals/campaigns/").status_code == 200
    assert "新建活动" not in branch.get("/referrals/campaigns/").content.decode()
    plain = Client()
    plain.force_login(user_for(StaffFactory(institution=t["OUT1"])))
    assert plain.get("/referrals/campaigns/").status_code == 404
    with pytest.raises(ApplicationError, match="只有总行"):
        incentive_rule_add(
            campaign=campaign, effective_from=dt.date(2024, 5, 1), rate=Decimal("0.004"), cap_per_loan=Decimal("400"), by=branch_user(t)
        )


def branch_user(t):
    return user_for(StaffFactory(institution=t["BR1"]), scope=t["BR1"])


def test_new_incentive_version_from_a_date(t):
    client = browser(t["HO"])
    client.post("/referrals/campaigns/new/", form())
    campaign = Campaign.objects.get()
    response = client.post(
        f"/referrals/campaigns/{campaign.pk}/incentives/new/",
        {"effective_from": "2024-04-01", "rate_percent": "0.5", "cap_per_loan": "500", "flat_bonus_per_approved": "20"},
    )
    assert response.status_code == 302
    v2 = IncentiveRule.objects.get(campaign=campaign, version=2)
    assert (v2.rate, v2.cap_per_loan, v2.flat_bonus_per_approved) == (Decimal("0.005"), Decimal("500"), Decimal("20"))
    early = client.post(
        f"/referrals/campaigns/{campaign.pk}/incentives/new/",
        {"effective_from": "2024-03-01", "rate_percent": "0.5", "cap_per_loan": "500", "flat_bonus_per_approved": "0"},
    )
    assert "新版本的生效日期必须晚于当前版本 v2 的生效日期 2024-04-01" in early.content.decode()
    outside = client.post(
        f"/referrals/campaigns/{campaign.pk}/incentives/new/",
        {"effective_from": "2025-03-01", "rate_percent": "0.5", "cap_per_loan": "500", "flat_bonus_per_approved": "0"},
    )
    assert "生效日期应在活动期间" in outside.content.decode()


@pytest.fixture
def campaign(t):
    return campaign_create(
        code="C1",
        name="活动",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2024, 12, 31),
        products=list(ReferralProduct.objects.all()),
        by=user_for(scope=t["HO"]),
    )


def test_sub_branch_manager_sets_weekly_targets_for_its_outlets_in_bulk(t, campaign):
    client = browser(t["SB1"])
    url = f"/referrals/campaigns/{campaign.pk}/"
    page = client.get(url, {"week": "2024-W10"}).content.decode()
    assert "人民广场网点" in page and "南湖网点" in page and "红旗街网点" not in page
    out1, out2 = t["OUT1"].pk, t["OUT2"].pk
    response = client.post(
        url,
        {
            "inst": "SB1",
            "week": "2024-W10",
            f"applications_{out1}": "12",
            f"amount_{out1}": "150",
            f"applications_{out2}": "8",
            f"amount_{out2}": "1.25",
        },
    )
    assert response.status_code == 302
    rows = {r.institution.pk: r for r in campaign_targets_of(campaign).values()}
    assert (
        rows[out1].week_start == dt.date(2024, 3, 4) and rows[out1].applications == 12 and rows[out1].disbursed_amount == Decimal("1500000")
    )
    assert rows[out2].disbursed_amount == Decimal("12500")
    again = client.get(url, {"week": "2024-W10"}).content.decode()
    assert 'value="1.25"' in again and 'value="12"' in again


def test_negative_or_malformed_targets_are_refused_with_the_outlet_named(t, campaign):
    client = browser(t["SB1"])
    url = f"/referrals/campaigns/{campaign.pk}/"
    out1, out2 = t["OUT1"].pk, t["OUT2"].pk
    response = client.post(
        url,
        {
            "inst": "SB1",
            "week": "2024-W10",
            f"applications_{out1}": "-3",
            f"amount_{out1}": "1",
            f"applications_{out2}": "x",
            f"amount_{out2}": "1",
        },
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "人民广场网点：进件目标不能为负数" in text or "南湖网点：进件目标“x”不是整数" in text
    assert not Target.objects.exists()


def test_targets_outside_scope_answer_404(t, campaign):
    client = browser(t["SB1"])
    url = f"/referrals/campaigns/{campaign.pk}/"
    assert client.get(url, {"inst": "SB2"}).status_code == 404
    assert client.post(url, {"inst": "SB3", "week": "2024-W10", f"applications_{t['OUT4'].pk}": "1"}).status_code == 404
    assert not Target.objects.exists()


def test_responsible_person_per_institution(t, campaign):
    client = browser(t["SB1"])
    url = f"/referrals/campaigns/{campaign.pk}/"
    vp = StaffFactory(institution=t["SB1"], name="赵行长")
    far = StaffFactory(institution=t["OUT4"])
    response = client.post(
        url, {"inst": "SB1", "week": "2024-W10", "action": "responsible", "institution": t["OUT1"].pk, "employee_no": vp.employee_no}
    )
    assert response.status_code == 302
    assert ResponsiblePerson.objects.get(campaign=campaign, institution=t["OUT1"]).staff == vp
    assert "赵行长" in client.get(url, {"week": "2024-W10"}).content.decode()
    # Someone in scope but working in another outlet: the service's placement rule.
    sideways = StaffFactory(institution=t["OUT2"], name="钱柜员")
    refused = client.post(
        url,
        {"inst": "SB1", "week": "2024-W10", "action": "responsible", "institution": t["OUT1"].pk, "employee_no": sideways.employee_no},
        follow=True,
    )
    assert "不能担任包保责任人" in refused.content.decode()
    # Someone elsewhere in the bank reads exactly like an unknown number, and no name is printed.
    outside = client.post(
        url,
        {"inst": "SB1", "week": "2024-W10", "action": "responsible", "institution": t["OUT1"].pk, "employee_no": far.employee_no},
        follow=True,
    ).content.decode()
    unknown = client.post(
        url,
        {"inst": "SB1", "week": "2024-W10", "action": "responsible", "institution": t["OUT1"].pk, "employee_no": "NOBODY1"},
        follow=True,
    ).content.decode()
    assert f"员工“{far.employee_no}”未找到，或不在您的管理范围内" in outside and far.name not in outside
    assert "员工“NOBODY1”未找到，或不在您的管理范围内" in unknown
    assert ResponsiblePerson.objects.get(campaign=campaign, institution=t["OUT1"]).staff == vp
    assert (
        client.post(url, {"inst": "SB1", "action": "responsible", "institution": t["OUT4"].pk, "employee_no": vp.employee_no}).status_code
        == 404
    )


def test_saving_the_target_form_unchanged_changes_nothing(t, campaign):
    client = browser(t["SB1"])
    url = f"/referrals/campaigns/{campaign.pk}/"
    out1, out2 = t["OUT1"].pk, t["OUT2"].pk
    page = client.get(url, {"week": "2024-W10"}).content.decode()
    assert f'name="applications_{out1}" value=""' in page and 'value="0"' not in page
    # The form as the browser sends it when nobody typed anything: every field empty.
    response = client.post(
        url,
        {
            "inst": "SB1",
            "week": "2024-W10",
            f"applications_{out1}": "",
            f"amount_{out1}": "",
            f"applications_{out2}": "",
            f"amount_{out2}": "",
        },
        follow=True,
    )
    assert "0 个机构有变更" in response.content.decode()
    assert not Target.objects.exists()
    # A target set, then the form saved again as shown: still one change in all, nothing reset to 0.
    client.post(url, {"inst": "SB1", "week": "2024-W10", f"applications_{out1}": "１２", f"amount_{out1}": "150"})
    shown = client.get(url, {"week": "2024-W10"}).content.decode()
    assert 'value="12"' in shown and 'value="150' in shown
    response = client.post(
        url,
        {
            "inst": "SB1",
            "week": "2024-W10",
            f"applications_{out1}": "12",
            f"amount_{out1}": "150",
            f"applications_{out2}": "",
            f"amount_{out2}": "",
        },
        follow=True,
    )
    assert "0 个机构有变更" in response.content.decode()
    # An empty amount keeps the amount; only the number typed changes.
    client.post(url, {"inst": "SB1", "week": "2024-W10", f"applications_{out1}": "9", f"amount_{out1}": ""})
    row = campaign_targets_of(campaign)["OUT1"]
    assert (row.applications, row.disbursed_amount) == (9, Decimal("1500000"))
    assert len(campaign_targets_of(campaign)) == 1
