"""In chromium: a branch manager on a laptop opens the capacity table, drills down to an exit
candidate, is refused a bad leave month and records what was decided; the officer on a phone reads how their
points were computed."""

import datetime as dt
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org import clock  # noqa: E402
from org.testing.browser import sign_in as browser_sign_in  # noqa: E402
from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402
from retail_credit.models import ExitDecision, LeaveMonth  # noqa: E402

from .helpers import loan, officer  # noqa: E402

SHOTS = Path(os.environ.get("DOCS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"))
PASSWORD = "Capacity-pass-2024"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def months_back(n: int) -> dt.date:
    first = clock.today().replace(day=1)
    y, m = divmod(first.month - 1 - n, 12)
    return dt.date(first.year + y, m + 1, 1)


@pytest.fixture
def branch():
    t = tree()
    user_for(StaffFactory(employee_no="BM90", name="分行行长", institution=t["BR1"], positions=";branch_manager;"), scope=t["BR1"], password=PASSWORD)
    strong = officer(t["OUT1"], tier=2, since=months_back(14), employee_no="LO91", name="王强")
    weak = officer(t["OUT2"], tier=3, since=months_back(6), employee_no="LO92", name="赵弱")  # months -6…-4 exempt
    user_for(weak, password=PASSWORD)
    for n in range(0, 13):
        loan(strong, "mortgage", 2_600_000, months_back(n) + dt.timedelta(days=1))
    for n in (0, 1, 2, 3):
        loan(weak, "consumer", 40_000, months_back(n))
    return t, strong, weak


def sign_in(page, base, username):
    browser_sign_in(page, base, username, PASSWORD)


def test_the_capacity_table_an_exit_decision_and_my_points_on_a_phone(browser, live_server, branch):
    SHOTS.mkdir(parents=True, exist_ok=True)
    last = months_back(1)
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "BM90")
    page.get_by_role("link", name="零售信贷产能").first.click()
    page.goto(live_server.url + f"/capacity/?month={last:%Y-%m}")
    expect(page.get_by_test_id("officers")).to_contain_text("LO91")
    expect(page.get_by_test_id("tiers")).to_contain_text("长春分行")
    page.screenshot(path=str(SHOTS / "capacity-table-laptop.png"), full_page=True)
    page.get_by_test_id("officers").get_by_role("link", name="LO92").click()
    expect(page.get_by_test_id("warning")).to_contain_text("退出候选")
    expect(page.get_by_test_id("arithmetic")).to_contain_text("按下限")
    leave = page.get_by_test_id("leave-form")
    leave.locator("input[name=leave_month]").fill("２０２４-１３")
    leave.get_by_role("button", name="登记", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("月份“2024-13”无效")
    assert not LeaveMonth.objects.exists()
    page.screenshot(path=str(SHOTS / "capacity-person-laptop.png"), full_page=True)
    page.goto(live_server.url + f"/capacity/warnings/?month={last:%Y-%m}")
    form = page.get_by_test_id("exit-form")
    form.locator("select[name=outcome]").select_option("kept")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("留用需填写改进计划")
    form = page.get_by_test_id("exit-form")
    form.locator("select[name=outcome]").select_option("kept")
    form.locator("input[name=note]").fill("每周走访 2 个楼盘，支行主管行长结对")
    form.get_by_role("button", name="保存").click()
    expect(page.locator(".messages")).to_contain_text("已记录处理结果")
    expect(page.get_by_test_id("exits")).to_contain_text("留用并制定计划")
    page.screenshot(path=str(SHOTS / "capacity-warnings-laptop.png"), full_page=True)
    ctx.close()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "LO92")
    expect(page.get_by_test_id("home-my-capacity")).to_contain_text("产能积分")
    page.get_by_test_id("home-my-capacity").get_by_role("link", name="查看计算过程").click()
    expect(page.get_by_test_id("arithmetic")).to_contain_text("消费：1 笔 × 系数 0.5 × 调节 0.5")
    expect(page.get_by_test_id("breakdown")).to_contain_text("按下限")
    page.screenshot(path=str(SHOTS / "capacity-mine-phone.png"), full_page=True)
    phone.close()
    assert ExitDecision.objects.get().outcome == "kept"
