"""Scorecard arithmetic against hand-worked examples: the cap, the floor, a deduction, a metric
with no target; ties share a rank; the 考核 sheet; head office only defines them."""

import datetime as dt
from decimal import Decimal

import pytest

from org.errors import ApplicationError
from org.periods import Period
from org.tests.factories import StaffFactory, tree, user_for
from referrals.tests.reporting_data import app, known_week
from targets.scorecards import scorecard_define, scorecard_for, scores
from targets.services import target_set

pytestmark = pytest.mark.django_db
NOV = Period.parse("2024-11")
APPS, LOANS, VIOL = "referral.applications", "referral.loans", "referral.violations"


@pytest.fixture
def card():
    data = known_week()
    t = data["tree"]
    ho = user_for(StaffFactory(employee_no="HQ60", institution=t["HO"]), scope=t["HO"])
    items = [
        {"kind": "metric", "metric": APPS, "weight": "60"},
        {"kind": "metric", "metric": LOANS, "weight": "40"},
        {"kind": "deduction", "metric": VIOL, "points_per_unit": "5", "max_points": "20"},
    ]
    c = scorecard_define(by=ho, role="wealth_manager", name="理财经理考核", effective_from=dt.date(2024, 1, 1), items=items)
    return data, ho, c


def test_cap_floor_deduction_and_a_metric_with_no_target(card):
    data, ho, c = card
    a, b, cc = data["A"], data["B"], data["C"]
    # A: 3 applications of target 2 → 150 % capped at 120 % → 60 × 1.2 = 72; loans 1 of 2 → 50 % → 20. Total 92.
    target_set(metric=APPS, period=NOV, value=Decimal(2), by=ho, staff=a)
    target_set(metric=LOANS, period=NOV, value=Decimal(2), by=ho, staff=a)
    # B: 2 of 4 → 50 % → 30; no loan target → scored over weight 60, scaled to 100: 30 × 100 ÷ 60 = 50.
    #    One confirmed violation: −5 → 45.
    target_set(metric=APPS, period=NOV, value=Decimal(4), by=ho, staff=b)
    app(b, submitted=dt.date(2024, 11, 5), flag="self_referral", flag_status="confirmed")
    # C: no target at all → 0, listed with the reason.
    got = {s.staff.employee_no: s for s in scores(scorecard=c, period=NOV, staff=[a, b, cc])}
    assert got["A001"].total == Decimal("92.00")
    assert any("150.0%（封顶），按 120.0% × 权重 60 = 72.00 分" in line for line in got["A001"].lines)
    assert got["B001"].total == Decimal("45.00")
    assert any("折算至 100：30.00 × 100 ÷ 60 = 50.00 分" in line for line in got["B001"].lines)
    assert any("扣分项 确认违规进件：1 件 × 5 分 = −5.00 分" in line for line in got["B001"].lines)
    assert got["C001"].total == 0 and any("无目标，不计分" in line for line in got["C001"].lines)
    assert [got[n].rank for n in ("A001", "B001", "C001")] == [1, 2, 3]


def test_a_floor_and_ties(card):
    data, ho, _ = card
    items = [{"kind": "metric", "metric": APPS, "weight": "100"}]
    c2 = scorecard_define(by=ho, role="wealth_manager", name="v2", effective_from=dt.date(2024, 11, 1), items=items, floor_pct="60")
    assert scorecard_for(role="wealth_manager", period=NOV) == c2 and c2.version == 2
    a, b = data["A"], data["B"]
    target_set(metric=APPS, period=NOV, value=Decimal(30), by=ho, staff=a)  # 3/30 = 10 % → floor 60 % → 60
    target_set(metric=APPS, period=NOV, value=Decimal(20), by=ho, staff=b)  # 2/20 = 10 % → 60
    got = scores(scorecard=c2, period=NOV, staff=[a, b])
    assert [(s.total, s.rank) for s in got] == [(Decimal("60.00"), 1), (Decimal("60.00"), 1)]
    assert "（保底）" in got[0].lines[0]


def test_only_head_office_defines_and_bad_input_is_refused():
    t = tree()
    sb = user_for(StaffFactory(employee_no="SB61", institution=t["SB1"]), scope=t["SB1"])
    with pytest.raises(ApplicationError):
        scorecard_define(by=sb, role="wealth_manager", name="x", effective_from=dt.date(2024, 1, 1), items=[{"metric": APPS, "weight": "1"}])
    ho = user_for(StaffFactory(employee_no="HQ61", institution=t["HO"]), scope=t["HO"])
    with pytest.raises(ApplicationError, match="第 1 项权重“abc”不是数字"):
        scorecard_define(by=ho, role="wealth_manager", name="x", effective_from=dt.date(2024, 1, 1), items=[{"metric": APPS, "weight": "abc"}])
    with pytest.raises(ApplicationError, match="指标“nope”不存在"):
        scorecard_define(by=ho, role="wealth_manager", name="x", effective_from=dt.date(2024, 1, 1), items=[{"metric": "nope", "weight": "1"}])


def test_the_page_explains_a_score_and_the_sheet_reads_back(card, client):
    import io

    from openpyxl import load_workbook

    from org import clock
    from reporting import services

    data, ho, _ = card
    target_set(metric=APPS, period=NOV, value=Decimal(2), by=ho, staff=data["A"])
    bm = StaffFactory(employee_no="BM62", institution=data["tree"]["BR1"])
    client.force_login(user_for(bm, scope=data["tree"]["BR1"]))
    page = client.get("/targets/scorecards/", {"role": "wealth_manager", "period": "2024-11", "explain": "A001"}).content.decode()
    assert "理财经理考核 v1" in page and "按 120.0% × 权重 60 = 72.00 分" in page
    assert client.get("/targets/scorecards/", {"explain": "E001"}).status_code == 404  # BR2's: outside the scope
    with clock.frozen(__import__("datetime").datetime(2024, 12, 2, 9, 0)):
        circular = services.circular_build(period=NOV, scope=data["tree"]["BR1"])
    wb = load_workbook(io.BytesIO(circular.file.read()))
    rows = {r[0]: r for r in wb["考核"].iter_rows(values_only=True) if r[0] and r[0] != "员工号" and not str(r[0]).startswith("考核")}
    assert rows["A001"][5] == 120 and rows["A001"][6] == 1  # 72 over weight 60, scaled to 100 (no loans target)


def test_my_scorecard_in_the_mini_program(card):
    from rest_framework.test import APIClient

    data, ho, _ = card
    target_set(metric=APPS, period=NOV, value=Decimal(2), by=ho, staff=data["A"])
    target_set(metric=LOANS, period=NOV, value=Decimal(2), by=ho, staff=data["A"])
    api = APIClient()
    api.force_authenticate(user_for(data["A"]))
    got = api.get("/api/v1/me/scorecard", {"period": "2024-11"}).json()
    assert got[0]["scorecard"] == "理财经理考核 v1" and Decimal(got[0]["total"]) == Decimal("92.00") and got[0]["rank"] == 1
    assert any("封顶" in line for line in got[0]["lines"])
    assert api.get("/api/v1/me/scorecard", {"period": "2024-W45"}).status_code == 400


def test_my_scorecard_total_is_a_decimal_string_as_documented(card):
    from rest_framework.test import APIClient

    data, ho, _ = card
    api = APIClient()
    api.force_authenticate(user_for(data["C"]))
    got = api.get("/api/v1/me/scorecard", {"period": "2024-11"}).json()
    assert got[0]["total"] == "0.00"  # the schema says a decimal string (schemathesis found a float)


def test_an_outlet_scorecard_from_the_outlets_targets(card, client):
    import io

    from openpyxl import load_workbook

    from org import clock
    from reporting import services

    data, ho, _ = card
    t = data["tree"]
    items = [{"kind": "metric", "metric": APPS, "weight": "100"}]
    outlet_card = scorecard_define(by=ho, role="inst:outlet", name="网点考核", effective_from=dt.date(2024, 1, 1), items=items)
    target_set(metric=APPS, period=NOV, value=Decimal(10), by=ho, institution=t["OUT1"])  # 5 of 10 → 50 points
    target_set(metric=APPS, period=NOV, value=Decimal(2), by=ho, institution=t["OUT2"])  # 2 of 2 → 100 points
    got = {s.code: s for s in scores(scorecard=outlet_card, period=NOV, institutions=[t["OUT1"], t["OUT2"], t["OUT3"]])}
    assert (got["OUT1"].total, got["OUT2"].total, got["OUT3"].total) == (Decimal("50.00"), Decimal("100.00"), Decimal("0.00"))
    assert [got[c].rank for c in ("OUT2", "OUT1", "OUT3")] == [1, 2, 3]
    bm = StaffFactory(employee_no="BM63", institution=t["BR1"])
    client.force_login(user_for(bm, scope=t["BR1"]))
    page = client.get("/targets/scorecards/", {"role": "inst:outlet", "period": "2024-11", "explain": "OUT1"}).content.decode()
    assert "网点考核 v1" in page and "人民广场网点：50.00 分" in page
    assert client.get("/targets/scorecards/", {"role": "inst:outlet", "period": "2024-11", "explain": "OUT4"}).status_code == 404
    with clock.frozen(dt.datetime(2024, 12, 2, 9, 0)):
        circular = services.circular_build(period=NOV, scope=t["BR1"])
    rows = [r for r in load_workbook(io.BytesIO(circular.file.read()))["考核"].iter_rows(values_only=True) if r[3] == "二级支行/网点（机构）"]
    assert ("OUT2", None, "南湖网点") == rows[0][:3] and rows[0][5] == 100 and rows[0][6] == 1
