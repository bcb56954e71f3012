"""The retail_credit step of seed_demo: a year of loans showing every tier, warnings, an exempt
month, an officer in their first months and an exit candidate with a pairing; idempotent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from org import clock
from org.models import Institution
from org.periods import Period
from retail_credit.models import LeaveMonth, Loan, OfficerRole, Pairing
from retail_credit.selectors.capacity import capacity_rows

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2024, 11, 20, 15, 0, tzinfo=clock.SHANGHAI)


def seed():
    out = io.StringIO()
    with clock.frozen(NOW):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_small_demo_has_a_year_of_loans_every_tier_warnings_exempt_months_and_an_exit():
    assert "retail_credit" in seed()
    assert Loan.objects.filter(disbursed_on__lt=dt.date(2023, 12, 1)).exists() and Loan.objects.filter(disbursed_on__gte=dt.date(2024, 11, 1)).exists()
    head_office = Institution.objects.get(parent__isnull=True)
    with clock.frozen(NOW):
        rows = capacity_rows(root=head_office, month=Period.month(2024, 10), until=dt.date(2024, 10, 31))
    assert {r.tier for r in rows} >= {1, 2, 3, 4, 5}
    assert any(r.standing.warning for r in rows) and any(not r.standing.warning and r.standing.exempt_reason == "" for r in rows)
    exits = [r for r in rows if r.standing.exit_candidate]
    assert exits and Pairing.objects.filter(officer_id__in=[r.staff_id for r in exits]).exists()
    assert exits[0].standing.run[-3:] == ["2024-08", "2024-09", "2024-10"]
    on_leave = LeaveMonth.objects.get()
    assert on_leave.month == dt.date(2024, 9, 1)
    leaver = next(r for r in rows if r.staff_id == on_leave.staff_id)
    assert [m.exempt for m in leaver.standing.months if m.month == on_leave.month] == ["请假"]
    new = OfficerRole.objects.get()
    assert next(r for r in rows if r.staff_id == new.staff_id).standing.exempt_reason == "任客户经理前 3 个月"
    lo001 = next(r for r in rows if r.employee_no == "LO001")
    assert lo001.standing.warning and not lo001.standing.exit_candidate
    from retail_credit.models import FieldVisit, WeeklyPlan

    assert FieldVisit.objects.filter(kind="agency", mgm_code__isnull=False).exists() and WeeklyPlan.objects.filter(problems__isnull=False).exists()
    before = Loan.objects.count()
    seed()
    assert Loan.objects.count() == before
