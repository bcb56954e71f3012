"""The public landing page `/r/<token>`: what the customer sees and how scans are counted."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.test import Client

from org import clock
from org.tests.factories import StaffFactory, tree
from referrals.models import ReferralProduct, ScanEvent
from referrals.services.codes import mgm_code_create, referral_code_issue, referral_code_revoke
from referrals.services.scans import client_hash, client_type_from_user_agent
from referrals.tests.test_codes import NOW, campaign_with_products

pytestmark = pytest.mark.django_db

IPHONE_WECHAT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.44(0x18002c2f) NetType/WIFI Language/zh_CN"
)
ANDROID_ALIPAY = "Mozilla/5.0 (Linux; Android 13; V2241A) AppleWebKit/537.36 Chrome/101.0 Mobile Safari/537.36 AlipayClient/10.5.36"
IPHONE_SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Version/17.1 Mobile/15E148 Safari/604.1"
ANDROID_CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
DESKTOP = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as now:
        yield now


@pytest.fixture
def code(frozen):
    staff = StaffFactory(name="张晓明", institution=tree()["OUT1"])
    return referral_code_issue(staff=staff, issued_by=None)


@pytest.fixture
def campaign(frozen):
    return campaign_with_products()


def scan(client: Client, token: str, *, ip="10.1.2.3", ua=IPHONE_WECHAT):
    return client.get(f"/r/{token}", REMOTE_ADDR=ip, HTTP_USER_AGENT=ua)


def test_landing_page_shows_campaign_products_masked_referrer_and_outlet(client, code, campaign, settings):
    settings.LOAN_APPLICATION_URL = "https://loan.example-bank.cn/apply?channel=qr"
    response = scan(client, code.token)
    assert response.status_code == 200
    html = response.content.decode()
    assert "金秋转介季" in html and "房贷利率低至3.1%" in html
    assert "安居房贷" in html and "随心消费贷" in html
    assert "张*" in html and "张晓明" not in html  # the employee's name is masked to the public
    assert "人民广场网点" in html
    assert f"https://loan.example-bank.cn/apply?channel=qr&amp;referral_code={code.token}&amp;product=t_mortgage" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "nav" not in html.lower().split("<body>")[1].split("<main>")[0]  # no staff navigation
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_unrelated_products_are_not_offered_during_a_campaign(client, code, campaign):
    ReferralProduct.objects.get_or_create(code="t_gold", defaults={"name": "积存金"})
    assert "积存金" not in scan(client, code.token).content.decode()


def test_between_campaigns_the_page_offers_every_product_on_sale(client, code):
    ReferralProduct.objects.get_or_create(code="t_gold", defaults={"name": "积存金"})
    response = scan(client, code.token)
    assert response.status_code == 200
    assert "积存金" in response.content.decode()


def test_mgm_code_page_names_the_intermediary(client, frozen, campaign):
    staff = StaffFactory(institution=tree()["OUT2"])
    mgm = mgm_code_create(staff=staff, intermediary_kind="estate_agency", intermediary_name="链家南关店", by=None)
    html = scan(client, mgm.token).content.decode()
    assert "链家南关店" in html and "南湖网点" in html
    assert ScanEvent.objects.filter(code=mgm).count() == 1


@pytest.mark.parametrize("token", ["unknown-token-000000000000000000", "x" * 200])
def test_unknown_code_gets_a_friendly_chinese_404(client, frozen, token):
    response = scan(client, token)
    assert response.status_code == 404
    html = response.content.decode()
    assert "二维码无效或已失效" in html and "请向为您服务的客户经理索取最新的二维码" in html
    assert not ScanEvent.objects.exists()


def test_revoked_code_gets_the_friendly_404_and_is_not_counted(client, code, campaign):
    referral_code_revoke(code=code, by=None)
    response = scan(client, code.token)
    assert response.status_code == 404
    assert "二维码无效或已失效" in response.content.decode()
    assert not ScanEvent.objects.exists()


def test_reissued_code_leaves_the_old_qr_dead(client, code, campaign):
    new = referral_code_issue(staff=code.staff, issued_by=None)
    assert scan(client, code.token).status_code == 404
    assert scan(client, new.token).status_code == 200


def test_scan_is_recorded_once_per_client_per_window_and_each_client_counts(client, code, campaign, settings):
    settings.REFERRAL_SCAN_DEDUPE_WINDOW_S = 600
    for _ in range(5):
        assert scan(client, code.token).status_code == 200
    assert ScanEvent.objects.filter(code=code).count() == 1
    scan(client, code.token, ip="10.9.9.9", ua=ANDROID_CHROME)
    assert ScanEvent.objects.filter(code=code).count() == 2
    first = ScanEvent.objects.order_by("pk").first()
    assert first.at == NOW and first.client_type == "wechat"


def test_the_same_client_counts_again_after_the_window(client, code, campaign, settings):
    settings.REFERRAL_SCAN_DEDUPE_WINDOW_S = 600
    scan(client, code.token)
    with mock.patch("referrals.services.scans.cache.add", return_value=True):  # the window has expired
        scan(client, code.token)
    assert ScanEvent.objects.filter(code=code).count() == 2


def test_no_raw_ip_or_user_agent_is_stored_in_the_scan_row(client, code, campaign):
    scan(client, code.token, ip="203.0.113.77")
    row = ScanEvent.objects.values().get()
    stored = " ".join(str(v) for v in row.values())
    assert "203.0.113.77" not in stored and "MicroMessenger" not in stored
    assert row["client_hash"] == client_hash(remote_addr="203.0.113.77", user_agent=IPHONE_WECHAT)
    assert len(row["client_hash"]) == 32


def test_client_hash_is_keyed(settings):
    first = client_hash(remote_addr="203.0.113.77", user_agent="ua")
    settings.PII_HASH_KEY = "another-key"
    assert client_hash(remote_addr="203.0.113.77", user_agent="ua") != first


@pytest.mark.parametrize(
    ("ua", "kind"),
    [
        (IPHONE_WECHAT, "wechat"),
        (ANDROID_ALIPAY, "alipay"),
        (IPHONE_SAFARI, "ios"),
        (ANDROID_CHROME, "android"),
        (DESKTOP, "desktop"),
        ("curl/8.5.0", "other"),
        ("", "other"),
    ],
)
def test_client_type_detection(ua, kind):
    assert client_type_from_user_agent(ua) == kind


def test_scan_page_runs_few_queries_and_writes_no_session(client, code, campaign, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = scan(client, code.token)
    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert "csrftoken" in response.cookies
    # With the offer cached, a new client costs the code lookup and the INSERT; a deduplicated
    # scan not even the INSERT.
    with django_assert_max_num_queries(2):
        scan(client, code.token, ip="10.9.9.9")
    with django_assert_max_num_queries(1):
        scan(client, code.token)


def test_a_campaign_edit_reaches_the_scan_page_at_once_despite_the_offer_cache(client, code, campaign):
    assert "金秋转介季" in scan(client, code.token).content.decode()
    campaign.name = "冬季暖心贷"
    campaign.save()
    html = scan(client, code.token).content.decode()
    assert "冬季暖心贷" in html and "金秋转介季" not in html
    campaign.products.remove(ReferralProduct.objects.get(code="t_consumer"))
    assert "随心消费贷" not in scan(client, code.token).content.decode()


def test_the_scan_page_offer_is_cached_per_process_in_production(client, code, campaign, settings):
    from referrals.selectors import codes

    settings.REFERRAL_OFFER_LOCAL_S = 5
    codes.offer_cache_clear()
    scan(client, code.token)
    with mock.patch("referrals.selectors.codes.cache") as spy:
        scan(client, code.token, ip="10.7.7.7")
    spy.get.assert_not_called()
    codes.offer_cache_clear()


def test_scan_page_survives_a_cache_outage(client, code, campaign):
    with mock.patch("referrals.services.scans.cache") as broken:
        broken.add.side_effect = ConnectionError("redis down")
        broken.incr.side_effect = ConnectionError("redis down")
        response = scan(client, code.token)
    assert response.status_code == 200
    assert ScanEvent.objects.filter(code=code).count() == 1  # counted rather than lost


def test_scan_flood_from_one_client_is_refused_with_429(client, code, campaign, settings):
    settings.REFERRAL_SCAN_RATE_LIMIT = 3
    settings.REFERRAL_SCAN_RATE_WINDOW_S = 60
    assert [scan(client, code.token).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = scan(client, code.token)
    assert refused.status_code == 429 and "操作过于频繁" in refused.content.decode()
    # Token guessing is limited by the same counter, before any lookup.
    assert scan(client, "guess-" + "0" * 26).status_code == 429
    # Another client is unaffected.
    assert scan(client, code.token, ip="10.7.7.7").status_code == 200


def test_scan_is_recorded_in_the_shanghai_campaign_day(client, code):
    late = dt.datetime(2024, 11, 30, 23, 30, tzinfo=clock.SHANGHAI)
    campaign_with_products(end=dt.date(2024, 11, 30))
    with clock.frozen(late):
        html = scan(client, code.token).content.decode()
    assert "金秋转介季" in html


@pytest.mark.parametrize("kind", ["personal", "mgm"])
def test_the_fast_scan_page_is_the_same_html_as_a_full_render(rf, frozen, campaign, kind):
    import re

    from referrals import public_views
    from referrals.selectors.codes import public_offer, scan_target_resolve

    staff = StaffFactory(name="李<b>四", institution=tree()["OUT2"])
    if kind == "mgm":
        code = mgm_code_create(
            staff=staff, intermediary_kind="estate_agency", intermediary_name="链家&朝阳店", intermediary_contact="", by=None
        )
    else:
        code = referral_code_issue(staff=staff, issued_by=None)
    target, offer = scan_target_resolve(token=code.token), public_offer()
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    fast = public_views._landing_fast(rf.get(f"/r/{code.token}"), target=target, offer=offer).content.decode()
    full = public_views._landing(rf.get(f"/r/{code.token}"), target=target, offer=offer).content.decode()
    assert csrf.sub("CSRF", fast) == csrf.sub("CSRF", full)
    assert "Placeholder" not in fast
    assert "李*" in fast and "李&lt;b&gt;四" not in fast
    if kind == "mgm":
        assert "链家&amp;朝阳店" in fast


def test_two_customers_behind_the_banks_proxy_are_limited_separately(client, code, campaign, settings):
    settings.TRUSTED_PROXIES = ["10.0.8.0/24"]
    settings.REFERRAL_SCAN_RATE_LIMIT = 2

    def via_proxy(customer_ip):
        return client.get(f"/r/{code.token}", REMOTE_ADDR="10.0.8.2", HTTP_X_FORWARDED_FOR=customer_ip, HTTP_USER_AGENT=IPHONE_WECHAT).status_code

    assert [via_proxy("203.0.113.5") for _ in range(3)] == [200, 200, 429]
    assert via_proxy("203.0.113.6") == 200  # the same phone browser, another customer
    # and each is its own client for de-duplication: two scans counted, not one
    assert ScanEvent.objects.filter(code=code).count() == 2


def test_a_forged_forwarded_header_does_not_dodge_the_scan_limit(client, code, campaign, settings):
    settings.TRUSTED_PROXIES = ["10.0.8.0/24"]
    settings.REFERRAL_SCAN_RATE_LIMIT = 2
    codes = [
        client.get(f"/r/{code.token}", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{i}", HTTP_USER_AGENT=IPHONE_WECHAT).status_code
        for i in range(3)
    ]
    assert codes == [200, 200, 429]


def test_the_page_names_the_bank_its_hotline_and_the_data_controller(client, code, campaign, settings):
    settings.BANK_NAME, settings.BANK_HOTLINE = "长春农商银行", "96888"
    settings.DATA_CONTROLLER_NAME, settings.DATA_CONTROLLER_CONTACT = "长春农商银行股份有限公司", "dpo@example.cn"
    html = scan(client, code.token).content.decode()
    assert "长春农商银行" in html and "客服热线 96888" in html and 'href="tel:96888"' in html
    privacy = client.get("/r/privacy").content.decode()
    assert "长春农商银行股份有限公司" in privacy and "dpo@example.cn" in privacy


def test_the_referrer_is_shown_in_full_only_where_the_employee_agreed(client, code, campaign):
    from org.tests.factories import user_for

    assert "张**" in scan(client, code.token).content.decode()
    employee = Client()
    employee.force_login(user_for(code.staff))
    assert employee.post("/referrals/me/code/name-display", {"show_full_name": "1"}).status_code == 302
    html = scan(client, code.token, ip="10.9.9.9").content.decode()
    assert "张晓明" in html and "张**" not in html
    employee.post("/referrals/me/code/name-display", {"show_full_name": "0"})
    assert "张晓明" not in scan(client, code.token, ip="10.9.9.8").content.decode()
