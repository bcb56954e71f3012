"""In a real browser on a tablet viewport: a branch leader scores an outlet item by item, a score
above an item's maximum is refused with nothing stored, then the corrected inspection is saved."""

import os
import re

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402
from outlets.models import Inspection, InspectionSheet  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(browser):
    # An iPad-sized screen held upright, touch enabled.
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport={"width": 820, "height": 1180}, has_touch=True, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_leader_records_an_inspection_item_by_item_on_a_tablet(page, live_server):
    # Transactional tests flush the tables: put the default score sheet (a data migration) back.
    if not InspectionSheet.objects.exists():
        import importlib

        from django.apps import apps

        importlib.import_module("outlets.migrations.0004_default_rules").forwards(apps, None)
    leader = StaffFactory(employee_no="BM500", name="王强", institution=tree()["BR1"], positions=";branch_manager;")
    user_for(leader, scope=tree()["BR1"], password="Leader-pass-2024")
    sheet = InspectionSheet.objects.get()
    items = list(sheet.items.all())

    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "BM500")
    page.fill("#id_password", "Leader-pass-2024")
    page.click("form.stack button[type=submit]")
    page.goto(live_server.url + "/outlets/inspections/new/?inst=OUT1")
    expect(page.locator("h1")).to_have_text(re.compile("人民广场网点 服务检查"))
    for item in items:
        page.get_by_test_id(f"item-{item.order}").fill(str(int(item.max_points)))
    page.get_by_test_id("item-1").fill("99")
    page.click("form[data-testid=inspection-form] button[type=submit]")
    expect(page.get_by_test_id("inspection-error")).to_contain_text("不能超过满分")
    assert not Inspection.objects.exists()
    # The form fits the tablet's width: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    # What was typed is still there; only the wrong score needs correcting.
    expect(page.get_by_test_id("item-2")).to_have_value(str(int(items[1].max_points)))
    page.get_by_test_id("item-1").fill("８")
    page.click("form[data-testid=inspection-form] button[type=submit]")
    expect(page).to_have_url(re.compile(r"/outlets/inspections/\?inst=OUT1"))
    expect(page.locator("ul.messages")).to_contain_text("已记录 人民广场网点 的服务检查")
    done = Inspection.objects.get()
    assert done.total == sum(i.max_points for i in items) - items[0].max_points + 8
