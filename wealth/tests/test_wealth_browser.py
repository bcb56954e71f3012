"""In chromium: a wealth manager on a phone registers a visit by card read and sees it counted in
her day; her outlet head opens the 2053 table on a laptop and drills down to her explanations."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org import clock, pii  # noqa: E402
from org.models import Customer, CustomerCard  # noqa: E402
from org.testing.browser import sign_in as browser_sign_in  # noqa: E402
from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402
from wealth.models import Call, Visit  # noqa: E402

SHOTS = Path(os.environ.get("DOCS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"))
PASSWORD = "Wealth-pass-2024"
CARD = "6222021234567890123"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outlet():
    # An earlier transactional test flushes the tables, the migration's rule and catalogue with them.
    from importlib import import_module

    from django.apps import apps

    import_module("wealth.migrations.0002_default_rule_and_products").forward(apps, None)
    t = tree()
    user_for(StaffFactory(employee_no="OH80", name="网点主任", institution=t["OUT1"], positions=";outlet_head;"), scope=t["OUT1"], password=PASSWORD)
    wm = StaffFactory(employee_no="W81", name="李娜", institution=t["OUT1"])
    user_for(wm, password=PASSWORD)
    c = Customer.objects.create(customer_no="C801", name="王小明", mobile="13800001234", manager=wm)
    CustomerCard.objects.create(customer=c, card_hash=pii.keyed_hash(CARD), card_masked=pii.mask_card_number(CARD))
    now = clock.now()
    Call.objects.create(call_id="B1", staff=wm, institution=t["OUT1"], customer=c, started_at=now, local_date=clock.local(now).date(), duration_s=59,
                        connected=True, channel="landline", phone_masked="138****1234")
    return wm


def sign_in(page, base, username):
    browser_sign_in(page, base, username, PASSWORD)


def test_a_visit_by_card_read_on_a_phone_and_the_managers_table(browser, live_server, outlet):
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "W81")
    page.goto(live_server.url + "/wealth/me/")
    form = page.get_by_test_id("visit-form")
    form.locator("input[name=card_number]").fill(CARD)
    form.get_by_label("基金").check()
    form.get_by_label("保险").check()
    form.get_by_label("使用营销垫板").check()
    form.get_by_role("button", name="登记").click()
    expect(page.locator(".messages")).to_contain_text("已登记面访：王**，产品 2 个")
    visit = Visit.objects.get()
    assert visit.card_masked == "6222 **** **** 0123" and visit.pad_used
    expect(page.get_by_test_id("visits")).to_contain_text("6222 **** **** 0123")
    expect(page.get_by_test_id("calls")).to_contain_text("通话时长不足（59 秒 < 60 秒）")
    assert CARD not in page.content()
    page.screenshot(path=str(SHOTS / "wealth-visit-phone.png"), full_page=True)
    phone.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "OH80")
    page.get_by_role("link", name="财富2053").first.click()
    expect(page.get_by_test_id("progress")).to_contain_text("序时进度")
    page.get_by_test_id("team").get_by_role("link", name="W81").click()
    expect(page.get_by_test_id("arithmetic")).to_contain_text("有效电访")
    page.screenshot(path=str(SHOTS / "wealth-team.png"), full_page=True)
    ctx.close()
