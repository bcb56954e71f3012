"""In chromium: a branch manager issues a supervision task on a laptop and an outlet head closes it
from her phone with a photo (a wrong file refused first); head office publishes a training PDF with
an exam, and a lobby manager on a phone reads it to the end, marks it learnt, fails and then passes
the exam."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import expect  # noqa: E402

from org.models import join_positions  # noqa: E402
from org.tests.factories import StaffFactory, tree, user_for  # noqa: E402
from targets.models import ChecklistItem, ExamAttempt, MaterialRead  # noqa: E402

SHOTS = Path(os.environ.get("DOCS_SCREENSHOTS", Path(__file__).resolve().parents[2] / "docs" / "screenshots"))
PASSWORD = "Train-pass-2024"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bank():
    t = tree()
    user_for(StaffFactory(employee_no="HQ80", name="总行培训岗", institution=t["HO"], positions=join_positions(["head_office"])), scope=t["HO"],
             password=PASSWORD)
    user_for(StaffFactory(employee_no="BM80", name="分行督导", institution=t["BR1"], positions=join_positions(["branch_manager"])), scope=t["BR1"],
             password=PASSWORD)
    user_for(StaffFactory(employee_no="OH81", name="网点主任", institution=t["OUT1"], positions=join_positions(["outlet_head"])), scope=t["OUT1"],
             password=PASSWORD)
    user_for(StaffFactory(employee_no="L81", name="大堂小李", institution=t["OUT1"], positions=join_positions(["lobby_manager"])), password=PASSWORD)
    return t


def sign_in(page, base, username):
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_have_text("工作台")


def laptop(browser):
    page = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    return page


def phone(browser):
    page = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    page.set_default_timeout(20_000)
    return page


def test_a_task_issued_on_a_laptop_is_closed_with_a_photo_from_a_phone(browser, live_server, bank, tmp_path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = laptop(browser)
    sign_in(page, live_server.url, "BM80")
    page.get_by_role("link", name="督导清单").first.click()
    form = page.get_by_test_id("issue-form")
    form.get_by_role("button", name="下发").click()
    expect(form.locator(".errorlist")).to_contain_text("请填写任务内容")
    form.locator("input[name=title]").fill("厅堂营销物料摆放检查")
    form.locator("select[name=evidence]").select_option(label="照片")
    form.get_by_label("人民广场网点", exact=False).first.check()
    form.get_by_role("button", name="下发").click()
    expect(page.locator(".messages")).to_contain_text("已向 1 个机构下发督导任务「厅堂营销物料摆放检查」")
    item = ChecklistItem.objects.get()
    assert item.institution == bank["OUT1"]

    mobile = phone(browser)
    sign_in(mobile, live_server.url, "OH81")
    mobile.goto(live_server.url + "/targets/checklists/")
    mobile.get_by_test_id("mine").get_by_role("link", name="厅堂营销物料摆放检查").click()
    form = mobile.get_by_test_id("complete-form")
    (tmp_path / "setup.exe").write_bytes(b"MZ" + b"\x00" * 40)
    form.locator("input[type=file]").set_input_files(str(tmp_path / "setup.exe"))
    form.get_by_role("button", name="办结").click()
    expect(mobile.locator(".errorlist")).to_contain_text("类型“.exe”不支持")
    assert ChecklistItem.objects.get().status == "open"
    (tmp_path / "厅堂.png").write_bytes(PNG)
    mobile.get_by_test_id("complete-form").locator("input[type=file]").set_input_files(str(tmp_path / "厅堂.png"))
    mobile.get_by_test_id("complete-form").locator("textarea[name=text]").fill("折页架已补齐")
    mobile.screenshot(path=str(SHOTS / "checklist-complete-phone.png"), full_page=True)
    mobile.get_by_test_id("complete-form").get_by_role("button", name="办结").click()
    expect(mobile.locator(".messages")).to_contain_text("已办结")
    expect(mobile.get_by_test_id("item-status")).to_contain_text("厅堂.png")
    item.refresh_from_db()
    assert (item.status, item.evidence_name, item.evidence_text) == ("done", "厅堂.png", "折页架已补齐")

    page.goto(live_server.url + f"/targets/checklists/{item.task_id}/")
    expect(page.locator("main")).to_contain_text("已完成 1/1")
    page.screenshot(path=str(SHOTS / "checklist-issuer.png"), full_page=True)
    page.context.close()
    mobile.context.close()


def test_a_lobby_manager_reads_to_the_end_and_passes_the_exam_on_a_phone(browser, live_server, bank, tmp_path):
    page = laptop(browser)
    sign_in(page, live_server.url, "HQ80")
    page.get_by_role("link", name="营销工具与培训").first.click()
    form = page.get_by_test_id("material-form")
    form.locator("input[name=code]").fill("CL-01")
    form.locator("input[name=title]").fill("消费贷产品培训")
    form.locator("select[name=kind]").select_option(value="pdf")
    (tmp_path / "消费贷.pdf").write_bytes(b"%PDF-1.4 consumer loans")
    form.locator("input[type=file]").set_input_files(str(tmp_path / "消费贷.pdf"))
    form.locator("textarea[name=questions]").fill("消费贷最长期限？ | 1 年; 3 年; 5 年 | B\n哪些客户可推荐？ | 按揭客户; 代发客户; 无收入人员 | AB")
    form.get_by_label("大堂经理").check()
    form.get_by_role("button", name="发布").click()
    expect(page.locator(".messages")).to_contain_text("已发布培训资料「消费贷产品培训」v1（2 道测试题）")

    mobile = phone(browser)
    sign_in(mobile, live_server.url, "L81")
    mobile.goto(live_server.url + "/targets/training/")
    mobile.get_by_test_id("materials").get_by_role("link", name="消费贷产品培训").click()
    learnt = mobile.get_by_role("button", name="我已学完")
    learnt.scroll_into_view_if_needed()
    mobile.get_by_test_id("viewer").scroll_into_view_if_needed()
    expect(learnt).to_be_enabled()
    learnt.click()
    expect(mobile.locator(".messages")).to_contain_text("已记录学完")
    assert MaterialRead.objects.filter(staff__employee_no="L81").exists()

    exam = mobile.get_by_test_id("exam")
    exam.get_by_label("1 年").check()
    exam.get_by_label("按揭客户").check()
    exam.get_by_role("button", name="交卷").click()
    expect(mobile.get_by_test_id("result")).to_contain_text("未通过：0 分")
    exam = mobile.get_by_test_id("exam")
    exam.get_by_label("3 年").check()
    exam.get_by_label("按揭客户").check()
    exam.get_by_label("代发客户").check()
    exam.get_by_role("button", name="交卷").click()
    expect(mobile.get_by_test_id("result")).to_contain_text("通关：100 分")
    mobile.screenshot(path=str(SHOTS / "training-exam-phone.png"), full_page=True)
    assert sorted(ExamAttempt.objects.values_list("score", flat=True)) == [0, 100]
    page.context.close()
    mobile.context.close()
