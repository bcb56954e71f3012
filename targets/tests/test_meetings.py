"""Meeting packs: the weekly pack's figures (last week against target and time progress per child
and per person, this week's plan, open actions) and the monthly pack's (weekly trend, behind two
months running, scorecards) against hand-worked values, and the .xlsx read back."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from org import clock
from org.periods import Period
from org.tests.factories import StaffFactory, user_for
from referrals.tests.reporting_data import known_week
from targets.meetings import monthly_pack, weekly_pack
from targets.models import LaggardAction
from targets.scorecards import scorecard_define
from targets.services import target_set

pytestmark = pytest.mark.django_db
APPS = "referral.applications"
W45, W46 = Period.parse("2024-W45"), Period.parse("2024-W46")
AFTER = dt.datetime(2024, 12, 5, 9, 0, tzinfo=clock.SHANGHAI)


@pytest.fixture
def bank():
    data = known_week()
    t = data["tree"]
    ho = user_for(StaffFactory(employee_no="HQ70", institution=t["HO"]), scope=t["HO"])
    bm = user_for(StaffFactory(employee_no="BM70", institution=t["BR1"]), scope=t["BR1"])
    target_set(metric=APPS, period=W45, value=Decimal(10), by=ho, institution=t["SB1"])
    target_set(metric=APPS, period=W45, value=Decimal(1), by=ho, institution=t["SB2"])
    target_set(metric=APPS, period=W45, value=Decimal(2), by=ho, staff=data["A"])
    target_set(metric=APPS, period=W46, value=Decimal(5), by=ho, staff=data["A"])
    target_set(metric=APPS, period=W45, value=Decimal(4), by=ho, staff=data["B"])
    target_set(metric=APPS, period=Period.parse("2024-10"), value=Decimal(5), by=ho, staff=data["B"])
    target_set(metric=APPS, period=Period.parse("2024-11"), value=Decimal(10), by=ho, staff=data["B"])
    target_set(metric=APPS, period=Period.parse("2024-11"), value=Decimal(2), by=ho, staff=data["A"])
    LaggardAction.objects.create(kind="talk", staff=data["B"], institution=data["B"].institution, reason="2024-W45 落后", on_date=dt.date(2024, 11, 11),
                                 follow_up_on=dt.date(2024, 11, 20), recorded_by=bm, recorded_at=AFTER)
    return data | {"ho": ho, "bm": bm}


def by(rows, code):
    return {r["subject"].code if hasattr(r["subject"], "path") else r["subject"].employee_no: r for r in rows}[code]


def test_the_weekly_pack_against_hand_worked_figures(bank):
    t = bank["tree"]
    pack = weekly_pack(node=t["BR1"], week=W45, user=bank["bm"], at=AFTER)
    assert [m.code for m in pack.metrics] == [APPS]
    sb1, sb2 = by(pack.children, "SB1"), by(pack.children, "SB2")
    # SB1: A 3 counted + B 2 + C 2 = 7 of 10 → 70 %, behind a finished week (100 %); SB2: 1 of 1.
    assert (sb1["actual"], sb1["target"], round(sb1["attainment"]), sb1["time_progress"], sb1["behind"]) == (7, 10, 70, 100.0, True)
    assert (sb2["actual"], sb2["target"], round(sb2["attainment"]), sb2["behind"]) == (1, 1, 100, False)
    a, b, c = by(pack.people, "A001"), by(pack.people, "B001"), by(pack.people, "C001")
    assert (a["actual"], round(a["attainment"]), a["behind"]) == (3, 150, False)
    assert (b["actual"], round(b["attainment"]), b["behind"]) == (2, 50, True)
    assert (c["actual"], c["target"], c["behind"]) == (2, None, False)
    plan = by(pack.plan, "A001")
    assert (plan["last_week"], plan["target"]) == (3, 5)
    assert [x.staff.employee_no for x in pack.actions] == ["B001"]


def test_the_monthly_pack_trend_behind_twice_and_scores(bank):
    t = bank["tree"]
    scorecard_define(by=bank["ho"], role="wealth_manager", name="理财经理考核", effective_from=dt.date(2024, 1, 1),
                     items=[{"kind": "metric", "metric": APPS, "weight": "100"}])
    pack = monthly_pack(node=t["BR1"], month=Period.parse("2024-11"), user=bank["bm"], at=AFTER)
    trend = {r["week"].code: r for r in pack.trend}
    assert list(trend) == ["2024-W45", "2024-W46", "2024-W47", "2024-W48"]
    # The branch in W45: 8 applications (SB1 7 + SB2 1) against its children's targets 10 + 1.
    assert (trend["2024-W45"]["actual"], trend["2024-W45"]["target"]) == (8, 11)
    assert trend["2024-W46"]["actual"] == 0
    # B: 0 of 5 in October and 2 of 10 in November → behind both months; A: 3 of 2 in November.
    assert [r["subject"].employee_no for r in pack.behind_twice] == ["B001"]
    assert round(pack.behind_twice[0]["attainment"]) == 20 and pack.behind_twice[0]["previous"]["attainment"] == 0
    scores = {s["code"]: s for s in pack.scores}
    assert scores["A001"]["total"] == Decimal("120.00") and scores["A001"]["rank"] == 1  # 150 % capped at 120 %
    assert scores["B001"]["total"] == Decimal("20.00")


def test_the_pack_page_and_its_workbook(bank, client):
    client.force_login(bank["bm"])
    page = client.get("/targets/meetings/?kind=week&period=2024-W45")
    assert page.status_code == 200 and "周例会材料" in page.content.decode()
    xlsx = client.get("/targets/meetings/?kind=week&period=2024-W45&download=xlsx")
    wb = load_workbook(io.BytesIO(xlsx.content))
    assert wb.sheetnames == ["各机构完成", "人员完成", "本周计划", "待跟进措施"]
    rows = list(wb["各机构完成"].values)
    assert rows[0][:5] == ("机构", "指标", "单位", "完成", "目标")
    sb1 = next(r for r in rows if r[0] == "南关支行")
    assert (sb1[3], sb1[4], sb1[7]) == (7, 10, "落后序时进度")
    month = client.get("/targets/meetings/?kind=month&period=2024-11&download=xlsx")
    assert load_workbook(io.BytesIO(month.content)).sheetnames == ["各机构完成", "人员完成", "本月走势", "连续两月落后", "本月竞赛", "本月考核"]
    assert client.get("/targets/meetings/?kind=week&period=2024-W99").status_code == 200  # a bad period: the message, last week shown
    client.force_login(user_for(StaffFactory(employee_no="S70", institution=bank["tree"]["OUT1"])))
    assert client.get("/targets/meetings/").status_code == 404
