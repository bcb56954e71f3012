"""The lead form on the landing page: validation in Chinese, consent, CSRF, rate limit, privacy."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from org import clock
from org.services import staff_transfer
from org.tests.factories import StaffFactory, tree
from referrals.models import Lead
from referrals.services.codes import referral_code_issue, referral_code_revoke
from referrals.services.scans import LEAD_RETENTION_DAYS, PRIVACY_NOTICE_VERSION, client_hash, lead_purge_expired
from referrals.tests.test_codes import NOW, campaign_with_products

pytestmark = pytest.mark.django_db

UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) MicroMessenger/8.0.44"
GOOD = {"name": "王小二", "mobile": "13812345678", "product": "t_mortgage", "amount": "500000.50", "consent": "on"}


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as now:
        yield now


@pytest.fixture
def code(frozen):
    t = tree()
    staff = StaffFactory(name="张晓明", institution=t["OUT1"])
    campaign_with_products()
    return referral_code_issue(staff=staff, issued_by=None)


def post(client: Client, token: str, data: dict, *, ip="10.1.2.3"):
    return client.post(f"/r/{token}/lead", data, REMOTE_ADDR=ip, HTTP_USER_AGENT=UA)


def test_a_valid_lead_is_recorded_with_consent_and_the_referrers_institution(client, code):
    response = post(client, code.token, GOOD)
    assert response.status_code == 302 and response["Location"] == f"/r/{code.token}/thanks"
    lead = Lead.objects.get()
    assert (lead.name, lead.mobile, lead.product.code, lead.amount) == ("王小二", "13812345678", "t_mortgage", Decimal("500000.50"))
    assert (lead.staff, lead.code, lead.institution.code, lead.campaign.code) == (code.staff, code, "OUT1", "C2024Q4")
    assert lead.consent_at == NOW and lead.consent_version == PRIVACY_NOTICE_VERSION
    assert lead.client_hash == client_hash(remote_addr="10.1.2.3", user_agent=UA)
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "提交成功" in thanks.content.decode()


def test_amount_is_optional(client, code):
    assert post(client, code.token, {**GOOD, "amount": ""}).status_code == 302
    assert Lead.objects.get().amount is None


def test_lead_is_credited_to_the_institution_of_the_day_not_a_later_transfer(client, code):
    post(client, code.token, GOOD)
    with clock.frozen(NOW + dt.timedelta(days=5)):
        staff_transfer(staff=code.staff, institution=tree()["OUT3"], effective=dt.date(2024, 11, 16))
        post(client, code.token, {**GOOD, "mobile": "13812345679"}, ip="10.1.2.4")
    assert list(Lead.objects.order_by("pk").values_list("institution__code", flat=True)) == ["OUT1", "OUT3"]


@pytest.mark.parametrize(
    ("change", "field_message"),
    [
        ({"mobile": "1381234567"}, "请填写正确的 11 位手机号，如 13800138000"),
        ({"mobile": "23812345678"}, "请填写正确的 11 位手机号，如 13800138000"),
        ({"mobile": ""}, "请填写手机号"),
        ({"name": ""}, "请填写您的姓名"),
        ({"name": "王" * 51}, "姓名不能超过 50 个字"),
        ({"consent": ""}, "请阅读并同意《个人信息保护说明》后再提交"),
        ({"product": "t_gold"}, "所选产品不在本次活动中，请重新选择"),
        ({"product": ""}, "请选择您感兴趣的产品"),
        ({"amount": "abc"}, "请填写正确的金额（元），如 300000"),
        ({"amount": "-5"}, "意向金额须大于 0"),
        ({"amount": "0"}, "意向金额须大于 0"),
        ({"amount": "100.123"}, "意向金额最多保留两位小数"),
        ({"amount": "NaN"}, "请填写正确的金额（元），如 300000"),
    ],
)
def test_invalid_lead_is_refused_with_a_chinese_message_and_the_values_kept(client, code, change, field_message):
    data = {**GOOD, **change}
    if data["consent"] == "":
        del data["consent"]
    response = post(client, code.token, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert field_message in html
    assert not Lead.objects.exists()
    # The customer's other answers are kept in the re-rendered form.
    if "name" not in change:
        assert 'value="王小二"' in html
    if "mobile" not in change:
        assert 'value="13812345678"' in html


def test_all_problems_are_reported_at_once(client, code):
    html = post(client, code.token, {"name": "", "mobile": "123", "amount": "abc"}).content.decode()
    for message in ["请填写您的姓名", "请填写正确的 11 位手机号", "请选择您感兴趣的产品", "请填写正确的金额", "请阅读并同意"]:
        assert message in html


def test_lead_through_a_revoked_code_gets_the_friendly_404(client, code):
    referral_code_revoke(code=code, by=None)
    response = post(client, code.token, GOOD)
    assert response.status_code == 404 and "二维码无效或已失效" in response.content.decode()
    assert not Lead.objects.exists()


def test_leads_are_rate_limited_per_client(client, code, settings):
    settings.REFERRAL_LEAD_RATE_LIMIT = 5
    settings.REFERRAL_LEAD_RATE_WINDOW_S = 600
    statuses = [post(client, code.token, {**GOOD, "mobile": f"1381234567{i}"}).status_code for i in range(6)]
    assert statuses == [302] * 5 + [429]
    refused = post(client, code.token, GOOD)
    assert refused.status_code == 429 and "操作过于频繁" in refused.content.decode()
    assert Lead.objects.count() == 5
    assert post(client, code.token, GOOD, ip="10.8.8.8").status_code == 302  # another client


def test_lead_form_is_csrf_protected(code):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(f"/r/{code.token}/lead", GOOD, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT=UA)
    assert refused.status_code == 403
    assert not Lead.objects.exists()

    page = browser.get(f"/r/{code.token}", REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT=UA)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    accepted = browser.post(f"/r/{code.token}/lead", {**GOOD, "csrfmiddlewaretoken": token}, REMOTE_ADDR="10.1.2.3", HTTP_USER_AGENT=UA)
    assert accepted.status_code == 302
    assert Lead.objects.count() == 1


def test_get_on_the_form_url_goes_back_to_the_page(client, code):
    response = client.get(f"/r/{code.token}/lead")
    assert response.status_code == 302 and response["Location"] == f"/r/{code.token}"


def test_privacy_notice_explains_what_why_how_long_and_who(client):
    response = client.get("/r/privacy")
    assert response.status_code == 200
    html = response.content.decode()
    for heading in ["我们收集哪些信息", "为什么收集", "保存多久", "谁能看到", "您的权利"]:
        assert heading in html
    assert PRIVACY_NOTICE_VERSION in html
    assert "180 天" in html
    assert "不保存您的网络地址（IP）原文" in html


def test_landing_page_links_the_privacy_notice_and_its_version(client, code):
    html = client.get(f"/r/{code.token}").content.decode()
    assert 'href="/r/privacy"' in html and PRIVACY_NOTICE_VERSION in html


def test_leads_older_than_the_promised_retention_are_purged(client, code):
    post(client, code.token, GOOD)
    with clock.frozen(NOW + dt.timedelta(days=LEAD_RETENTION_DAYS - 1)):
        post(client, code.token, {**GOOD, "mobile": "13812345679"}, ip="10.1.2.9")
        assert lead_purge_expired() == 0
    with clock.frozen(NOW + dt.timedelta(days=LEAD_RETENTION_DAYS, minutes=1)):
        assert lead_purge_expired() == 1
    assert list(Lead.objects.values_list("mobile", flat=True)) == ["13812345679"]


def test_the_nightly_beat_job_purges_expired_leads(client, code, settings):
    from celery.schedules import crontab

    from referrals.tasks import leads_purge_expired

    entry = settings.CELERY_BEAT_SCHEDULE["referral-leads-purge"]
    assert entry["task"] == "referrals.tasks.leads_purge_expired" and entry["schedule"] == crontab(hour=3, minute=40)
    post(client, code.token, GOOD)
    with clock.frozen(NOW + dt.timedelta(days=LEAD_RETENTION_DAYS, minutes=1)):
        assert leads_purge_expired.delay().get() == 1
    assert not Lead.objects.exists()
