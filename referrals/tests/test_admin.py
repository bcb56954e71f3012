"""The admin cannot skip the referral services' checks (issue 7 §2): campaigns, incentive versions,
weekly targets and 包保责任人 are read-only there and written through their pages."""

import datetime as dt

import pytest

from org.models import User
from referrals.models import Campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


@pytest.mark.parametrize(
    "model", ["referrals/campaign", "referrals/incentiverule", "targets/target", "targets/monthlydistribution", "referrals/responsibleperson"]
)
def test_the_admin_shows_but_never_writes_what_the_services_check(admin_client, model):
    assert admin_client.get(f"/admin/{model}/").status_code == 200
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403
    assert admin_client.post(f"/admin/{model}/add/", {}).status_code == 403


def test_an_overlapping_campaign_cannot_be_slipped_in_through_the_admin(admin_client):
    before = Campaign.objects.count()
    resp = admin_client.post(
        "/admin/referrals/campaign/add/",
        {"code": "X1", "name": "重叠活动", "start_date": dt.date(2024, 1, 1), "end_date": dt.date(2024, 12, 31)},
    )
    assert resp.status_code == 403 and Campaign.objects.count() == before
