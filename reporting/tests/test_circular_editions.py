"""Corrected editions and provisional circulars (issue 7 §3 and §5, SPEC §6).

Seen: a stored circular was never rebuilt, so events and flag decisions after Monday 08:00 never
reached that week; and a circular of the current week was stored as if final (6 applications in the
file, 9 in the database) and Monday's job then found it and never recounted."""

import datetime as dt
import io

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from org import clock
from org.errors import ApplicationError
from org.models import AuditLog
from org.periods import Period
from org.tests.factories import StaffFactory, user_for
from referrals.models import Application
from referrals.tests.reporting_data import TUE, app, known_week
from reporting import services, tasks
from reporting.models import Circular

pytestmark = pytest.mark.django_db
W45 = Period.parse("2024-W45")
AFTER_W45 = dt.datetime(2024, 11, 20, 2, 30, tzinfo=clock.SHANGHAI)  # a night ten days later


def read(circular):
    with circular.file.open("rb") as fh:
        return load_workbook(io.BytesIO(fh.read()))


def referral_row(wb, employee_no):
    return next(r for r in wb["转介"].iter_rows(min_row=3, values_only=True) if r[0] == employee_no)


def test_facts_arriving_later_make_a_second_edition_beside_the_first():
    data = known_week()
    scope = data["tree"]["BR1"]
    first = services.circular_build(period=W45, scope=scope)
    first_bytes = first.file.open("rb").read()
    assert referral_row(read(first), "D001")[3] == 1
    app(data["D"], submitted=TUE)  # a late event: D's second application that week
    second = services.circular_build(period=W45, scope=scope)
    assert (first.edition, second.edition) == (1, 2) and second.pk != first.pk
    wb = read(second)
    assert referral_row(wb, "D001")[3] == 2
    assert "第 2 版（更正）" in wb["转介"]["A1"].value
    corrections = list(wb["更正说明"].iter_rows(min_row=3, values_only=True))
    assert any(r[0] == "转介" and "D001" in r[1] for r in corrections)
    assert second.changed_rows == len(corrections) and second.changes[0]["sheet"]
    # The first edition stays exactly as sent.
    first.refresh_from_db()
    assert first.file.open("rb").read() == first_bytes and first.edition == 1


def test_nothing_changed_means_no_new_edition():
    data = known_week()
    first = services.circular_build(period=W45, scope=data["tree"]["BR1"])
    assert services.circular_build(period=W45, scope=data["tree"]["BR1"]).pk == first.pk
    assert Circular.objects.count() == 1


def test_a_flag_decision_after_sending_is_a_correction_too():
    data = known_week()
    scope = data["tree"]["BR1"]
    services.circular_build(period=W45, scope=scope)
    Application.objects.filter(flag_status="pending").update(flag_status="cleared")
    assert services.circular_build(period=W45, scope=scope).edition == 2


def test_the_nightly_job_recounts_the_last_eight_weeks():
    data = known_week()
    for scope in (data["tree"]["HO"], data["tree"]["BR1"], data["tree"]["BR2"]):
        services.circular_build(period=W45, scope=scope)
    app(data["E"], submitted=TUE)  # E is in BR2
    with clock.frozen(AFTER_W45):
        files = tasks.rebuild_changed_circulars()
        assert tasks.rebuild_changed_circulars() == []  # the next night: nothing new
    changed = {c.scope.code: c for c in Circular.objects.filter(edition=2).select_related("scope")}
    assert sorted(changed) == ["BR1", "BR2", "HO"] and len(files) == 3
    # BR1's own figures did not move; only the bank-wide honours it shows did.
    assert {ch["sheet"] for ch in changed["BR1"].changes} == {"荣誉榜"}
    assert "转介" in {ch["sheet"] for ch in changed["BR2"].changes}
    with clock.frozen(AFTER_W45 + dt.timedelta(weeks=9)):
        app(data["E"], submitted=TUE)
        assert tasks.rebuild_changed_circulars() == []  # older than 8 weeks: left as it is


def test_the_beat_runs_the_corrections_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["circular-corrections"]
    assert entry["task"] == "reporting.tasks.rebuild_changed_circulars"
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}


def test_an_unfinished_period_is_never_stored():
    data = known_week()
    with clock.frozen(dt.datetime(2024, 11, 7, 15, 0, tzinfo=clock.SHANGHAI)):
        with pytest.raises(ApplicationError, match="尚未结束"):
            services.circular_build(period=W45, scope=data["tree"]["BR1"])
        content, filename = services.circular_provisional(period=W45, scope=data["tree"]["BR1"])
    assert Circular.objects.count() == 0
    wb = load_workbook(io.BytesIO(content))
    assert "截至 2024-11-07 15:00，临时" in wb["转介"]["A1"].value
    assert "截至2024-11-07 1500临时" in filename


def test_generate_now_for_the_current_week_downloads_a_provisional_workbook(client):
    data = known_week()
    client.force_login(user_for(StaffFactory(employee_no="HQ910", institution=data["tree"]["HO"]), scope=data["tree"]["HO"]))
    with clock.frozen(dt.datetime(2024, 11, 7, 15, 0, tzinfo=clock.SHANGHAI)):
        resp = client.post(reverse("reporting:circular-generate"), {"period": "2024-W45", "scope": "BR1"})
    assert resp.status_code == 200 and "attachment" in resp["Content-Disposition"]
    wb = load_workbook(io.BytesIO(b"".join(resp.streaming_content)))
    assert "截至" in wb["转介"]["A1"].value
    assert Circular.objects.count() == 0
    assert AuditLog.objects.filter(action="circular.provisional").exists()


def test_the_download_page_lists_the_corrected_edition_with_what_changed(client):
    data = known_week()
    scope = data["tree"]["BR1"]
    services.circular_build(period=W45, scope=scope)
    app(data["D"], submitted=TUE)
    services.circular_build(period=W45, scope=scope)
    client.force_login(user_for(StaffFactory(employee_no="BM910", institution=scope), scope=scope))
    html = client.get(reverse("reporting:circulars")).content.decode()
    assert "第 2 版（更正）" in html and "第 1 版" in html and "行数字有变化" in html and "D001" in html
