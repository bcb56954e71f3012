"""Rules of the field work: each refusal of a visit says in Chinese what is missing, the day is met
only with one visit of each kind, filing a plan again replaces it, pairings never overlap."""

from __future__ import annotations

import datetime as dt

import pytest

from org import clock
from org.errors import ApplicationError
from org.services import staff_transfer
from org.tests.factories import tree
from retail_credit.models import FieldVisit, Pairing, PlanProblem, WeeklyPlan
from retail_credit.selectors.field import person_days, week_summary
from retail_credit.services.field import field_visit_log, pairing_create, pairing_end, plan_problem_answer, weekly_plan_file

from .test_field_helpers import WEDNESDAY, all_three, make_world, mgm, visit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with clock.frozen(WEDNESDAY):
        yield make_world()


def refused(message: str, fn, **kwargs):
    with pytest.raises(ApplicationError) as exc:
        fn(**kwargs)
    assert message in exc.value.message, exc.value.message
    return exc.value


# --- three visits -------------------------------------------------------------------------------


def test_each_kind_of_visit_asks_for_what_it_needs(world):
    me = world["officer"]
    code = mgm(me)
    log = dict(staff=me, visited_on="2024-03-20", place="万科城")
    refused("走访楼盘请填写楼盘销售情况", field_visit_log, kind="property", **log)
    refused("走访中介请选择推广的本人二级码", field_visit_log, kind="agency", **log)
    refused("走访商户请填写推荐的产品", field_visit_log, kind="merchant", mgm_code=code.pk, **log)
    refused("走访商户请选择推广的本人二级码", field_visit_log, kind="merchant", product="按揭贷款", **log)
    refused("走访类型“shop”无效", field_visit_log, kind="shop", **log)
    assert FieldVisit.objects.count() == 0
    v = field_visit_log(kind="agency", mgm_code=str(code.pk), **log)
    assert v.mgm_code == code and v.institution == me.institution


def test_another_persons_or_a_revoked_mgm_code_is_refused(world):
    me, far = world["officer"], world["far"]
    theirs = mgm(far)
    old = mgm(me, "旧中介")
    old.revoked_at = clock.now()
    old.save()
    personal_like = "abc"
    for code_id in (theirs.pk, old.pk, 999999, personal_like):
        refused("不是您本人在用的二级码", field_visit_log, staff=me, kind="agency", visited_on="2024-03-20", place="中介", mgm_code=code_id)
    assert FieldVisit.objects.count() == 0


def test_dates_places_and_lengths_are_checked(world):
    me = world["officer"]
    good = dict(staff=me, kind="property", sales_status="开盘三成")
    refused("晚于今天", field_visit_log, visited_on="2024-03-21", place="楼盘", **good)
    refused("只能补登 31 天内的走访", field_visit_log, visited_on="2024-02-17", place="楼盘", **good)
    refused("走访日期“2024/03/20”无效", field_visit_log, visited_on="2024/03/20", place="楼盘", **good)
    refused("请填写走访对象", field_visit_log, visited_on="2024-03-20", place="   ", **good)
    refused("走访对象不能超过 100 个字", field_visit_log, visited_on="2024-03-20", place="楼" * 101, **good)
    refused("楼盘销售情况不能超过 300 个字", field_visit_log, staff=me, kind="property", visited_on="2024-03-20", place="楼盘", sales_status="售" * 301)
    refused("非法字符", field_visit_log, visited_on="2024-03-20", place="楼\x00盘", **good)
    oldest = field_visit_log(visited_on="２０２４-０２-１８", place="楼盘", **good)  # full-width digits, 31 days back
    assert oldest.visited_on == dt.date(2024, 2, 18)


def test_only_loan_officers_log_visits(world):
    refused("不是零售信贷客户经理", field_visit_log, staff=world["wealth"], kind="property", visited_on="2024-03-20", place="楼盘", sales_status="x")


def test_a_visit_belongs_to_the_institution_of_its_day(world):
    me = world["officer"]
    staff_transfer(staff=me, institution=tree()["OUT2"], effective=dt.date(2024, 3, 15))
    me.refresh_from_db()
    before = field_visit_log(staff=me, kind="property", visited_on="2024-03-10", place="楼盘", sales_status="在售")
    after = field_visit_log(staff=me, kind="property", visited_on="2024-03-18", place="楼盘", sales_status="在售")
    assert (before.institution.code, after.institution.code) == ("OUT1", "OUT2")


def test_a_day_is_met_only_with_one_visit_of_each_kind(world):
    from org.periods import Period

    me = world["officer"]
    code = mgm(me)
    all_three(me, "2024-03-18", code)
    visit(me, "property", "2024-03-19")
    visit(me, "property", "2024-03-19", place="另一个楼盘")
    visit(me, "agency", "2024-03-19", code=code)
    days = {d.date.day: d for d in person_days(staff=me, period=Period.parse("2024-W12"))}
    assert sorted(days) == [18, 19, 20]  # the days of the week so far
    assert days[18].met and not days[19].met and not days[20].met
    assert days[19].missing == "商户" and (days[19].property, days[19].agency) == (2, 1)
    week = week_summary(staff=me, period=Period.parse("2024-W12"))
    assert (week["counts"], week["days_met"], week["days"]) == ({"property": 3, "agency": 2, "merchant": 1}, 1, 3)


# --- weekly plans -------------------------------------------------------------------------------


def test_filing_again_replaces_the_plan_and_problems_and_keeps_answers_of_the_same_problem(world):
    me, head = world["officer"], world["head"]
    first = weekly_plan_file(staff=me, week_start=dt.date(2024, 3, 25), plan="周一走访万科城", problems=["缺少楼盘合作协议", "中介不配合", ""])
    assert [p.text for p in first.problems.all()] == ["缺少楼盘合作协议", "中介不配合"]
    plan_problem_answer(problem=first.problems.get(text="缺少楼盘合作协议"), answer="支行周二联系开发商", by=head)
    again = weekly_plan_file(staff=me, week_start="2024-03-25", plan="周一走访保利", problems=["缺少楼盘合作协议", "需要宣传折页"])
    assert again.pk == first.pk and WeeklyPlan.objects.count() == 1
    again.refresh_from_db()
    assert again.plan == "周一走访保利"
    assert sorted(PlanProblem.objects.values_list("text", "answer")) == [("缺少楼盘合作协议", "支行周二联系开发商"), ("需要宣传折页", "")]


def test_plan_rules(world):
    me = world["officer"]
    refused("不是周一", weekly_plan_file, staff=me, week_start="2024-03-26", plan="x")
    refused("只能填报本周", weekly_plan_file, staff=me, week_start="2024-03-11", plan="x")
    refused("只能填报本周", weekly_plan_file, staff=me, week_start="2024-04-01", plan="x")
    refused("请填写下周的走访计划", weekly_plan_file, staff=me, week_start="2024-03-25", plan=" ")
    refused("最多 10 个", weekly_plan_file, staff=me, week_start="2024-03-25", plan="计划", problems=[f"问题{i}" for i in range(11)])
    refused("第 2 个问题不能超过 500 个字", weekly_plan_file, staff=me, week_start="2024-03-25", plan="计划", problems=["a", "问" * 501])
    refused("走访计划不能超过 2000 个字", weekly_plan_file, staff=me, week_start="2024-03-25", plan="计" * 2001)
    refused("不是零售信贷客户经理", weekly_plan_file, staff=world["wealth"], week_start="2024-03-25", plan="计划")
    assert WeeklyPlan.objects.count() == 0


def test_a_failed_refiling_leaves_the_filed_plan_untouched(world):
    me = world["officer"]
    weekly_plan_file(staff=me, week_start="2024-03-25", plan="原计划", problems=["原问题"])
    refused("最多 10 个", weekly_plan_file, staff=me, week_start="2024-03-25", plan="新计划", problems=[f"问题{i}" for i in range(11)])
    plan = WeeklyPlan.objects.get()
    assert plan.plan == "原计划" and [p.text for p in plan.problems.all()] == ["原问题"]


def test_an_answer_is_required_and_records_who_and_when(world):
    me, head = world["officer"], world["head"]
    problem = weekly_plan_file(staff=me, week_start="2024-03-25", plan="计划", problems=["问题"]).problems.get()
    refused("请填写答复内容", plan_problem_answer, problem=problem, answer="  ", by=head)
    plan_problem_answer(problem=problem, answer="已协调", by=head)
    problem.refresh_from_db()
    assert (problem.answer, problem.answered_by, problem.answered_at) == ("已协调", head, clock.now())


# --- pairing ------------------------------------------------------------------------------------


def test_pairings_of_an_officer_never_overlap(world):
    me, vp, far_head = world["officer"], world["vp"], world["far_head"]
    pairing_create(manager=vp, officer=me, start="2024-03-01", end="2024-03-31", goal="月放款达到生命线")
    err = refused("结对期间不能重叠", pairing_create, manager=far_head, officer=me, start="2024-03-31")
    assert "2024-03-01 至 2024-03-31" in err.message and "赵行长" in err.message
    refused("结对期间不能重叠", pairing_create, manager=far_head, officer=me, start="2024-02-01", end="2024-03-01")
    refused("结对期间不能重叠", pairing_create, manager=far_head, officer=me, start="2024-02-01")
    later = pairing_create(manager=far_head, officer=me, start="2024-04-01")
    refused("2024-04-01 起", pairing_create, manager=vp, officer=me, start="2025-01-01")
    assert Pairing.objects.count() == 2 and later.end is None


def test_pairing_rules(world):
    me, vp = world["officer"], world["vp"]
    refused("早于开始日期", pairing_create, manager=vp, officer=me, start="2024-03-10", end="2024-03-09")
    refused("不是管理人员", pairing_create, manager=world["second"], officer=me, start="2024-03-10")
    refused("不能作为结对对象", pairing_create, manager=vp, officer=world["wealth"], start="2024-03-10")
    refused("帮扶目标不能超过 300 个字", pairing_create, manager=vp, officer=me, start="2024-03-10", goal="目" * 301)
    refused("请填写开始日期", pairing_create, manager=vp, officer=me, start="")
    assert Pairing.objects.count() == 0


def test_a_manager_ends_a_pairing(world):
    me, vp = world["officer"], world["vp"]
    pairing = pairing_create(manager=vp, officer=me, start="2024-03-01")
    refused("早于结对开始日期", pairing_end, pairing=pairing, end="2024-02-28")
    assert pairing_end(pairing=pairing).end == dt.date(2024, 3, 20)
    with clock.frozen(clock.now() + dt.timedelta(days=2)):
        refused("该结对已于 2024-03-20 结束", pairing_end, pairing=pairing)


def test_no_visit_on_a_day_the_officer_had_left(world):
    me = world["officer"]
    me.active_to = dt.date(2024, 3, 15)
    me.save()
    refused("在 2024-03-18 不在职", field_visit_log, staff=me, kind="property", visited_on="2024-03-18", place="楼盘", sales_status="在售")
    assert field_visit_log(staff=me, kind="property", visited_on="2024-03-15", place="楼盘", sales_status="在售").visited_on == dt.date(2024, 3, 15)
