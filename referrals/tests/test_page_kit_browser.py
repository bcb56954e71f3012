"""The page kit in chromium, as its users use it: head office drills down to a person and revokes a
code through the confirmation dialog; a branch manager sorts, pages and exports the 约谈名单 and opens
a chart's data table; an outlet head and a wealth manager see their homes, the latter on a phone.
Screenshots of each role's home and of the person page go to docs/screenshots/ (shown in the README).

The clock is frozen on Friday 8 November 2024 (2024-W45, the known week of reporting_data), for the
live server's thread too, so the home tiles show the week's figures against 100 % … 80 % time progress.
"""

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from openpyxl import load_workbook  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from org import clock  # noqa: E402
from org.tests.factories import StaffFactory, user_for  # noqa: E402
from referrals.models import Application, ReferralCode, ReferralProduct  # noqa: E402

from .reporting_data import known_week  # noqa: E402

SHOTS = Path(os.environ.get("DOCS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"))
PASSWORD = "Kit-pass-2024"
FRIDAY = dt.datetime(2024, 11, 8, 15, tzinfo=clock.SHANGHAI)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bank():
    # A transactional test flushes the rows the migrations seeded: the product names come back here.
    ReferralProduct.objects.get_or_create(code="credit_card", defaults={"name": "信用卡"})
    data = known_week()
    t = data["tree"]
    Application.objects.filter(staff=data["A"]).update(customer_name="王小明")
    for i in range(70):  # with F, G and the two managers: 74 people with no application, two pages of the 约谈名单
        StaffFactory(employee_no=f"Z{i:03d}", name=f"员工{i:03d}", institution=t["OUT3"])
    users = {
        "ho": (StaffFactory(employee_no="HQ001", name="总行管理员", institution=t["HO"]), t["HO"]),
        "bm": (StaffFactory(employee_no="BM001", name="分行行长", institution=t["BR1"]), t["BR1"]),
        "oh": (StaffFactory(employee_no="OH001", name="网点负责人", institution=t["OUT1"]), t["OUT1"]),
    }
    for staff, scope in users.values():
        user_for(staff, scope=scope, password=PASSWORD)
    user_for(data["A"], password=PASSWORD)  # 张三, a wealth manager at OUT1 with no scope
    with clock.frozen(FRIDAY):
        yield data


def context(browser, *, phone=False):
    if phone:
        ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 390, "height": 844},
                                  device_scale_factor=2, is_mobile=True, has_touch=True, accept_downloads=True)
    else:
        ctx = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    page.csp_errors = []
    page.on("console", lambda m: page.csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    return ctx, page


def sign_in(page, base: str, username: str):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_have_text("工作台")
    page.wait_for_selector("html[data-kit=ready]", state="attached")


def shot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def test_head_office_drills_down_to_a_person_and_revokes_a_code_after_confirming(browser, live_server, bank):
    ctx, page = context(browser)
    sign_in(page, live_server.url, "HQ001")
    home = page.get_by_test_id("home-referrals")
    expect(home.get_by_test_id("kpi-week-submitted")).to_contain_text("序时进度 100.0%")
    expect(page.locator("[data-chart-ready]").first).to_be_visible()  # ECharts drew the trend
    shot(page, "home-head-office.png")

    page.goto(live_server.url + "/referrals/dashboard/?period=2024-W45")
    page.get_by_test_id("table-institutions").get_by_role("link", name="长春分行").click()
    page.get_by_test_id("table-institutions").get_by_role("link", name="南关支行").click()
    expect(page.get_by_test_id("table-people")).to_contain_text("张三")
    page.get_by_test_id("table-people").get_by_role("link", name="张三").click()
    expect(page).to_have_url(re.compile(r"/org/staff/A001/"))
    expect(page.get_by_test_id("person-referrals")).to_contain_text("归属本人的进件")
    expect(page.locator("table").filter(has_text="进件编号").first).to_contain_text("王**")
    expect(page.get_by_text("王小明")).to_have_count(0)
    shot(page, "person-page.png")

    # Revoke: the dialog says what will happen; cancelling changes nothing, confirming revokes.
    page.get_by_test_id("revoke-code").click()
    dialog = page.get_by_test_id("confirm-dialog")
    expect(dialog).to_contain_text("已印制的海报无法再使用")
    dialog.get_by_role("button", name="取消").click()
    assert ReferralCode.objects.filter(staff=bank["A"], revoked_at__isnull=True).exists()
    page.get_by_test_id("revoke-code").click()
    dialog.get_by_role("button", name="作废").click()
    expect(page.locator(".messages")).to_contain_text("已作废 张三（A001）的推荐码")
    expect(page).to_have_url(re.compile(r"/org/staff/A001/"))
    assert not ReferralCode.objects.filter(staff=bank["A"], revoked_at__isnull=True).exists()
    assert page.csp_errors == []
    ctx.close()


def test_branch_manager_sorts_pages_and_exports_the_behind_list_and_reads_a_chart_table(browser, live_server, bank):
    ctx, page = context(browser)
    sign_in(page, live_server.url, "BM001")
    shot(page, "home-branch.png")
    page.goto(live_server.url + "/referrals/dashboard/behind/?period=2024-W45")
    people = page.get_by_test_id("table-behind_people")
    expect(people).to_contain_text("共 74 条")
    expect(people.locator("tbody tr")).to_have_count(50)
    people.get_by_role("link", name=re.compile("员工号")).click()  # ascending
    people.get_by_role("link", name=re.compile("员工号")).click()  # descending
    expect(people.locator("tbody tr").first).to_contain_text("Z069")
    people.get_by_role("link", name="2", exact=True).click()
    expect(people.locator("tbody tr")).to_have_count(24)
    expect(people).to_contain_text("第 2 / 2 页")
    with page.expect_download() as download:
        people.get_by_test_id("export-behind_people").click()
    rows = list(load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active.iter_rows(values_only=True))
    assert rows[0] == ("员工号", "姓名", "机构", "岗位") and len(rows) == 75 and rows[1][0] == "Z069"

    page.goto(live_server.url + "/referrals/dashboard/?period=2024-W45")
    chart = page.get_by_test_id("chart-trend")
    expect(chart.locator("[data-chart-ready] canvas")).to_be_visible()
    chart.get_by_text("查看数据表").click()
    expect(chart.locator("details table")).to_contain_text("2024-W45")
    assert page.csp_errors == []
    ctx.close()


def test_outlet_head_home_and_circulars(browser, live_server, bank):
    ctx, page = context(browser)
    sign_in(page, live_server.url, "OH001")
    expect(page.get_by_test_id("home-referrals")).to_be_visible()
    expect(page.locator("nav.breadcrumbs")).to_have_text(re.compile(r"^\s*人民广场网点\s*$"))
    shot(page, "home-outlet.png")
    page.goto(live_server.url + "/reporting/circulars/")
    expect(page.get_by_test_id("my-circulars")).to_contain_text("人民广场网点的通报")
    ctx.close()


def test_a_wealth_manager_on_a_phone(browser, live_server, bank):
    ctx, page = context(browser, phone=True)
    sign_in(page, live_server.url, "A001")
    section = page.get_by_test_id("home-my-referrals")
    expect(section.get_by_test_id("my-code")).to_be_visible()
    expect(section).to_contain_text("王**")
    expect(section).to_contain_text("信用卡")
    # The menu is folded away on a phone and opens from its button.
    expect(page.locator("#main-menu")).to_be_hidden()
    page.get_by_test_id("menu-toggle").click()
    expect(page.locator("#main-menu")).to_be_visible()
    page.get_by_test_id("menu-toggle").click()
    # Wide tables scroll inside their card; the page itself does not scroll sideways.
    wrap = section.locator(".table-wrap").first
    assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    shot(page, "home-staff-phone.png")
    assert page.csp_errors == []
    ctx.close()


def test_after_a_failed_form_the_first_error_is_in_view(browser, live_server, bank):
    from referrals.tests.reporting_data import campaign_targets_of

    ctx, page = context(browser, phone=True)
    sign_in(page, live_server.url, "BM001")
    campaign = bank["campaign"]
    page.goto(f"{live_server.url}/referrals/campaigns/{campaign.pk}/?inst=SB2&week=2024-W45")
    field = page.locator(f"input[name=applications_{bank['tree']['OUT3'].pk}]")
    field.fill("-3")
    page.get_by_role("button", name="保存本周目标").click()
    error = page.locator("form .errorlist").first
    expect(error).to_contain_text("红旗街网点：进件目标不能为负数")
    expect(error).to_be_in_viewport()
    expect(page.locator(f"input[name=applications_{bank['tree']['OUT3'].pk}]")).to_be_focused()
    assert campaign_targets_of(bank["campaign"])["OUT3"].applications == 5  # nothing half-saved
    ctx.close()
