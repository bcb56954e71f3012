"""A transfer never rewrites the past (issue 7 §3): scans are booked at the institution the code's
holder worked in on the day of the scan, and the circular's 机构 column names the institution the
figures were credited to."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from org import clock
from org.periods import Period
from org.services import staff_transfer
from referrals.models import ScanEvent
from referrals.tests.reporting_data import known_week
from reporting import services

pytestmark = pytest.mark.django_db
W45 = Period.parse("2024-W45")


def test_a_scan_keeps_the_institution_of_its_day(client):
    data = known_week()
    a, t = data["A"], data["tree"]
    code = a.referral_codes.first()
    with clock.frozen(dt.datetime(2024, 11, 5, 10, 0, tzinfo=clock.SHANGHAI)):
        assert client.get(f"/r/{code.token}", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="MicroMessenger").status_code == 200
    scan = ScanEvent.objects.order_by("-pk").first()
    assert scan.institution == t["OUT1"]
    staff_transfer(staff=a, institution=t["OUT4"], effective=dt.date(2024, 11, 20))  # to the other branch
    a.refresh_from_db()
    assert a.institution == t["OUT4"]
    scan.refresh_from_db()
    assert scan.institution == t["OUT1"]


def test_after_a_transfer_the_old_branch_keeps_its_funnel_and_circular_names_the_credited_institution():
    from referrals.selectors.reporting import referral_person_figures

    data = known_week()
    a, t = data["A"], data["tree"]
    before = {s.employee_no: s.scans for s in referral_person_figures(scope=t["BR1"], period=W45, with_funnel=True)}
    staff_transfer(staff=a, institution=t["OUT4"], effective=dt.date(2024, 11, 20))
    after = {s.employee_no: s.scans for s in referral_person_figures(scope=t["BR1"], period=W45, with_funnel=True)}
    assert before["A001"] > 0 and after["A001"] == before["A001"]
    in_br2 = {s.employee_no: s.scans for s in referral_person_figures(scope=t["BR2"], period=W45, with_funnel=True)}
    assert in_br2.get("A001", 0) == 0  # the new branch does not inherit past scans
    with clock.frozen(dt.datetime(2024, 11, 25, 8, 0, tzinfo=clock.SHANGHAI)):
        circular = services.circular_build(period=W45, scope=t["BR1"])
    with circular.file.open("rb") as fh:
        rows = list(load_workbook(io.BytesIO(fh.read()))["转介"].iter_rows(min_row=3, values_only=True))
    row = next(r for r in rows if r[0] == "A001")
    assert row[2] == "人民广场网点"  # credited there, though A now works in another branch
