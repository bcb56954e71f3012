"""Manager and staff pages of the field work: the three visits of a scope with the figures per
officer and a person's drill-down, plans filed or not with answers, pairings created and ended,
the officer's own page; another branch's problem, pairing or person answers 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from org import clock
from org.tests.factories import StaffFactory
from retail_credit.models import FieldVisit, Pairing, PlanProblem, WeeklyPlan
from retail_credit.services.field import pairing_create, weekly_plan_file

from .test_field_helpers import LOAN_OFFICER, WEDNESDAY, all_three, application, at, make_world, mgm, scan, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with clock.frozen(WEDNESDAY):
        w = make_world()
        w["client"] = Client()
        w["client"].force_login(w["head"])
        yield w


def row_of(page: str, table: str, text: str) -> list[str]:
    """The cells of the row of `table` that contains `text`, tags stripped."""
    section = page.split(f'data-testid="table-{table}"')[1].split("</section>")[0]
    for row in section.split("<tr")[1:]:
        if text in row:
            return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row with {text} in {table}")


def test_visits_page_shows_each_officers_counts_days_met_and_leads(world):
    me, second, far = world["officer"], world["second"], world["far"]
    code = mgm(me)
    all_three(me, "2024-03-18", code)
    all_three(me, "2024-03-19", code)
    visit(me, "property", "2024-03-20")
    visit(second, "agency", "2024-03-20", code=mgm(second))
    visit(far, "property", "2024-03-20")
    scan(code, at("2024-03-19"))
    application(code, at("2024-03-19"))
    application(code, at("2024-03-20"))
    page = world["client"].get("/capacity/field-visits/?week=2024-W12").content.decode()
    # 员工号, 姓名, 机构, 楼盘, 中介, 商户, 合计, 达标天数, 应走访天数, 扫码, 进件
    assert row_of(page, "officers", "L001") == ["L001", "李信贷", "人民广场网点", "3", "2", "2", "7", "2", "3", "1", "2"]
    assert row_of(page, "officers", "L002")[3:9] == ["0", "1", "0", "1", "0", "3"]
    assert "L009" not in page  # another branch
    assert "客户经理 2 人" in page and "二级码进件 2 笔" in page
    day = world["client"].get("/capacity/field-visits/?date=2024-03-20").content.decode()
    assert row_of(day, "officers", "L001")[3:9] == ["1", "0", "0", "1", "0", "1"]


def test_drill_to_a_person_and_out_of_scope_404s(world):
    me, far = world["officer"], world["far"]
    code = mgm(me, "我爱我家")
    all_three(me, "2024-03-18", code)
    visit(me, "property", "2024-03-19")
    application(code, at("2024-03-19"))
    pairing_create(manager=world["vp"], officer=me, start="2024-03-01", goal="三月达标")
    client = world["client"]
    page = client.get("/capacity/field-visits/?week=2024-W12&staff=L001").content.decode()
    assert "达标 1/3 天" in page and "进件 1 笔" in page and "结对帮扶人：赵行长" in page
    assert row_of(page, "days", "2024-03-19")[1:6] == ["1", "0", "0", "未达标", "中介、商户"]
    assert row_of(page, "codes", "我爱我家") == ["我爱我家", "2", "0", "1"]
    assert client.get(f"/capacity/field-visits/?staff={far.employee_no}").status_code == 404
    assert client.get("/capacity/field-visits/?staff=NOBODY").status_code == 404
    assert client.get("/capacity/field-visits/?inst=OUT4").status_code == 404
    assert client.get("/capacity/field-visits/?week=garbage").status_code == 200
    officer = Client()
    officer.force_login(me.user)
    assert officer.get("/capacity/field-visits/").status_code == 404  # managers only


def test_plans_page_lists_who_has_not_filed_and_answers_problems(world):
    me, far = world["officer"], world["far"]
    weekly_plan_file(staff=me, week_start="2024-03-25", plan="走访万科城", problems=["缺楼盘准入名单"])
    weekly_plan_file(staff=far, week_start="2024-03-25", plan="x", problems=["远方的问题"])
    client = world["client"]
    page = client.get("/capacity/plans/").content.decode()
    assert "2024-W13" in page and "已填报 1/2 人" in page
    assert "未填报：王信贷（L002" in page and "远信贷" not in page and "远方的问题" not in page
    assert row_of(page, "people", "L001")[3] == "已填报" and row_of(page, "people", "L002")[3] == "未填报"
    problem = PlanProblem.objects.get(text="缺楼盘准入名单")
    r = client.post(f"/capacity/plans/problems/{problem.pk}/answer/", {"answer": "周二支行统一协调", "week": "2024-W13"})
    assert r.status_code == 302 and "week=2024-W13" in r["Location"]
    problem.refresh_from_db()
    assert problem.answer == "周二支行统一协调" and problem.answered_by == world["head"]
    empty = client.post(f"/capacity/plans/problems/{problem.pk}/answer/", {"answer": ""}, follow=True).content.decode()
    assert "请填写答复内容" in empty
    assert row_of(client.get("/capacity/plans/?week=2024-W13").content.decode(), "people", "L001")[-1] == "0"
    far_problem = PlanProblem.objects.get(text="远方的问题")
    assert client.post(f"/capacity/plans/problems/{far_problem.pk}/answer/", {"answer": "越权"}).status_code == 404
    assert client.post("/capacity/plans/problems/999999/answer/", {"answer": "x"}).status_code == 404
    far_problem.refresh_from_db()
    assert far_problem.answer == ""


def test_pairings_created_listed_and_ended_in_scope(world):
    far = world["far"]
    client = world["client"]
    r = client.post("/capacity/pairings/", {"manager": "M001", "officer": "L001", "start": "2024-03-01", "goal": "月放款过生命线"})
    assert r.status_code == 302
    again = client.post("/capacity/pairings/", {"manager": "M001", "officer": "L001", "start": "2024-03-15"})
    assert again.status_code == 400 and "结对期间不能重叠" in again.content.decode()
    assert client.post("/capacity/pairings/", {"manager": "M001", "officer": far.employee_no, "start": "2024-03-01"}).status_code == 404
    page = client.get("/capacity/pairings/").content.decode()
    assert row_of(page, "pairings", "L001")[:8] == ["李信贷", "L001", "人民广场网点", "赵行长", "2024-03-01", "—", "月放款过生命线", "进行中"]
    pairing = Pairing.objects.get()
    assert client.post(f"/capacity/pairings/{pairing.pk}/end/", {"end": "2024-03-20"}).status_code == 302
    pairing.refresh_from_db()
    assert str(pairing.end) == "2024-03-20"
    far_pairing = pairing_create(manager=world["far_head"], officer=far, start="2024-03-01")
    assert client.post(f"/capacity/pairings/{far_pairing.pk}/end/", {"end": "2024-03-20"}).status_code == 404
    far_pairing.refresh_from_db()
    assert far_pairing.end is None
    with clock.frozen(at("2024-03-22")):
        client.force_login(world["head"])  # two days later: a new session
        assert row_of(client.get("/capacity/pairings/").content.decode(), "pairings", "L001")[7] == "已结束"


def test_my_page_logs_a_visit_and_files_the_plan(world):
    me = world["officer"]
    code = mgm(me, "德佑地产")
    client = Client()
    client.force_login(me.user)
    page = client.get("/capacity/my-field/").content.decode()
    assert "德佑地产" in page and "2024-W13" in page
    bad = client.post("/capacity/my-field/", {"action": "visit", "kind": "agency", "place": "德佑"})
    assert bad.status_code == 400 and "走访中介请选择推广的本人二级码" in bad.content.decode()
    ok = client.post("/capacity/my-field/", {"action": "visit", "kind": "agency", "place": "德佑", "mgm_code": str(code.pk), "visited_on": "2024-03-20"})
    assert ok.status_code == 302 and FieldVisit.objects.get().mgm_code == code
    r = client.post("/capacity/my-field/", {"action": "plan", "plan_week": "2024-W13", "plan": "周一德佑", "problems": "要折页\n\n要名单\n"})
    assert r.status_code == 302
    assert sorted(WeeklyPlan.objects.get().problems.values_list("text", flat=True)) == ["要名单", "要折页"]
    after = client.get("/capacity/my-field/?plan_week=2024-W13").content.decode()
    assert "已于 2024-03-20 17:00 填报" in after and "达标 0/3 天" in after
    wealth = Client()
    wealth.force_login(world["wealth"].user)
    assert "由零售信贷客户经理填报" in wealth.get("/capacity/my-field/").content.decode()


def test_person_section_and_home_section(world):
    me = world["officer"]
    all_three(me, "2024-03-20", mgm(me))
    pairing_create(manager=world["vp"], officer=me, start="2024-03-01", goal="三月达标")
    person = world["client"].get(f"/org/staff/{me.employee_no}/").content.decode()
    assert "本周走访楼盘 1、中介 1、商户 1，达标 1/3 天" in person and "结对帮扶人：赵行长（2024-03-01 起）" in person
    home = Client()
    home.force_login(me.user)
    assert "今日走访楼盘 1、中介 1、商户 1" in home.get("/").content.decode()
    assert "2024-W13 计划尚未填报" in home.get("/").content.decode()


def test_visits_page_queries_do_not_grow_with_people(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, t = world["client"], world["tree"]

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/capacity/field-visits/?week=2024-W12").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for i in range(6):
        s = StaffFactory(employee_no=f"L1{i:02d}", institution=t["OUT2"], positions=LOAN_OFFICER)
        code = mgm(s)
        all_three(s, "2024-03-19", code)
        scan(code, at("2024-03-19"))
    assert count() <= few + 1
