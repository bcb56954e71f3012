"""The wealth step of seed_demo: weeks of calls and visits whose figures read through the rule,
with counted and not-counted calls; idempotent."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from org import clock
from org.models import Institution
from org.periods import Period
from wealth.models import Call, FollowUp, Visit, VisitProduct
from wealth.selectors import rules
from wealth.selectors.reporting import team_lines

pytestmark = pytest.mark.django_db


def seed(*args):
    out = io.StringIO()
    with clock.frozen(dt.datetime(2024, 11, 20, 15, 0)):
        call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_small_demo_has_weeks_of_2053_activity_and_is_idempotent():
    assert "wealth" in seed()
    assert Call.objects.count() > 1000 and Visit.objects.exists() and VisitProduct.objects.exists() and FollowUp.objects.exists()
    reasons = set(rules.calls_with_reason().values_list("reason", flat=True))
    assert {rules.OK, rules.TOO_SHORT, rules.NOT_CONNECTED, rules.UNKNOWN} <= reasons
    branch = Institution.objects.get(name="长春分行")
    with clock.frozen(dt.datetime(2024, 11, 20, 15, 0)):
        lines = team_lines(scope=branch, period=Period.parse("2024-W46"))
    assert lines and lines[0].row.calls > 0
    before = (Call.objects.count(), Visit.objects.count())
    seed()
    assert (Call.objects.count(), Visit.objects.count()) == before
