"""In a real browser: a sub-branch VP opens the campaign from the menu, enters the week's targets
for her outlets in one form, sees them saved, and gets a Chinese error for a negative target."""

import datetime as dt
import os
import re
from decimal import Decimal

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org.models import Position, join_positions  # noqa: E402
from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402
from org.tests.test_browser_home import page, sign_in  # noqa: E402,F401  (fixture, helper)
from referrals.models import Campaign, ReferralProduct  # noqa: E402
from referrals.services.campaigns import campaign_create  # noqa: E402
from referrals.tests.reporting_data import campaign_targets_of  # noqa: E402

from .application_helpers import ensure_reference_data  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def vp():
    ensure_reference_data()
    inst = tree()
    head_office = user_for(scope=inst["HO"], username="ho-admin")
    campaign_create(
        code="C2024",
        name="全民营销 邀享好礼",
        start_date=dt.date(2024, 1, 1),
        end_date=dt.date(2030, 12, 31),
        products=list(ReferralProduct.objects.filter(code="consumer_loan")),
        by=head_office,
    )
    person = StaffFactory(employee_no="VP100", name="赵丽", institution=inst["SB1"], positions=join_positions([Position.SUB_BRANCH_VP]))
    user_for(person, scope=inst["SB1"], password="Vp-pass-2024")
    return inst


def test_vp_enters_weekly_targets_for_her_outlets(page, live_server, vp):  # noqa: F811
    sign_in(page, live_server.url, "VP100", "Vp-pass-2024")
    page.get_by_role("link", name="转介活动").first.click()
    page.get_by_role("link", name="全民营销 邀享好礼").click()
    expect(page.locator("h1")).to_have_text("全民营销 邀享好礼")
    expect(page.get_by_test_id("incentives")).to_contain_text("0.3%")
    targets = page.get_by_test_id("targets")
    expect(targets).to_contain_text("人民广场网点")
    expect(targets).not_to_contain_text("红旗街网点")  # another sub-branch's outlet

    page.get_by_label("人民广场网点 进件目标").fill("12")
    page.get_by_label("人民广场网点 放款目标").fill("150")
    page.get_by_label("南湖网点 进件目标").fill("8")
    page.get_by_role("button", name="保存本周目标").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"已保存 \d{4}-W\d{2} 的周目标"))
    saved = campaign_targets_of(Campaign.objects.get())
    assert saved["OUT1"].applications == 12 and saved["OUT1"].disbursed_amount == Decimal("1500000")
    assert saved["OUT2"].applications == 8
    expect(page.get_by_label("人民广场网点 进件目标")).to_have_value("12")

    page.get_by_label("南湖网点 进件目标").fill("-2")
    page.get_by_role("button", name="保存本周目标").click()
    expect(page.locator(".messages")).to_contain_text("南湖网点：进件目标不能为负数")
    assert campaign_targets_of(Campaign.objects.get())["OUT2"].applications == 8
