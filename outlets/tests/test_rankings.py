import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from org.errors import ApplicationError
from org.models import Staff
from org.periods import Period
from org.tests.factories import tree, user_for
from outlets.models import EliteMember, MarketingRule
from outlets.selectors.payroll import payroll_workbook
from outlets.selectors.rankings import elite_candidates, exit_candidates, quarter_ranking
from outlets.services.rankings import elite_club_choose, exit_action_record
from outlets.tests.helpers import import_sales, manager, table_v1
from targets.models import LaggardAction

pytestmark = pytest.mark.django_db
Q1, Q2, Q3 = Period.parse("2025-Q1"), Period.parse("2025-Q2"), Period.parse("2025-Q3")


def sell(tmp_path, plan: dict[str, int], quarter: Period, tag: str):
    """plan: employee_no -> number of cards (30 points each) sold on the quarter's last day."""
    rows = [[f"{tag}-{no}-{i}", no, "card", "1", "", f"{quarter.end:%Y-%m-%d}"] for no, n in plan.items() for i in range(n)]
    assert import_sales(tmp_path, rows, name=f"{tag}.csv").ok


def test_ties_share_a_rank_and_the_reward_of_their_position(tmp_path):
    table_v1()
    for no in ("A", "B", "C", "D"):
        manager(no)
    manager("E", "OUT3")  # another sub-branch: ranked there
    late = manager("F", active_from=dt.date(2025, 2, 1))
    sell(tmp_path, {"A": 5, "B": 5, "C": 3, "D": 1, "E": 1, "F": 9}, Q1, "q1")
    rows = {r.employee_no: r for r in quarter_ranking(quarter=Q1).rows}
    assert [(rows[n].rank, rows[n].reward) for n in "ABCD"] == [(1, 3000), (1, 3000), (3, 1000), (4, 0)]
    assert rows["E"].rank == 1 and rows["E"].sub_branch_name == "朝阳支行"
    assert rows["F"].rank is None and not rows["F"].ranked and "未满整季度" in rows["F"].note and rows["F"].points == Decimal("270")
    assert rows["F"].reward == 0
    # Scoped to an outlet: still ranked within the whole sub-branch.
    assert {r.employee_no: r.rank for r in quarter_ranking(quarter=Q1, root=late.institution).rows}["C"] == 3


def test_exit_after_two_consecutive_quarters_in_the_bottom_5_and_a_better_quarter_resets(tmp_path):
    table_v1()
    people = [manager(f"M{i}") for i in range(8)]
    # Q1 and Q2: M0 last both times -> candidate in Q2 naming Q1 and Q2.
    sell(tmp_path, {f"M{i}": i + 1 for i in range(8)}, Q1, "q1")
    sell(tmp_path, {f"M{i}": i + 1 for i in range(8)}, Q2, "q2")
    assert [c.row.employee_no for c in exit_candidates(quarter=Q1)] == []  # no quarter before
    q2 = {c.row.employee_no: c.quarters for c in exit_candidates(quarter=Q2)}
    assert set(q2) == {"M0", "M1", "M2", "M3", "M4"} and q2["M0"] == ["2025-Q1", "2025-Q2"]
    # Q3: M0 climbs to the top: no longer a candidate; the others stay.
    sell(tmp_path, {"M0": 20, **{f"M{i}": i + 1 for i in range(1, 8)}}, Q3, "q3")
    q3 = {c.row.employee_no for c in exit_candidates(quarter=Q3)}
    assert "M0" not in q3 and "M1" in q3
    # The action is recorded through targets' laggard actions, naming the quarters.
    boss = user_for(scope=tree()["SB1"])
    action = exit_action_record(by=boss, quarter=Q2, staff=people[0], kind="exit", on_date=dt.date(2025, 7, 5), outcome="协商退出客户经理岗位")
    assert LaggardAction.objects.get(pk=action.pk).reason == "产品积分连续 2 个季度支行末位（2025-Q1、2025-Q2）"
    with pytest.raises(ApplicationError, match="不是 2025-Q2 的退出候选人"):
        exit_action_record(by=boss, quarter=Q2, staff=people[7], kind="exit", on_date=dt.date(2025, 7, 5), outcome="x")
    far = user_for(scope=tree()["BR2"])
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        exit_action_record(by=far, quarter=Q2, staff=people[0], kind="exit", on_date=dt.date(2025, 7, 5), outcome="x")


def test_the_elite_club_takes_the_top_share_at_most_the_cap(tmp_path):
    table_v1()
    for i in range(30):
        manager(f"K{i:02d}", "OUT1" if i % 2 else "OUT4")
    sell(tmp_path, {f"K{i:02d}": i + 1 for i in range(30)}, Q1, "q1")
    members, limit = elite_candidates(quarter=Q1)
    assert limit == 3 and [m.employee_no for m in members] == ["K29", "K28", "K27"]
    MarketingRule.objects.update(elite_cap=2)
    members, limit = elite_candidates(quarter=Q1)
    assert limit == 2 and [m.employee_no for m in members] == ["K29", "K28"]
    # Re-chosen each quarter, history kept.
    elite_club_choose(by=None, quarter=Q1)
    elite_club_choose(by=None, quarter=Q1)
    sell(tmp_path, {"K00": 99}, Q2, "q2")
    elite_club_choose(by=None, quarter=Q2)
    assert list(EliteMember.objects.filter(quarter="2025-Q1").values_list("staff__employee_no", flat=True)) == ["K29", "K28"]
    assert list(EliteMember.objects.filter(quarter="2025-Q2").values_list("staff__employee_no", flat=True)) == ["K00"]


def test_a_tie_across_the_club_limit_leaves_the_tied_group_out(tmp_path):
    table_v1()
    for i in range(20):
        manager(f"T{i:02d}")
    sell(tmp_path, {**{f"T{i:02d}": 1 for i in range(17)}, "T17": 5, "T18": 3, "T19": 3}, Q1, "q1")
    members, limit = elite_candidates(quarter=Q1)
    assert limit == 2 and [m.employee_no for m in members] == ["T17"]


def test_payroll_sheet_of_a_branch_reads_back(tmp_path):
    table_v1()
    manager("P1")
    manager("P2", "OUT4")  # another branch: not on BR1's sheet
    rows = [[f"S{i}", "P1", "card", "1", "", "2025-03-01"] for i in range(134)]  # 4,020 points
    assert import_sales(tmp_path, rows).ok
    data = payroll_workbook(branch=tree()["BR1"], year=Period.parse("2025"), until=dt.date(2025, 6, 30))
    ws = load_workbook(io.BytesIO(data))["产品积分档位"]
    values = list(ws.values)
    assert values[0][:6] == ("员工号", "姓名", "机构", "年度积分", "档位", "绩效工资比例")
    assert [v[:6] for v in values[1:]] == [("P1", Staff.objects.get(employee_no="P1").name, "人民广场网点", 4020, "计件+绩效60%", 0.6)]


def test_the_quarter_close_task_grades_outlets_and_chooses_the_club(tmp_path):
    from org import clock
    from outlets import tasks
    from outlets.models import OutletGrade

    table_v1()
    for i in range(12):
        manager(f"Z{i:02d}")
    sell(tmp_path, {f"Z{i:02d}": i + 1 for i in range(12)}, Q1, "q1")
    with clock.frozen(dt.datetime(2025, 4, 1, 6, 0)):
        assert tasks.quarter_close.delay().get() > 0
        tasks.quarter_close.delay().get()  # re-run: same result
    assert list(EliteMember.objects.filter(quarter="2025-Q1").values_list("staff__employee_no", flat=True)) == ["Z11"]
    assert OutletGrade.objects.filter(quarter="2025-Q1").exists()


def test_who_is_not_ranked_and_why_and_the_bottom_with_ties(tmp_path):
    from org.services import staff_transfer

    table_v1()
    for no in ("A", "B", "C", "D", "E", "G", "H"):
        manager(no)
    mover = manager("M", "OUT3")  # 朝阳支行 at the quarter's start, 南关支行 at its end
    staff_transfer(staff=mover, institution=tree()["OUT1"], effective=dt.date(2025, 2, 10))
    inside = manager("I", "OUT1")  # moves between two outlets of the same sub-branch: still ranked
    staff_transfer(staff=inside, institution=tree()["OUT2"], effective=dt.date(2025, 2, 10))
    leaver = manager("L", active_to=dt.date(2025, 3, 20))
    sell(tmp_path, {"A": 9, "B": 7, "C": 5, "D": 5, "E": 3, "G": 2, "H": 2, "I": 8, "M": 20}, Q1, "q1")
    assert import_sales(tmp_path, [[f"l-{i}", "L", "card", "1", "", "2025-03-01"] for i in range(4)], name="l.csv").ok
    rows = {r.employee_no: r for r in quarter_ranking(quarter=Q1).rows}
    assert rows["M"].note == "季度内调入本支行，未满整季度" and rows["M"].rank is None and rows["M"].sub_branch_name == "南关支行"
    assert rows["L"].note == "2025-03-20 离岗，未满整季度" and not rows["L"].ranked and not rows["L"].bottom
    assert leaver.pk == rows["L"].staff_id
    # Ranked: A 270, I 240, B 210, C 150, D 150, E 90, G 60, H 60 (cards at 30 points).
    assert [(n, rows[n].rank, rows[n].of) for n in "AIBCDEGH"] == [
        ("A", 1, 8), ("I", 2, 8), ("B", 3, 8), ("C", 4, 8), ("D", 4, 8), ("E", 6, 8), ("G", 7, 8), ("H", 7, 8)]
    # Bottom 5: fewer than 5 people have strictly fewer points — C and D (3 below them) are in, B (5 below) is not.
    assert {n for n in "AIBCDEGH" if rows[n].bottom} == {"C", "D", "E", "G", "H"}
    assert rows["I"].institution_name == "南湖网点" and rows["A"].band == rows["M"].band
    # Before the first points table (in force from 2025-01-01) nobody is ranked, and each row says why.
    assert {r.note for r in quarter_ranking(quarter=Q1.previous()).rows} == {"本季度无生效的产品计分表，不排名"}


def test_a_ranking_of_one_branch_leaves_out_a_branch_whose_code_its_own_matches_as_a_pattern(tmp_path):
    from org.models import InstitutionKind
    from org.tests.factories import institution

    t = tree()
    table_v1()
    odd = institution("B_1", InstitutionKind.BRANCH, t["HO"], "下划线分行")
    odd_out = institution("B_1O", InstitutionKind.OUTLET, institution("B_1S", InstitutionKind.SUB_BRANCH, odd, "甲支行"), "甲网点")
    look = institution("BX1", InstitutionKind.BRANCH, t["HO"], "相似分行")  # '/HO/B_1/%' as a LIKE pattern matches it
    look_out = institution("BX1O", InstitutionKind.OUTLET, institution("BX1S", InstitutionKind.SUB_BRANCH, look, "乙支行"), "乙网点")
    manager("M1", odd_out)
    manager("M2", look_out)
    sell(tmp_path, {"M1": 2, "M2": 3}, Q1, "q1")
    assert [r.employee_no for r in quarter_ranking(quarter=Q1, root=odd).rows] == ["M1"]
    assert [r.employee_no for r in quarter_ranking(quarter=Q1, root=look).rows] == ["M2"]
