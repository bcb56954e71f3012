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
