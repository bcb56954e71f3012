from decimal import Decimal

import pytest

from org import clock
from org.errors import ApplicationError
from org.models import InstitutionKind
from org.periods import Period
from org.tests.factories import institution, tree, user_for
from outlets.models import OutletGrade
from outlets.selectors.grades import grades_with_staffing
from outlets.services.grades import outlet_grade_override, outlet_grades_compute
from outlets.tests.helpers import import_sales, manager, table_v1
from targets.models import Target

pytestmark = pytest.mark.django_db
Q1 = Period.parse("2025-Q1")


def target(inst, value):
    Target.objects.create(metric="outlets.points", period=Q1.code, period_kind="quarter", period_start=Q1.start, period_end=Q1.end, institution=inst, value=value, set_at=clock.now())


def test_grade_quartiles_override_and_staffing(tmp_path):
    table_v1()
    t = tree()
    extra = [institution(f"OX{i}", InstitutionKind.OUTLET, t["SB2"], f"网点{i}") for i in range(5)]
    outlets = [t["OUT1"], t["OUT2"], t["OUT3"], *extra]  # 8 outlets in BR1
    rows = []
    for i, o in enumerate(outlets):
        manager(f"G{i}", o)
        target(o, 300)
        rows += [[f"S{i}-{k}", f"G{i}", "card", "1", "", "2025-03-01"] for k in range(8 - i)]  # 240, 210, … 30 points
    manager("G9", "OUT1")  # a second customer manager in OUT1
    target(t["OUT4"], 300)  # the other branch: graded there alone (first quartile of one)
    assert import_sales(tmp_path, rows).ok
    assert outlet_grades_compute(by=None, quarter=Q1) == 9
    grades = {g.institution.code: g for g in OutletGrade.objects.select_related("institution")}
    assert [grades[o.code].grade_label for o in outlets] == ["龙头", "龙头", "骨干", "骨干", "进位", "进位", "潜力", "潜力"]
    assert grades["OUT1"].attainment == Decimal("0.8") and (grades["OUT1"].position, grades["OUT1"].of) == (1, 8)
    assert grades["OUT4"].grade_label == "龙头" and grades["OUT4"].of == 1 and grades["OUT4"].attainment == 0
    # Staffing beside the grades: customer managers per outlet.
    staffing = {g.institution.code: g.managers for g in grades_with_staffing(quarter=Q1, root=t["BR1"])}
    assert staffing["OUT1"] == 2 and staffing["OUT2"] == 1 and "OUT4" not in staffing
    # Override with a reason; a recompute keeps it; out of scope is refused like not found.
    boss = user_for(scope=t["BR1"])
    with pytest.raises(ApplicationError, match="须填写原因"):
        outlet_grade_override(by=boss, grade=grades["OX4"], value="advancing", reason=" ")
    outlet_grade_override(by=boss, grade=grades["OX4"], value="advancing", reason="新址开业，客户迁移中")
    outlet_grades_compute(by=None, quarter=Q1)
    again = OutletGrade.objects.get(institution=extra[4])
    assert (again.computed, again.override, again.grade_label) == ("potential", "advancing", "进位")
    with pytest.raises(ApplicationError, match="不在您的管理范围内"):
        outlet_grade_override(by=user_for(scope=t["BR2"]), grade=again, value="leading", reason="x")


def test_the_override_page_explains_the_weighted_attainment(tmp_path, client):
    table_v1()
    t = tree()
    manager("G1", "OUT1")
    target(t["OUT1"], 300)
    assert import_sales(tmp_path, [["S1", "G1", "card", "1", "", "2025-03-01"]]).ok
    outlet_grades_compute(by=None, quarter=Q1)
    client.force_login(user_for(scope=t["BR1"]))
    page = client.get(f"/outlets/grades/{OutletGrade.objects.get(institution=t['OUT1']).pk}/override/").content.decode()
    assert "产品积分：完成 30.00 ÷ 目标 300.00 = 10.0%（单项最多 150%），权重 1" in page
