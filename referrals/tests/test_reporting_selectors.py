from decimal import Decimal

import pytest

from org.periods import Period
from referrals.selectors.reporting import (
    referral_honours,
    referral_institution_figures,
    referral_people_without_applications,
    referral_person_figures,
    referral_rejection_reasons,
    referral_targets_behind,
)

from .reporting_data import known_week

pytestmark = pytest.mark.django_db
W45 = Period.parse("2024-W45")


def test_person_figures_count_credited_cleared_applications_and_rank_ties(django_assert_max_num_queries):
    data = known_week()
    with django_assert_max_num_queries(2):  # the scope's institutions, then every figure of every person
        rows = {s.employee_no: s for s in referral_person_figures(scope=data["tree"]["BR1"], period=W45)}
    assert set(rows) == {"A001", "B001", "C001", "D001", "F001"}  # E is in BR2, G has no code
    a = rows["A001"]
    # the pending flagged application counts nowhere; the cleared one counts.
    assert (a.submitted, a.approved, a.rejected, a.disbursed_count, a.disbursed_amount) == (3, 2, 1, 1, Decimal("150000.00"))
    assert (rows["D001"].submitted, rows["D001"].disbursed_count, rows["D001"].disbursed_amount) == (1, 1, Decimal("12345.67"))
    assert [rows[k].rank for k in ("A001", "B001", "C001", "D001", "F001")] == [1, 2, 2, 4, 5]


def test_person_figures_at_head_office_include_every_branch():
    data = known_week()
    rows = {s.employee_no: s for s in referral_person_figures(scope=data["tree"]["HO"], period=W45)}
    assert rows["E001"].submitted == 1
    assert rows["F001"].rank == 6


def test_institution_figures_roll_up_children_with_targets(django_assert_max_num_queries):
    data = known_week()
    t = data["tree"]
    with django_assert_max_num_queries(5):
        rows = referral_institution_figures(scope=t["BR1"], period=W45, campaign=data["campaign"])
    by = {r.institution.code: r for r in rows}
    assert set(by) == {"SB1", "SB2"}
    assert (by["SB1"].submitted, by["SB1"].approved, by["SB1"].rejected, by["SB1"].scans) == (7, 2, 3, 3)
    assert by["SB1"].target_applications == 6  # OUT1 4 + OUT2 2, set below SB1
    assert by["SB2"].disbursed_amount == Decimal("12345.67")
    assert by["SB1"].approval_rate == pytest.approx(2 / 5)
    out = {r.institution.code: r for r in referral_institution_figures(scope=t["SB1"], period=W45, campaign=data["campaign"])}
    assert out["OUT1"].submitted == 5 and out["OUT1"].target_applications == 4 and not out["OUT1"].behind
    assert out["OUT2"].submitted == 2


def test_rejection_reasons_most_frequent_first():
    data = known_week()
    reasons = referral_rejection_reasons(scope=data["tree"]["BR1"], period=W45)
    assert reasons == [{"reason": "征信不良", "n": 2}, {"reason": "收入不足", "n": 1}]


def test_behind_list_names_institutions_below_target_and_people_without_applications():
    data = known_week()
    t = data["tree"]
    behind = list(referral_targets_behind(scope=t["BR1"], period=W45, campaign=data["campaign"]))
    assert [(x.institution.code, x.actual) for x in behind] == [("OUT3", 1)]  # OUT1 5/4 and OUT2 2/2 met
    people = [s.employee_no for s in referral_people_without_applications(scope=t["BR1"], period=W45)]
    assert people == ["F001", "G001"]


def test_honours_bank_wide_and_per_branch():
    data = known_week()
    h = referral_honours(period=Period.parse("2024-11"))
    assert [(r["staff__employee_no"], r["rank"]) for r in h.top_applications] == [
        ("A001", 1),
        ("B001", 2),
        ("C001", 2),
        ("D001", 4),
        ("E001", 4),
    ]
    assert [(r["staff__employee_no"], r["value"]) for r in h.top_amount] == [("A001", Decimal("150000.00")), ("D001", Decimal("12345.67"))]
    br2 = [r for r in h.branch_applications if r["branch"] == data["tree"]["BR2"].path]
    assert [r["staff__employee_no"] for r in br2] == ["E001"]
    br1 = [r["staff__employee_no"] for r in h.branch_applications if r["branch"] == data["tree"]["BR1"].path]
    assert br1 == ["A001", "B001", "C001"]


def test_a_transfer_never_moves_history_between_branches():
    import datetime as dt

    from org.services import staff_transfer

    data = known_week()
    t = data["tree"]
    staff_transfer(staff=data["A"], institution=t["OUT4"], effective=dt.date(2024, 11, 8))
    br1 = {s.employee_no: s for s in referral_person_figures(scope=t["BR1"], period=W45)}
    br2 = {s.employee_no: s for s in referral_person_figures(scope=t["BR2"], period=W45)}
    assert br1["A001"].submitted == 3 and br1["A001"].institution.code == "OUT4"  # credited to BR1, now in BR2
    assert br2["A001"].submitted == 0  # listed in BR2 (holds a code there now) with nothing of BR1's


def test_weekly_trend_counts_each_week_beside_its_target(django_assert_max_num_queries):
    from referrals.selectors.reporting import referral_weekly_trend

    data = known_week()
    with django_assert_max_num_queries(3):
        trend = referral_weekly_trend(scope=data["tree"]["SB1"], last=W45, weeks=3, campaign=data["campaign"])
    assert [r["period"].code for r in trend] == ["2024-W43", "2024-W44", "2024-W45"]
    assert [r["submitted"] for r in trend] == [0, 0, 7]  # A 3 + B 2 + C 2; the pending flag is left out
    assert trend[-1]["target"] == 6 and trend[0]["target"] is None
    assert trend[-1]["disbursed_amount"] == Decimal("150000.00")
    d_trend = referral_weekly_trend(scope=data["tree"]["SB2"], last=W45, weeks=2, campaign=data["campaign"])
    assert [r["submitted"] for r in d_trend] == [1, 1]  # D's earlier application was submitted in W44


def test_honours_rank_only_people_employed_for_the_whole_month():
    import datetime as dt

    data = known_week()
    data["A"].active_from = dt.date(2024, 11, 4)  # joined during November: listed in tables, not honoured
    data["A"].save()
    h = referral_honours(period=Period.parse("2024-11"))
    assert [(r["staff__employee_no"], r["rank"]) for r in h.top_applications] == [("B001", 1), ("C001", 1), ("D001", 3), ("E001", 3)]
    assert "A001" in {s.employee_no for s in referral_person_figures(scope=data["tree"]["BR1"], period=W45)}
