"""Recording spot checks: a reproducible sample per branch, scored 0–100, scope and roll-up."""

from __future__ import annotations

import pytest
from django.test import Client

from org import clock
from org.periods import Period
from org.tests.factories import user_for
from targets import registry
from wealth.models import Call, SpotCheck
from wealth.services.spot_checks import spot_checks_draw

from .helpers import at, call, customer, world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with clock.frozen(at("2024-03-29", 18)):
        yield


@pytest.fixture
def recorded():
    t, me, far = world()
    c, d = customer("C1", me), customer("C2", far)
    for i in range(12):
        for staff, cust in ((me, c), (far, d)):
            x = call(staff, cust, at("2024-03-18", 9, i))
            x.recording_url = f"https://rec.example/{x.call_id}.mp3"
            x.save()
    call(me, c, at("2024-03-19"))  # no recording: never drawn
    return t, me, far


def test_draw_is_reproducible_per_branch_and_only_recorded_calls(recorded):
    t, me, far = recorded
    assert spot_checks_draw(month="2024-03") == 10
    first = sorted(SpotCheck.objects.values_list("call__call_id", flat=True))
    assert not SpotCheck.objects.filter(call__recording_url="").exists()
    assert spot_checks_draw(month="2024-03") == 0  # already drawn: unchanged
    SpotCheck.objects.all().delete()
    spot_checks_draw(month="2024-03")
    assert sorted(SpotCheck.objects.values_list("call__call_id", flat=True)) == first
    assert set(SpotCheck.objects.values_list("branch__code", flat=True)) == {"BR1", "BR2"}


def test_branch_reviewer_scores_own_branch_only_and_scores_roll_up(recorded):
    t, me, far = recorded
    spot_checks_draw(month="2024-03")
    reviewer = user_for(scope=t["BR1"], username="br1")
    client = Client()
    client.force_login(reviewer)
    page = client.get("/wealth/spot-checks/?month=2024-03").content.decode()
    assert me.name in page and far.name not in page
    mine = SpotCheck.objects.filter(branch=t["BR1"]).first()
    theirs = SpotCheck.objects.filter(branch=t["BR2"]).first()
    assert client.post("/wealth/spot-checks/", {"check": theirs.pk, "score": 80, "month": "2024-03"}).status_code == 404
    client.post("/wealth/spot-checks/", {"check": mine.pk, "score": 101, "month": "2024-03"})
    mine.refresh_from_db()
    assert mine.score is None
    client.post("/wealth/spot-checks/", {"check": mine.pk, "score": 90, "comment": "开场白规范", "month": "2024-03"})
    mine.refresh_from_db()
    assert (mine.score, mine.comment, mine.reviewer) == (90, "开场白规范", reviewer)
    got = registry.get("wealth.spot_check_score").actuals(period=Period.parse("2024-03"), staff=[me, far], institutions=[t["BR1"]])
    assert got.by_staff == {me.pk: 90, far.pk: 0} and got.by_institution[t["BR1"].pk] == 90
    assert Call.objects.count() == 25


def test_the_monthly_task_draws_last_month(recorded):
    from wealth.tasks import spot_checks_draw_last_month

    with clock.frozen(at("2024-04-01", 6)):
        assert spot_checks_draw_last_month() == 10
        assert spot_checks_draw_last_month() == 0
    assert set(SpotCheck.objects.values_list("month", flat=True)) == {"2024-03"}


def test_recordings_are_served_in_scope_only(recorded):
    t, me, far = recorded
    client = Client()
    client.force_login(user_for(scope=t["BR1"], username="br1"))
    mine = Call.objects.filter(staff=me).exclude(recording_url="").first()
    theirs = Call.objects.filter(staff=far).exclude(recording_url="").first()
    assert client.get(f"/wealth/calls/{mine.call_id}/recording").url == mine.recording_url
    assert client.get(f"/wealth/calls/{theirs.call_id}/recording").status_code == 404


def test_a_recording_uploaded_from_the_mini_program_is_stored_and_served(recorded):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    t, me, far = recorded
    user_for(me)
    api = APIClient()
    api.force_authenticate(me.user)
    body = {"customer_no": "C1", "started_at": "2024-03-29T10:00:00+08:00", "duration_s": 90, "connected": "true", "channel": "mobile"}
    fake = SimpleUploadedFile("r.mp3", b"MZ not audio at all", content_type="audio/mpeg")
    assert api.post("/api/v1/me/wealth/calls", {**body, "recording": fake}, format="multipart").status_code == 400
    good = SimpleUploadedFile("r.mp3", b"ID3\x03\x00" + b"\x00" * 200, content_type="audio/mpeg")
    r = api.post("/api/v1/me/wealth/calls", {**body, "recording": good}, format="multipart")
    assert r.status_code == 201, r.content
    call = Call.objects.get(call_id=r.json()["call_id"])
    assert call.recording.name.startswith("wealth/recordings/")
    client = Client()
    client.force_login(user_for(scope=t["BR1"], username="br1"))
    served = client.get(f"/wealth/calls/{call.call_id}/recording")
    assert served.status_code == 200 and b"".join(served.streaming_content).startswith(b"ID3")
