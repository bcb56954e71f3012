import pytest

from org.models import User
from org.tests.factories import tree
from outlets.models import MarketingRule, ServiceRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    tree()
    client.force_login(User.objects.create_superuser("root", password="root-pass-1"))
    return client


@pytest.mark.parametrize("model", ["marketingrule", "graderule", "servicerule", "inspectionsheet", "pointstable", "sale", "outletgrade", "elitemember",
                                   "vipcustomer", "inspection"])
def test_admin_lists_open(admin_client, model):
    assert admin_client.get(f"/admin/outlets/{model}/").status_code == 200


def test_a_rule_is_changed_by_adding_a_version_never_by_editing_one(admin_client):
    answer = admin_client.post("/admin/outlets/servicerule/add/", {
        "version": 2, "effective_from": "2025-07-01", "vip_threshold": "200000", "no_contact_days": 60, "inspection_quota": 10,
        "flag_top": 3, "penalty_bottom": 3, "penalty_points": "5", "note": "提高门槛",
    })
    assert answer.status_code == 302 and ServiceRule.objects.get(version=2).vip_threshold == 200000
    v1 = MarketingRule.objects.get(version=1)
    admin_client.post(f"/admin/outlets/marketingrule/{v1.pk}/change/", {"version": 1, "effective_from": "2000-01-01", "exit_bottom": 9})
    assert MarketingRule.objects.get(pk=v1.pk).exit_bottom == 5
