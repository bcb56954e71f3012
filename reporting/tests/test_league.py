"""League tables against hand-computed values: ties (1, 2, 2, 4), the whole-period rule, change
against the previous period (a person new this period included), institution levels rolled up by
the institution credited, scope, the team and tier breakdowns."""

import datetime as dt
from decimal import Decimal

import pytest

from org import clock
from org.models import EmploymentType
from org.periods import Period
from org.tests.factories import tree
from reporting.league import league
from retail_credit.tests.helpers import loan, officer

pytestmark = pytest.mark.django_db
MARCH, AT = Period.month(2024, 3), dt.datetime(2024, 4, 2, 9, tzinfo=clock.SHANGHAI)
AMOUNT = "retail_credit.amount"


@pytest.fixture
def bank():
    t = tree()
    a = officer(t["OUT1"], tier=1, employee_no="A")
    b = officer(t["OUT1"], tier=2, employee_no="B")
    c = officer(t["OUT2"], tier=2, employee_no="C", employment_type=EmploymentType.OUTSOURCED)
    d = officer(t["OUT3"], tier=3, employee_no="D")
    new = officer(t["OUT3"], tier=3, employee_no="N", since=dt.date(2024, 3, 11))
    far = officer(t["OUT4"], tier=1, employee_no="F")
    for who, amount in ((a, 900), (b, 500), (c, 500), (d, 100), (new, 2000), (far, 50)):
        loan(who, "mortgage", amount * 1000, "2024-03-12")
    for who, amount in ((a, 100), (b, 800), (c, 300), (d, 200), (far, 10)):  # February
        loan(who, "mortgage", amount * 1000, "2024-02-12")
    return t


def rows_of(table):
    return [(r.key, r.value / 1000, r.rank, r.note, r.previous_rank, r.arrow) for r in table.rows]


def test_person_league_ties_whole_period_rule_and_change(bank):
    table = league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["BR1"], at=AT)
    assert rows_of(table) == [
        ("A", 900, 1, "", 4, "↑3"),
        ("B", 500, 2, "", 1, "↓1"),
        ("C", 500, 2, "", 2, "—"),
        ("D", 100, 4, "", 3, "↓1"),
        ("N", 2000, None, "期中入职", None, ""),  # new this period: listed, not ranked, no change
    ]
    assert table.rows[0].change == Decimal(800_000)
    assert "按放款金额（万元）从高到低排名" in table.ranks_by


def test_institution_levels_roll_up_the_subtree_and_the_scope(bank):
    outlets = league(metric_code=AMOUNT, level="outlet", period=MARCH, root=bank["BR1"], at=AT)
    # March: OUT3 = D 100 + N 2000 (an institution counts everyone's loans), OUT1 = 900 + 500, OUT2 = 500;
    # February: OUT1 900, OUT2 300, OUT3 200.
    assert [(r.key, r.value / 1000, r.rank, r.previous_rank, r.arrow) for r in outlets.rows] == [
        ("OUT3", 2100, 1, 3, "↑2"), ("OUT1", 1400, 2, 1, "↓1"), ("OUT2", 500, 3, 2, "↓1")]
    branches = league(metric_code=AMOUNT, level="branch", period=MARCH, root=bank["HO"], at=AT)
    assert [(r.key, r.value / 1000, r.rank, r.previous_rank) for r in branches.rows] == [("BR1", 4000, 1, 1), ("BR2", 50, 2, 2)]
    bank_row = league(metric_code=AMOUNT, level="head_office", period=MARCH, root=bank["HO"], at=AT).rows
    assert [(r.key, r.value / 1000) for r in bank_row] == [("HO", 4050)]
    assert "F" not in [r.key for r in league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["BR1"], at=AT).rows]


def test_team_and_tier_breakdowns_rank_within_the_group(bank):
    outsourced = league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["HO"], team="outsourced", at=AT)
    assert [(r.key, r.rank) for r in outsourced.rows] == [("C", 1)]
    tier2 = league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["HO"], group="2 梯队", at=AT)
    assert [(r.key, r.rank, r.group) for r in tier2.rows] == [("B", 1, "2 梯队"), ("C", 1, "2 梯队")]


def test_league_page_and_api_in_scope(bank):
    from django.test import Client
    from rest_framework.test import APIClient

    from org.tests.factories import StaffFactory, user_for

    manager = user_for(StaffFactory(institution=bank["BR1"], employee_no="BM1"), scope=bank["BR1"])
    c = Client()
    c.force_login(manager)
    with clock.frozen(AT):
        page = c.get(f"/reporting/league/?metric={AMOUNT}&period=2024-03&level=outlet").content.decode()
        assert "按放款金额（万元）从高到低排名" in page and "OUT3" in page and "↑2" in page
        assert ">放款金额（零售信贷产能）</option>" in page and "retail_credit）" not in page  # the programme by its name
        assert c.get("/reporting/league/?inst=OUT4").status_code == 404
        assert "指标不存在" in c.get("/reporting/league/?metric=nope", follow=True).content.decode()
        api = APIClient()
        api.force_authenticate(manager)
        body = api.get(f"/api/v1/league?metric={AMOUNT}&period=2024-03").json()
        assert [(r["key"], r["rank"], r["arrow"]) for r in body["rows"]][:2] == [("A", 1, "↑3"), ("B", 2, "↓1")]
        assert api.get(f"/api/v1/league?metric={AMOUNT}&inst=OUT4").status_code == 404
        assert api.get("/api/v1/league?metric=nope").status_code == 400
        assert api.get(f"/api/v1/league?metric={AMOUNT}&period=２０２４-１３").status_code == 400
        officer_api = APIClient()
        officer_api.force_authenticate(user_for(bank["OUT1"].staff.get(employee_no="A")))
        mine = officer_api.get(f"/api/v1/league?metric={AMOUNT}&period=2024-03").json()
        assert [r["key"] for r in mine["rows"]] == ["A", "B"]


@pytest.mark.parametrize("level", ["person", "outlet"])
def test_a_window_of_the_table_is_the_same_rows_as_the_whole_tables_slice_with_the_count_and_my_row(bank, level):
    whole = league(metric_code=AMOUNT, level=level, period=MARCH, root=bank["BR1"], at=AT)
    keys = [r.key for r in whole.rows]
    assert whole.count == len(keys) == {"person": 5, "outlet": 3}[level]
    for offset in range(len(keys) + 1):
        for limit in (1, 2, 50):
            me = keys[-1]  # ranked last (or unranked): outside every window but the last
            part = league(metric_code=AMOUNT, level=level, period=MARCH, root=bank["BR1"], at=AT, window=(offset, limit), me=me)
            assert [rows_of_one(r) for r in part.rows] == [rows_of_one(r) for r in whole.rows[offset:offset + limit]]
            assert part.count == len(keys)
            inside = me in keys[offset:offset + limit]
            assert (part.me is None) == inside
            if not inside:
                assert rows_of_one(part.me) == rows_of_one(whole.rows[-1])
    tier2 = league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["HO"], group="2 梯队", at=AT, window=(1, 1), me="B")
    assert ([(r.key, r.rank, r.group) for r in tier2.rows], tier2.count, tier2.me.key, tier2.me.group) == ([("C", 1, "2 梯队")], 2, "B", "2 梯队")


def rows_of_one(r):
    return (r.key, r.name, r.institution_name, r.value, r.target, r.rank, r.ranked, r.note, r.previous_value, r.previous_rank, r.group, r.time_progress)


def test_the_league_api_answers_a_page_at_a_time_with_my_own_row(bank):
    from rest_framework.test import APIClient

    from org.tests.factories import StaffFactory, user_for

    manager = APIClient()
    manager.force_authenticate(user_for(StaffFactory(institution=bank["BR1"], employee_no="BM1"), scope=bank["BR1"]))
    officer_api = APIClient()
    officer_api.force_authenticate(user_for(bank["OUT3"].staff.get(employee_no="D")))
    url = f"/api/v1/league?metric={AMOUNT}&period=2024-03"
    with clock.frozen(AT):
        first = manager.get(url + "&page_size=2").json()
        assert ([r["key"] for r in first["rows"]], first["count"], first["page"], first["page_size"]) == (["A", "B"], 5, 1, 2)
        assert [(type(r["rank"]), type(r["previous_rank"])) for r in first["rows"]] == [(int, int)] * 2  # 1, not 1.0 or "1"
        assert {"page=2", "page_size=2"} <= set(first["next"].split("?")[1].split("&")) and first["previous"] is None and first["me"] is None
        second = manager.get(first["next"]).json()
        assert [r["key"] for r in second["rows"]] == ["C", "D"] and "page=" not in second["previous"]
        last = manager.get(url + "&page_size=2&page=３").json()  # full-width digits read as digits
        assert ([r["key"] for r in last["rows"]], last["next"]) == (["N"], None)
        assert last["rows"][0]["note"] == "期中入职" and last["rows"][0]["rank"] is None
        past = manager.get(url + "&page_size=2&page=4")
        assert past.status_code == 404 and "页码超出范围：共 5 条，每页 2 条" in past.json()["error"]["message"]
        for bad, says in (("page=0", "页码应为正整数"), ("page=x", "页码应为正整数"), ("page_size=501", "每页条数应为 1 到 500 的整数"),
                          ("page_size=0", "每页条数应为 1 到 500 的整数"), ("page=-1", "页码应为正整数")):
            got = manager.get(f"{url}&{bad}")
            assert got.status_code == 400 and says in got.json()["error"]["message"], bad
        assert manager.get(url + "&page=99999999999999999999").status_code == 404  # absurd: past the end, not an error of ours
        assert len(manager.get(url).json()["rows"]) == 5  # 50 a page by default
        # an officer sees their outlet's people; their own row comes beside a page it is not on
        mine = officer_api.get(url + "&page_size=1").json()
        assert ([r["key"] for r in mine["rows"]], mine["count"], mine["me"]["key"], mine["me"]["rank"]) == (["D"], 2, "D", 1)
        mine = officer_api.get(url + "&page_size=1&page=2").json()
        assert ([r["key"] for r in mine["rows"]], mine["me"]["key"]) == (["N"], "D")
        outlet = officer_api.get(url + "&level=outlet&page_size=1").json()
        assert (outlet["rows"][0]["key"], outlet["me"]["key"], outlet["me"]["value"]) == ("OUT3", "OUT3", "2100000.00")


def test_the_league_page_reads_only_the_page_it_shows_and_searches_sorts_and_exports_every_row(bank, monkeypatch):
    import io
    import re

    import openpyxl
    from django.test import Client

    from org.tests.factories import StaffFactory, user_for
    from reporting import views_league

    windows = []

    def recording(**kwargs):
        windows.append(kwargs.get("window"))
        return league(**kwargs)

    monkeypatch.setattr(views_league, "league", recording)
    c = Client()
    c.force_login(user_for(StaffFactory(institution=bank["BR1"], employee_no="BM1"), scope=bank["BR1"]))
    url = f"/reporting/league/?metric={AMOUNT}&period=2024-03&level=person"

    def keys(query: str) -> list[str]:
        windows.clear()
        html = c.get(url + query).content.decode()
        return re.findall(r'<a href="/org/staff/([A-Z]+)/">', html)

    with clock.frozen(AT):
        assert keys("") == ["A", "B", "C", "D", "N"] and windows == [(0, 50)]  # one read: the first page of 50
        assert keys("&league_page=９") == ["A", "B", "C", "D", "N"] and windows == [(400, 50), (0, 50)]  # past the end: the last page
        page = c.get(url).content.decode()
        assert "共 5 条" in page and "按放款金额（万元）从高到低排名" in page
        assert '<option value="2 梯队">' in page  # the tier filter offers the tiers present
        filtered = c.get(url + "&group=2 梯队").content.decode()
        assert '<option value="1 梯队">' in filtered and '<option value="2 梯队" selected>' in filtered  # every tier stays offered
        assert keys("&league_q=c") == ["C"] and windows == [(0, 50)]  # searched by the statement itself, case aside: one read
        found = c.get(url + "&league_q=c").content.decode()
        assert "共 1 条" in found and '<td class="num">2</td><td>—</td><td><a href="/org/staff/C/">C</a>' in found  # its rank among everyone
        assert 'placeholder="员工号或姓名"' in found
        assert keys("&league_q=%") == [] and "没有与“%”匹配的记录" in c.get(url + "&league_q=%").content.decode()  # a LIKE wildcard is a character
        assert keys("&league_q=F") == [] and "F" in [r.key for r in league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["HO"], at=AT).rows]  # outside the scope: not found
        outlets = c.get(f"/reporting/league/?metric={AMOUNT}&period=2024-03&level=outlet&league_q=out3").content.decode()
        assert "共 1 条" in outlets and 'placeholder="机构号或名称"' in outlets and "OUT4" not in outlets
        assert "共 1 条" in c.get(f"/reporting/league/?metric={AMOUNT}&period=2024-03&level=outlet&league_q=out３").content.decode()  # full-width digit
        refused = c.get(url + "&league_q=C%00")  # a NUL byte: refused at the edge in Chinese, never sent to the database
        from org.text import NUL_MESSAGE

        assert refused.status_code == 400 and str(NUL_MESSAGE) in refused.content.decode()
        assert keys("&league_sort=value") == ["D", "B", "C", "A", "N"]  # and so does another order
        windows.clear()
        book = openpyxl.load_workbook(io.BytesIO(c.get(url + "&export=league").content))
        assert [r[2] for r in book.active.iter_rows(min_row=2, values_only=True)] == ["A", "B", "C", "D", "N"]
        assert windows == [(0, 100_000)]  # the export alone, no page read before it


@pytest.mark.parametrize("level", ["person", "outlet"])
def test_a_search_keeps_the_matching_rows_with_their_ranks_among_everyone(bank, level):
    whole = league(metric_code=AMOUNT, level=level, period=MARCH, root=bank["BR1"], at=AT)
    for needle in ("b", "OUT", "out1", "N", "nobody", "_", "%"):
        found = league(metric_code=AMOUNT, level=level, period=MARCH, root=bank["BR1"], at=AT, search=needle, window=(0, 50))
        expected = [r for r in whole.rows if needle.casefold() in r.key.casefold() or needle.casefold() in r.name.casefold()]
        assert [rows_of_one(r) for r in found.rows] == [rows_of_one(r) for r in expected] and found.count == len(expected), needle
    assert [r.key for r in league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["BR1"], at=AT, search="b", window=(1, 50)).rows] == []
    past = league(metric_code=AMOUNT, level="person", period=MARCH, root=bank["BR1"], at=AT, search="b", window=(5, 50))
    assert (past.rows, past.count) == ([], 1)  # past the end of the matches: how many there are


def test_the_circulars_institution_league_sheet_ranks_the_level_below_with_the_change(bank):
    import io

    import openpyxl

    from reporting import services

    with clock.frozen(AT):
        circular = services.circular_build(period=MARCH, scope=bank["BR1"])
    with circular.file.open("rb") as fh:
        ws = openpyxl.load_workbook(io.BytesIO(fh.read()))["机构排名"]
    rows = [list(r) for r in ws.values][2:]
    amount = [r[1:] for r in rows if r[1] == AMOUNT and r[3] in ("SB1", "SB2")]
    # SB1 = OUT1 + OUT2 = 1,400 + 500 = 1,900 (万: 190); SB2 = OUT3 = 2,100 (210); February: 1,200 / 200.
    assert [(r[1], r[2], r[4], r[7], r[9]) for r in amount] == [(1, "SB2", 210, 20, "↑1"), (2, "SB1", 190, 120, "↓1")]


def test_referral_institution_leagues_count_each_fact_in_its_own_period():
    from org.tests.factories import StaffFactory
    from referrals.tests.reporting_data import app

    t = tree()
    a, e = StaffFactory(institution=t["OUT1"], employee_no="A"), StaffFactory(institution=t["OUT4"], employee_no="E")
    week, previous = Period.parse("2024-W45"), Period.parse("2024-W44")
    # Submitted Sunday of W44, disbursed Monday of W45: an application of W44, a loan of W45.
    app(a, submitted=dt.date(2024, 11, 3), approved=dt.date(2024, 11, 3), disbursed=dt.date(2024, 11, 4), amount="30000")
    app(a, submitted=dt.date(2024, 11, 5))
    app(e, submitted=dt.date(2024, 11, 6), approved=dt.date(2024, 11, 6), disbursed=dt.date(2024, 11, 10), amount="50000")
    app(e, submitted=dt.date(2024, 10, 28))
    app(e, submitted=dt.date(2024, 11, 11))  # W46: in neither table
    at = dt.datetime(2024, 11, 11, 9, tzinfo=clock.SHANGHAI)

    def table(code):
        return [(r.key, r.value, r.rank, r.previous_value, r.previous_rank) for r in
                league(metric_code=code, level="branch", period=week, root=t["HO"], at=at).rows]

    assert table("referral.applications") == [("BR1", 1, 1, 1, 1), ("BR2", 1, 1, 1, 1)]
    assert table("referral.loans") == [("BR1", 1, 1, 0, 1), ("BR2", 1, 1, 0, 1)]
    assert table("referral.disbursed_amount") == [("BR2", Decimal(50000), 1, 0, 1), ("BR1", Decimal(30000), 2, 0, 1)]
    assert previous.end == dt.date(2024, 11, 3)


def test_every_metrics_person_league_reads_the_same_under_a_branch_and_windowed(bank):
    from targets import registry

    for metric in registry.metrics():
        if "person" not in metric.levels:
            continue
        whole = league(metric_code=metric.code, level="person", period=MARCH, root=bank["HO"], at=AT)
        branch = league(metric_code=metric.code, level="person", period=MARCH, root=bank["BR1"], at=AT)
        in_branch = {r.key for r in branch.rows}
        # the branch's people carry the same figures as in the bank's table (only their facts read)
        assert [(r.key, r.value, r.previous_value) for r in whole.rows if r.key in in_branch] == [(r.key, r.value, r.previous_value) for r in branch.rows], metric.code
        part = league(metric_code=metric.code, level="person", period=MARCH, root=bank["BR1"], at=AT, window=(1, 2))
        assert [rows_of_one(r) for r in part.rows] == [rows_of_one(r) for r in branch.rows[1:3]], metric.code


def test_a_lower_is_better_metric_ranks_the_smallest_first_with_ties_and_its_order(bank, monkeypatch):
    from dataclasses import replace

    from targets import registry

    fewer = replace(registry.get(AMOUNT), code="test.fewer", name="越少越好", higher_is_better=False, person_groups=())
    monkeypatch.setitem(registry._metrics, fewer.code, fewer)
    table = league(metric_code=fewer.code, level="person", period=MARCH, root=bank["BR1"], at=AT)
    # March: D 100, B 500, C 500, A 900 (N joined mid-month: listed last, not ranked); February: A 100, D 200, C 300, B 800
    assert [(r.key, r.value / 1000, r.rank, r.previous_rank, r.arrow) for r in table.rows] == [
        ("D", 100, 1, 2, "↑1"), ("B", 500, 2, 4, "↑2"), ("C", 500, 2, 3, "↑1"), ("A", 900, 4, 1, "↓3"), ("N", 2000, None, None, "")]
    page = league(metric_code=fewer.code, level="person", period=MARCH, root=bank["BR1"], at=AT, window=(2, 2), me="D")
    assert ([r.key for r in page.rows], page.me.key, page.me.rank, page.count) == (["C", "A"], "D", 1, 5)
    assert "从低到高" in table.ranks_by
