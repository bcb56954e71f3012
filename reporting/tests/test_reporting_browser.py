"""In chromium: a branch manager opens the league table on a laptop, drills down branch → sub-branch
→ outlet → person and downloads the circular; an outlet head reads the daily report; a wealth
manager on a phone opens the explanation of a figure of hers."""

import datetime as dt
import io
import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import openpyxl  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from org import clock  # noqa: E402
from org.models import Customer  # noqa: E402
from org.testing.browser import restore_migrated_defaults  # noqa: E402
from org.testing.browser import sign_in as browser_sign_in  # noqa: E402
from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402
from retail_credit.tests.helpers import loan, officer  # noqa: E402
from wealth.models import Call  # noqa: E402

SHOTS = Path(os.environ.get("DOCS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"))
PASSWORD = "Reporting-pass-2024"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bank():
    restore_migrated_defaults()  # an earlier transactional test flushed wealth's migrated rule
    t = tree()
    user_for(StaffFactory(employee_no="BM70", name="分行行长", institution=t["BR1"], positions=";branch_manager;"), scope=t["BR1"], password=PASSWORD)
    user_for(StaffFactory(employee_no="OH70", name="网点主任", institution=t["OUT1"], positions=";outlet_head;"), scope=t["OUT1"], password=PASSWORD)
    last_week = clock.today() - dt.timedelta(days=7)
    a = officer(t["OUT1"], employee_no="LO71", name="王强", since=dt.date(2020, 1, 1))
    b = officer(t["OUT3"], employee_no="LO72", name="李明", since=dt.date(2020, 1, 1))
    loan(a, "mortgage", 800_000, last_week)
    loan(b, "mortgage", 500_000, last_week)
    wm = StaffFactory(employee_no="WM73", name="赵敏", institution=t["OUT1"])
    user_for(wm, password=PASSWORD)
    c = Customer.objects.create(customer_no="C7301", name="王小明", mobile="13800007301", manager=wm)
    now = clock.now()
    Call.objects.create(call_id="R1", staff=wm, institution=t["OUT1"], customer=c, started_at=now, local_date=clock.local(now).date(), duration_s=59,
                        connected=True, channel="landline", phone_masked="138****7301")
    return t


def sign_in(page, base, username):
    browser_sign_in(page, base, username, PASSWORD)


def test_league_drill_down_circular_download_daily_report_and_an_explanation(browser, live_server, bank):
    SHOTS.mkdir(parents=True, exist_ok=True)
    week = (clock.today() - dt.timedelta(days=7)).isocalendar()
    period = f"{week.year}-W{week.week:02d}"
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "BM70")
    page.get_by_role("link", name="排行榜").first.click()
    page.goto(live_server.url + f"/reporting/league/?metric=retail_credit.amount&level=sub_branch&period={period}")
    league = page.get_by_test_id("league")
    expect(league).to_contain_text("南关支行")
    expect(page.locator(".page-head")).to_contain_text("按放款金额（万元）从高到低排名")
    page.screenshot(path=str(SHOTS / "league-laptop.png"), full_page=True)
    league.get_by_role("link", name="SB1").click()
    page.get_by_test_id("league").get_by_role("link", name="OUT1").click()
    expect(page.get_by_test_id("league")).to_contain_text("王强")
    page.get_by_test_id("league").get_by_role("link", name="LO71").click()
    expect(page.locator("h1")).to_contain_text("王强")
    page.get_by_role("link", name="通报下载").first.click()
    with page.expect_download() as download:
        page.get_by_test_id("my-circulars").get_by_role("link", name=f"下载 {period}").click()
    wb = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert {"转介", "2053", "产能", "机构排名", "说明"} <= set(wb.sheetnames)
    ctx.close()

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 768})
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "OH70")
    page.get_by_role("link", name="日报").first.click()
    expect(page.get_by_test_id("daily-昨日数据")).to_contain_text("放款金额")
    expect(page.get_by_test_id("daily-今日目标")).to_contain_text("WM73")
    page.screenshot(path=str(SHOTS / "daily-report-tablet.png"), full_page=True)
    menu = page.locator("#main-menu").bounding_box()  # on a tablet the menu runs across the width, not down a column
    assert menu["width"] > 900 and menu["height"] < 200 and page.locator("h1").bounding_box()["y"] < 400, menu
    ctx.close()

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    page.set_default_timeout(20_000)
    sign_in(page, live_server.url, "WM73")
    page.get_by_test_id("home-my-2053").get_by_role("link", name="查看明细与原因").click()
    expect(page.get_by_test_id("calls")).to_contain_text("通话时长不足（59 秒 < 60 秒）")
    phone.close()
