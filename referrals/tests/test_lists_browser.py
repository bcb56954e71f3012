"""In chromium: an outlet head splits a stock-customer list among her staff on a laptop; a member
of staff, on a phone, opens her list, sees the call link and records a contact."""

import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402
from referrals.models import CustomerList, ListContact, ListedCustomer  # noqa: E402

SHOTS = Path(os.environ.get("DOCS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"))
PASSWORD = "Lists-pass-2024"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def outlet():
    from org import clock

    t = tree()
    today = clock.today()
    lst = CustomerList.objects.create(code="L-2412", segment="mortgage", name="按揭客户交叉营销", start_date=today - dt.timedelta(days=3),
                                      end_date=today + dt.timedelta(days=60), created_at=clock.now())
    for i in range(1, 7):
        ListedCustomer.objects.create(customer_list=lst, customer_no=f"C{i:03d}", name=f"客户{i}", mobile=f"1390000{i:04d}", outlet=t["OUT1"])
    user_for(StaffFactory(employee_no="OH90", name="网点主任", institution=t["OUT1"]), scope=t["OUT1"], password=PASSWORD)
    for no, name in (("S91", "李娜"), ("S92", "王强")):
        user_for(StaffFactory(employee_no=no, name=name, institution=t["OUT1"]), password=PASSWORD)
    return lst


def sign_in(page, base, username):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_have_text("工作台")


def test_an_outlet_head_splits_and_a_staff_member_logs_a_contact(browser, live_server, outlet):
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "OH90")
    page.get_by_role("link", name="存量名单").first.click()
    page.get_by_role("link", name="按揭客户交叉营销").click()
    form = page.get_by_test_id("split-form")
    form.get_by_label("网点主任（OH90）").uncheck()
    form.get_by_role("button", name="分配").click()
    expect(page.locator(".messages")).to_contain_text("李娜 3 户，王强 3 户")
    expect(page.get_by_test_id("funnel")).to_contain_text("李娜（S91）")
    page.screenshot(path=str(SHOTS / "list-split.png"), full_page=True)
    ctx.close()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "S91")
    page.goto(live_server.url + "/referrals/lists/mine/")
    first = ListedCustomer.objects.filter(assignee__employee_no="S91").order_by("customer_no").first()
    expect(page.locator(f'a[href="tel:{first.mobile}"]')).to_be_visible()
    page.get_by_role("link", name=first.name, exact=True).click()
    form = page.get_by_test_id("contact-form")
    form.get_by_role("button", name="保存").click()
    expect(page.locator("form .errorlist")).to_contain_text("请选择联系结果")
    assert not ListContact.objects.exists()
    page.get_by_label("有意向").check()
    page.locator("textarea[name=note]").fill("周六带材料来网点")
    page.screenshot(path=str(SHOTS / "list-contact-phone.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("有意向")
    contact = ListContact.objects.get()
    assert (contact.customer_id, contact.outcome, contact.note) == (first.pk, "interested", "周六带材料来网点")
    phone.close()
