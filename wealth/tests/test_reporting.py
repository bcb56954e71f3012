"""The 2053 sheet of the circular, the team table and the metrics: figures, institution of the day,
summary rows, coverage, ranks."""

from __future__ import annotations

import datetime as dt

import pytest

from org import clock
from org.circular_sheets import builders_for
from org.models import StaffAssignment
from org.periods import Period
from org.tests.factories import StaffFactory
from targets import registry
from wealth.models import Product, Visit, VisitProduct

from .helpers import at, call, customer, world

pytestmark = pytest.mark.django_db
WEEK = Period.parse("2024-W12")  # 2024-03-18 .. 24


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(at("2024-03-25", 9)):
        yield


def full_day(staff, day: str, custs):
    products = list(Product.objects.all()[:3])
    for c in custs[:20]:
        call(staff, c, at(day))
    for c in custs[:5]:
        v = Visit.objects.create(staff=staff, institution=staff.institution, customer=c, visited_at=at(day), local_date=dt.date.fromisoformat(day), method="card")
        VisitProduct.objects.bulk_create([VisitProduct(visit=v, product=p) for p in products])


def sheet(scope):
    builder = next(b for b in builders_for("week") if b.name == "2053")
    data = builder.build(period=WEEK, scope=scope)
    assert [c.header for c in data.columns][:8] == ["员工号", "姓名", "机构", "有效电访", "面访", "人均产品数", "达标天数", "覆盖率"]
    return data.rows


def test_sheet_rows_ranks_summaries_and_the_outlet_of_the_day():
    t, me, far = world()
    idle = StaffFactory(institution=t["OUT2"])
    custs = [customer(f"C{i}", me) for i in range(1, 26)]
    full_day(me, "2024-03-18", custs)
    full_day(me, "2024-03-19", custs)
    # Transferred to OUT2 from Wednesday: Wednesday's calls stay with OUT2, Monday/Tuesday with OUT1.
    StaffAssignment.objects.filter(staff=me).update(valid_to=dt.date(2024, 3, 19))
    StaffAssignment.objects.create(staff=me, institution=t["OUT2"], valid_from=dt.date(2024, 3, 20))
    me.institution = t["OUT2"]
    me.save()
    c = call(me, custs[0], at("2024-03-20"))
    c.institution = t["OUT2"]
    c.save()
    rows = sheet(t["BR1"])
    people = {(r[0], r[2]): r for r in rows if r[0]}
    assert people[(me.employee_no, "人民广场网点")][3:7] == [40, 10, 3, 2]
    assert people[(me.employee_no, "南湖网点")][3] == 1
    assert people[(idle.employee_no, "南湖网点")][3:7] == [0, 0, 0, 0]
    assert far.employee_no not in {r[0] for r in rows}  # another branch
    totals = [r for r in rows if r[1] == "合计"]
    assert totals[-1][2] == "长春分行" and totals[-1][3] == 41 and totals[-1][6] == 2
    # Coverage: 20 of 25 managed customers called this week.
    assert people[(me.employee_no, "南湖网点")][7] is not None or people[(me.employee_no, "人民广场网点")][7] is not None
    coverage = [r[7] for (no, _), r in people.items() if no == me.employee_no and r[7] is not None]
    assert str(coverage[0]) == "0.8000"


def test_metrics_give_the_same_figures_to_targets():
    t, me, _ = world()
    custs = [customer(f"C{i}", me) for i in range(1, 26)]
    full_day(me, "2024-03-18", custs)
    call(me, custs[0], at("2024-03-18", 16))  # a repeat: not counted again
    calls = registry.get("wealth.effective_calls").actuals(period=WEEK, institutions=[t["SB1"], t["BR2"]], staff=[me])
    assert calls.by_staff[me.pk] == 20 and calls.by_institution == {t["SB1"].pk: 20, t["BR2"].pk: 0}
    assert calls.rule_version == "2053规则v1"
    assert dict(registry.get("wealth.effective_calls").staff_query(WEEK).values_list("staff_id", "value")) == {me.pk: 20}
    assert registry.get("wealth.days_2053").actuals(period=WEEK, staff=[me]).by_staff[me.pk] == 1
    assert registry.get("wealth.coverage").actuals(period=WEEK, institutions=[t["OUT1"]]).by_institution[t["OUT1"].pk] == 80
