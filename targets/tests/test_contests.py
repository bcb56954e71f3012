"""PK contests: created by a manager for sides in scope, live standings ranked with ties, the
result frozen when the period ends (late data never changes it), the PK赛 sheet, the API."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from org import clock
from org.periods import Period
from org.tests.factories import StaffFactory, user_for
from referrals.tests.reporting_data import MON, app, known_week
from targets.contests import contest_create, contest_freeze, contest_standings
from targets.models import Contest
from targets.services import target_set

pytestmark = pytest.mark.django_db
W45 = Period.parse("2024-W45")
APPS = "referral.applications"


@pytest.fixture
def data():
    d = known_week()
    d["bm"] = user_for(StaffFactory(employee_no="BM50", institution=d["tree"]["BR1"]), scope=d["tree"]["BR1"])
    return d


def test_a_team_contest_created_on_the_page_and_ranked_with_ties(client, data):
    client.force_login(data["bm"])
    resp = client.post("/targets/contests/", {
        "name": "南关对朝阳", "metric": APPS, "period": "2024-W45", "kind": "team", "scoring": "value",
        "entrants": "南关队：OUT1, OUT2\n朝阳队：OUT3\n张三：A001", "stakes": "输的一方请喝奶茶",
    })
    assert resp.status_code == 302
    contest = Contest.objects.get()
    rows = {r["name"]: r for r in contest_standings(contest)}
    # OUT1 5 + OUT2 2 = 7; OUT3 1; A001 alone 3.
    assert (rows["南关队"]["value"], rows["南关队"]["rank"]) == (7, 1)
    assert (rows["张三"]["value"], rows["张三"]["rank"]) == (3, 2) and rows["朝阳队"]["rank"] == 3
    page = client.get(f"/targets/contests/{contest.pk}/").content.decode()
    assert "进行中" in page or "已结束" in page
    assert "输的一方请喝奶茶" in page and 'data-testid="chart-ranking"' in page


def test_ties_share_a_rank_and_attainment_scoring_needs_targets(data):
    t = data["tree"]
    contest = contest_create(by=data["bm"], name="达成率赛", metric=APPS, period=W45, kind="institution", scoring="attainment",
                             entrants=[("人民广场", [], [t["OUT1"]]), ("南湖", [], [t["OUT2"]]), ("红旗街", [], [t["OUT3"]])])
    target_set(metric=APPS, period=W45, value=Decimal(5), by=data["bm"], institution=t["OUT1"])
    target_set(metric=APPS, period=W45, value=Decimal(2), by=data["bm"], institution=t["OUT2"])
    rows = {r["name"]: r for r in contest_standings(contest)}
    assert rows["人民广场"]["attainment"] == rows["南湖"]["attainment"] == 100
    assert rows["人民广场"]["rank"] == rows["南湖"]["rank"] == 1
    assert rows["红旗街"]["rank"] is None and rows["红旗街"]["target"] is None  # no target: listed, not ranked


def test_the_result_is_frozen_and_late_data_never_changes_it(data):
    t = data["tree"]
    contest = contest_create(by=data["bm"], name="周赛", metric=APPS, period=W45, kind="institution",
                             entrants=[("人民广场", [], [t["OUT1"]]), ("红旗街", [], [t["OUT3"]])])
    with clock.frozen(dt.datetime(2024, 11, 11, 1, 0)):
        frozen = contest_freeze(contest)
    before = frozen.result
    assert [(r["name"], r["value"], r["rank"]) for r in before] == [("人民广场", "5", 1), ("红旗街", "1", 2)]
    for _ in range(10):  # a late batch of applications dated inside the week
        app(data["D"], submitted=MON)
    contest.refresh_from_db()
    assert contest_standings(contest) == before
    with clock.frozen(dt.datetime(2024, 11, 12, 1, 0)):
        assert contest_freeze(contest).result == before  # freezing again changes nothing


def test_the_pk_sheet_of_the_week_circular(data):
    from reporting import services

    t = data["tree"]
    contest_create(by=data["bm"], name="周赛", metric=APPS, period=W45, kind="institution", stakes="冠军流动红旗",
                   entrants=[("人民广场", [], [t["OUT1"]]), ("红旗街", [], [t["OUT3"]])])
    with clock.frozen(dt.datetime(2024, 11, 12, 9, 0)):
        circular = services.circular_build(period=W45, scope=t["BR1"])
    wb = load_workbook(io.BytesIO(circular.file.read()))
    rows = [r for r in wb["PK赛"].iter_rows(values_only=True) if r[0] == "周赛"]
    assert [(r[3], r[4], r[8], r[9]) for r in rows] == [("人民广场", 5, 1, "冠军流动红旗"), ("红旗街", 1, 2, "冠军流动红旗")]
    assert Contest.objects.get().frozen_at is not None


def test_my_contests_and_my_targets_in_the_mini_program(data):
    t = data["tree"]
    contest_create(by=data["bm"], name="周赛", metric=APPS, period=W45, kind="institution",
                   entrants=[("人民广场", [], [t["OUT1"]]), ("红旗街", [], [t["OUT3"]])])
    target_set(metric=APPS, period=W45, value=Decimal(6), by=data["bm"], staff=data["A"])
    api = APIClient()
    api.force_authenticate(user_for(data["A"]))
    mine = api.get("/api/v1/me/contests").json()
    assert mine[0]["name"] == "周赛" and mine[0]["my_side"] == "人民广场" and mine[0]["my_rank"] == 1
    with clock.frozen(dt.datetime(2024, 11, 6, 18, 0)):
        figures = {f["metric"]: f for f in api.get("/api/v1/me/targets", {"period": "2024-W45"}).json()}
    a = figures[APPS]
    assert (Decimal(a["actual"]), Decimal(a["target"])) == (3, 6) and a["attainment_pct"] == 50 and a["time_progress_pct"] == pytest.approx(60)
    assert a["behind"] is True
    assert api.get("/api/v1/me/targets", {"period": "2024-W99"}).status_code == 400


def test_manager_endpoint_children_and_behind_only(data):
    t = data["tree"]
    target_set(metric=APPS, period=W45, value=Decimal(10), by=data["bm"], institution=t["SB1"])
    target_set(metric=APPS, period=W45, value=Decimal(10), by=data["bm"], institution=t["SB2"])
    api = APIClient()
    api.force_authenticate(data["bm"])
    with clock.frozen(dt.datetime(2024, 11, 6, 18, 0)):
        rows = api.get("/api/v1/targets/children", {"metric": APPS, "period": "2024-W45"}).json()
        behind = api.get("/api/v1/targets/children", {"metric": APPS, "period": "2024-W45", "behind": "1"}).json()
    assert {r["code"]: r["attainment_pct"] for r in rows} == {"SB1": 70.0, "SB2": 10.0}
    assert [r["code"] for r in behind] == ["SB2"]
    assert api.get("/api/v1/targets/children", {"metric": APPS, "inst": "SB3"}).status_code == 404


def test_an_ended_contest_is_frozen_when_first_viewed(client, data):
    t = data["tree"]
    contest = contest_create(by=data["bm"], name="周赛", metric=APPS, period=W45, kind="institution",
                             entrants=[("人民广场", [], [t["OUT1"]]), ("红旗街", [], [t["OUT3"]])])
    client.force_login(data["bm"])
    page = client.get(f"/targets/contests/{contest.pk}/").content.decode()
    contest.refresh_from_db()
    assert contest.frozen_at is not None and "已结束，结果已冻结" in page
    assert ">5<" in page  # a count shows as 5, not 5.00
