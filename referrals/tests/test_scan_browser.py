"""On a phone, in a real browser: a customer opens a scanned code, sees the offer, gets a Chinese
message for a wrong mobile number, corrects it and leaves their details with consent.

Playwright drives Debian's chromium; see org/tests/test_browser_home.py for the set-up notes."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org import clock  # noqa: E402
from org.tests.factories import StaffFactory, tree  # noqa: E402
from referrals.models import Lead, ScanEvent  # noqa: E402
from referrals.services.codes import referral_code_issue  # noqa: E402
from referrals.tests.test_codes import campaign_with_products  # noqa: E402

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp"))
IPHONE_WECHAT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 MicroMessenger/8.0.44"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844},
        user_agent=IPHONE_WECHAT,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_customer_scans_sees_the_offer_and_leaves_details_after_fixing_the_mobile(phone, live_server):
    today = clock.today()
    campaign_with_products(start=today - dt.timedelta(days=1), end=today + dt.timedelta(days=30))
    staff = StaffFactory(name="张晓明", institution=tree()["OUT1"])
    code = referral_code_issue(staff=staff, issued_by=None)

    phone.goto(f"{live_server.url}/r/{code.token}")
    expect(phone.locator("header h1")).to_have_text("金秋转介季")
    expect(phone.get_by_text("您的专属客户经理：张**（人民广场网点）")).to_be_visible()
    expect(phone.get_by_role("link", name="在线申请安居房贷")).to_have_attribute(
        "href", f"https://loan.example-bank.cn/apply?referral_code={code.token}&product=t_mortgage"
    )
    phone.screenshot(path=str(SCREENSHOTS / "browser_scan_landing.png"), full_page=True)
    assert ScanEvent.objects.filter(code=code, client_type="wechat").count() == 1

    phone.fill("#id_name", "王小二")
    phone.fill("#id_mobile", "1381234")
    phone.select_option("#id_product", "t_consumer")
    phone.check("input[name=consent]")
    phone.get_by_role("button", name="提交").click()

    expect(phone.get_by_text("请填写正确的 11 位手机号，如 13800138000")).to_be_visible()
    expect(phone.locator("#id_name")).to_have_value("王小二")
    expect(phone.locator("#id_product")).to_have_value("t_consumer")
    assert not Lead.objects.exists()

    phone.fill("#id_mobile", "13812345678")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator("header h1")).to_have_text("提交成功")
    phone.screenshot(path=str(SCREENSHOTS / "browser_scan_thanks.png"), full_page=True)
    lead = Lead.objects.get()
    assert (lead.name, lead.mobile, lead.product.code, lead.staff_id) == ("王小二", "13812345678", "t_consumer", staff.pk)


def test_an_unknown_code_shows_the_friendly_page_on_the_phone(phone, live_server):
    response = phone.goto(f"{live_server.url}/r/NoSuchCode0000000000000000000000")
    assert response.status == 404
    expect(phone.locator("header h1")).to_have_text("二维码无效或已失效")
    expect(phone.get_by_text("请向为您服务的客户经理索取最新的二维码后重新扫描")).to_be_visible()
