"""The outlets step of seed_demo: a year of sales, VIPs, inspections, grades and the elite club; idempotent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from org import clock
from org.models import Staff
from org.periods import Period
from outlets.models import EliteMember, Inspection, OutletGrade, PointsTable, Sale, VipCustomer
from outlets.selectors.rankings import quarter_ranking

pytestmark = pytest.mark.django_db


def seed():
    out = io.StringIO()
    with clock.frozen(dt.datetime(2024, 11, 20, 15, 0)):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_outlets_step_is_believable_and_idempotent():
    out = seed()
    assert "outlets:" in out
    counts = {m.__name__: m.objects.count() for m in (PointsTable, Sale, VipCustomer, Inspection, OutletGrade, EliteMember)}
    assert counts["PointsTable"] == 1 and counts["Sale"] > 1000 and counts["VipCustomer"] > 0 and counts["Inspection"] > 0
    assert counts["OutletGrade"] > 0 and counts["EliteMember"] > 0
    assert Sale.objects.filter(sold_on__lt=dt.date(2023, 11, 20)).count() == 0
    wm = Staff.objects.get(employee_no="WM001")
    ranking = quarter_ranking(quarter=Period.parse("2024-Q3"), root=wm.institution)
    assert any(r.employee_no == "WM001" and r.points > 0 for r in ranking.rows)
    assert "outlets: 已存在" in seed()
    assert {m.__name__: m.objects.count() for m in (PointsTable, Sale, VipCustomer, Inspection, OutletGrade, EliteMember)} == counts
