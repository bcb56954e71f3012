"""Mini-program endpoints of the field work: logging visits and reading my day or week with the
daily rule and MGM leads; my weekly plan filed and filed again; bad input answered 400 in Chinese."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from org import clock
from retail_credit.models import FieldVisit, WeeklyPlan
from retail_credit.services.field import plan_problem_answer

from .test_field_helpers import WEDNESDAY, all_three, application, at, make_world, mgm, scan, visit

pytestmark = pytest.mark.django_db
URL = "/api/v1/me/field-visits"
PLAN = "/api/v1/me/weekly-plan"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def world():
    with clock.frozen(WEDNESDAY):
        w = make_world()
        w["api"] = APIClient()
        w["api"].force_authenticate(w["officer"].user)
        yield w


def test_log_three_visits_and_the_day_is_met(world):
    api, me = world["api"], world["officer"]
    code = mgm(me)
    r = api.post(URL, {"kind": "property", "place": "万科城", "sales_status": "一期售罄"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["day"]["met"] is False and r.json()["day"]["missing"] == "中介、商户"
    api.post(URL, {"kind": "agency", "place": "链家", "mgm_code": code.pk}, format="json")
    r = api.post(URL, {"kind": "merchant", "place": "家具城", "product": "按揭贷款", "mgm_code": str(code.pk)}, format="json")
    assert r.status_code == 201 and r.json()["day"]["met"] is True
    assert r.json()["visit"]["mgm_code"]["name"] == "链家中介门店"
    day = api.get(URL).json()
    assert (day["period"], day["days_met"], day["totals"]["total"]) == ("2024-03-20", 1, 3)
    assert [c["id"] for c in day["mgm_codes"]] == [code.pk]


def test_my_week_counts_days_and_leads_through_promoted_codes(world):
    api, me = world["api"], world["officer"]
    promoted, idle = mgm(me, "链家"), mgm(me, "没推广的商户")
    all_three(me, "2024-03-18", promoted)
    visit(me, "property", "2024-03-19")
    scan(promoted, at("2024-03-19"))
    scan(promoted, at("2024-03-20"))
    scan(promoted, at("2024-03-10"))  # before the week
    scan(idle, at("2024-03-19"))  # a code not promoted in a visit
    application(promoted, at("2024-03-19"))
    application(promoted, at("2024-03-19"), flag_status="pending")  # flagged: not counted until cleared
    week = api.get(URL + "?week=2024-W12").json()
    assert (week["start"], week["end"], week["days_met"], week["days_counted"]) == ("2024-03-18", "2024-03-24", 1, 3)
    assert [(d["date"], d["met"]) for d in week["days"]] == [("2024-03-18", True), ("2024-03-19", False), ("2024-03-20", False)]
    assert (week["leads"]["scans"], week["leads"]["applications"]) == (2, 1)
    assert [(c["name"], c["visits"]) for c in week["leads"]["codes"]] == [("链家", 2)]
    assert week["totals"] == {"property": 2, "agency": 1, "merchant": 1, "total": 4}


def test_only_my_own_visits_are_listed(world):
    api, far = world["api"], world["far"]
    visit(far, "property", "2024-03-20")
    assert api.get(URL).json()["visits"] == []


@pytest.mark.parametrize("body, message", [
    ({"kind": "agency", "place": "链家", "mgm_code": "FAR"}, "不是您本人在用的二级码"),
    ({"kind": "property", "place": "楼盘"}, "请填写楼盘销售情况"),
    ({"kind": "property", "place": "楼" * 5000, "sales_status": "x"}, "不能超过 100 个字"),
    ({"kind": "property", "place": "楼\x00盘", "sales_status": "x"}, ""),
    ({"kind": "property", "place": "楼盘", "sales_status": "x", "visited_on": "2024-03-21"}, "晚于今天"),
    ({"kind": "property", "place": "楼盘", "sales_status": "x", "visited_on": "20240320"}, "格式应为 YYYY-MM-DD"),
    ({"kind": "yacht", "place": "楼盘"}, ""),
    ({"place": "楼盘"}, ""),
    (["not", "an", "object"], ""),
])
def test_bad_visits_are_refused_in_chinese_and_write_nothing(world, body, message):
    api = world["api"]
    if isinstance(body, dict) and body.get("mgm_code") == "FAR":
        body["mgm_code"] = mgm(world["far"]).pk
    r = api.post(URL, body, format="json")
    assert r.status_code == 400, r.content
    got = r.json()["error"]["message"]
    assert CHINESE.search(got) and message in got, got
    assert FieldVisit.objects.count() == 0


def test_malformed_json_and_bad_periods_answer_400(world):
    api = world["api"]
    assert api.post(URL, b'{"kind": "property", ', content_type="application/json").status_code == 400
    for query in ("?week=2024-W99", "?week=abc", "?date=2024-02-30", "?date=%EF%BC%92"):
        r = api.get(URL + query)
        assert r.status_code == 400 and CHINESE.search(r.json()["error"]["message"]), (query, r.content)
    fullwidth = api.get(URL + "?date=２０２４-０３-１９")
    assert fullwidth.status_code == 200 and fullwidth.json()["period"] == "2024-03-19"
    assert APIClient().get(URL).status_code == 401


def test_weekly_plan_defaults_to_next_week_and_refiling_replaces_it(world):
    api, head = world["api"], world["head"]
    empty = api.get(PLAN).json()
    assert (empty["week"], empty["filed"], empty["week_start"]) == ("2024-W13", False, "2024-03-25")
    r = api.put(PLAN, {"plan": "周一万科城，周三链家", "problems": ["需要楼盘准入名单", "折页不够"]}, format="json")
    assert r.status_code == 200, r.content
    assert [p["text"] for p in r.json()["problems"]] == ["需要楼盘准入名单", "折页不够"]
    first = WeeklyPlan.objects.get().problems.get(text="折页不够")
    plan_problem_answer(problem=first, answer="周二送到网点", by=head)
    got = api.get(PLAN + "?week=2024-W13").json()
    assert got["problems"][1]["answer"] == "周二送到网点" and got["problems"][1]["answered_by"] == "赵行长"
    r = api.put(PLAN + "?week=2024-W13", {"plan": "改为周四走访", "problems": ["只剩一个问题"]}, format="json")
    assert r.json()["plan"] == "改为周四走访" and [p["text"] for p in r.json()["problems"]] == ["只剩一个问题"]
    assert WeeklyPlan.objects.count() == 1


@pytest.mark.parametrize("body, message", [
    ({"plan": "计划", "problems": [f"问题{i}" for i in range(11)]}, "最多 10 个"),
    ({"plan": "计划", "week": "2024-W10"}, "只能填报本周"),
    ({"plan": "计划", "week": "２０２４-W99"}, "周“2024-W99”无效"),
    ({"plan": "计" * 3000}, "不能超过 2000 个字"),
    ({"plan": "计划\x00"}, ""),
    ({"plan": "计划", "problems": "not a list"}, ""),
    ({}, ""),
])
def test_bad_plans_are_refused_in_chinese(world, body, message):
    r = world["api"].put(PLAN, body, format="json")
    assert r.status_code == 400, r.content
    got = r.json()["error"]["message"]
    assert CHINESE.search(got) and message in got, got
    assert WeeklyPlan.objects.count() == 0
    assert world["api"].put(PLAN, b"{oops", content_type="application/json").status_code == 400
