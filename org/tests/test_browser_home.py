"""In a real browser: a manager signs in through the form, sees the workbench in Chinese with the
path of their institution, then switches the interface to English.

Playwright drives Debian's chromium (it cannot download its own browsers here). Its sync API runs an
event loop in this thread, which Django's ORM would otherwise refuse to share.
"""

import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org.models import Position, join_positions  # noqa: E402
from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402

SCREENSHOTS = Path(os.environ.get("BROWSER_SCREENSHOTS", "/tmp"))

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    # A browser set up for China: the product must come up in Chinese for it.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def outlet_head():
    inst = tree()
    head = StaffFactory(employee_no="OH100", name="周敏", institution=inst["OUT1"], positions=join_positions([Position.OUTLET_HEAD]))
    StaffFactory.create_batch(2, institution=inst["OUT1"])
    StaffFactory(institution=inst["OUT2"])  # same sub-branch, another outlet: not in her scope
    user_for(head, scope=inst["OUT1"], password="Outlet-pass-2024")
    return head


def sign_in(page, base_url: str, employee_no: str, password: str) -> None:
    page.goto(base_url + "/")
    expect(page).to_have_url(re.compile(r"/login/"))  # the workbench needs a sign-in first
    page.fill("#id_username", employee_no)
    page.fill("#id_password", password)
    page.click("form.stack button[type=submit]")


def test_manager_signs_in_sees_chinese_workbench_with_institution_path_then_switches_to_english(page, live_server, outlet_head):
    sign_in(page, live_server.url, "OH100", "Outlet-pass-2024")

    expect(page.locator("h1")).to_have_text("工作台")
    # Breadcrumbs never go above the viewer's scope: the outlet head sees her outlet, not the bank above it.
    expect(page.locator("nav.breadcrumbs")).to_have_text(re.compile(r"^\s*人民广场网点\s*$"))
    expect(page.get_by_test_id("staff-count")).to_have_text("3")
    expect(page.locator(".account .who")).to_have_text("周敏（OH100）")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.screenshot(path=str(SCREENSHOTS / "browser_home_zh.png"), full_page=True)

    with page.expect_navigation():
        page.select_option("select[name=language]", "en")

    expect(page.locator("h1")).to_have_text("Workbench")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("staff-count")).to_have_text("3")
    page.screenshot(path=str(SCREENSHOTS / "browser_home_en.png"), full_page=True)

    # The choice sticks: the next page is English too, without choosing again.
    page.goto(live_server.url + "/")
    expect(page.locator("h1")).to_have_text("Workbench")


def test_wrong_password_keeps_the_user_on_the_sign_in_page_with_a_chinese_error(page, live_server, outlet_head):
    sign_in(page, live_server.url, "OH100", "not-her-password")

    expect(page).to_have_url(re.compile(r"/login/"))
    expect(page.locator("h1")).to_have_text("员工登录")
    expect(page.locator("form.stack .errorlist")).to_contain_text("员工号或密码错误")
    expect(page.locator("h1", has_text="工作台")).to_have_count(0)
    page.screenshot(path=str(SCREENSHOTS / "browser_login_error_zh.png"), full_page=True)
