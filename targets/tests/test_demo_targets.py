import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db.models import Sum

from org import clock
from org.models import Institution, InstitutionKind
from targets.models import Contest, LaggardAction, Scorecard, Target

pytestmark = pytest.mark.django_db


def test_the_demo_has_targets_down_to_every_person_contests_scorecards_and_plans():
    out = io.StringIO()
    with clock.frozen(dt.datetime(2026, 12, 2, 15, 0)):
        call_command("seed_demo", stdout=out)
        call_command("seed_demo", stdout=io.StringIO())  # idempotent
    assert "targets" in out.getvalue()
    branch = Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("code").first()
    children = Target.objects.filter(metric="referral.applications", period="2026", institution__parent=branch)
    own = Target.objects.get(metric="referral.applications", period="2026", institution=branch)
    assert children.aggregate(s=Sum("value"))["s"] == own.value  # the grid adds up
    outlet = Institution.objects.filter(kind=InstitutionKind.OUTLET).order_by("code").first()
    people = Target.objects.filter(metric="referral.applications", period="2026", staff__institution=outlet)
    assert people.exists() and people.aggregate(s=Sum("value"))["s"] == Target.objects.get(metric="referral.applications", period="2026", institution=outlet).value
    assert Contest.objects.filter(frozen_at__isnull=False).count() == 1 and Contest.objects.filter(frozen_at__isnull=True).count() == 1
    assert Scorecard.objects.count() == 3
    assert LaggardAction.objects.filter(follow_up_on__lt=dt.date(2026, 12, 2), followed_up_at__isnull=True).exists()
    assert Target.objects.filter(context="").count() == Target.objects.filter(context="", period="2026").count() > Decimal(0)
