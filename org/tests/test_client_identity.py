"""Who the client is behind the reverse proxy, one limiter for every sign-in, scan and lead form,
the admin's network, and sign-in with the cache down (issue 7 §1 and §5)."""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from org.ratelimit import client_ip
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db
PROXY = "10.0.8.2"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1", "10.0.8.0/24"]
    return settings


@pytest.fixture
def manager():
    t = tree()
    return user_for(StaffFactory(employee_no="OH0001", institution=t["SB1"]), scope=t["SB1"], password="right-pass-1")


def sign_in(client, username, password, *, peer=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": peer}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/login/", {"username": username, "password": password}, **extra)


def errors(resp):
    return list(resp.context["form"].non_field_errors()) if resp.status_code == 200 else []


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("10.0.8.2", "203.0.113.5", "203.0.113.5"),  # the proxy says who the client is
        ("10.0.8.2", "198.51.100.1, 203.0.113.5", "203.0.113.5"),  # a client-sent hop before it is not believed
        ("10.0.8.2", "203.0.113.5, 10.0.8.7", "203.0.113.5"),  # two of our proxies in a row
        ("198.51.100.9", "203.0.113.5", "198.51.100.9"),  # an untrusted peer's header is ignored
        ("10.0.8.2", "not-an-address", "10.0.8.2"),  # a malformed chain falls back to the peer
        ("10.0.8.2", None, "10.0.8.2"),
    ],
)
def test_client_address_is_resolved_from_trusted_proxies_only(behind_proxy, peer, forwarded, expected):
    extra = {"REMOTE_ADDR": peer} | ({"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {})
    assert client_ip(RequestFactory().get("/", **extra)) == expected


def test_without_trusted_proxies_the_header_is_never_believed(settings):
    settings.TRUSTED_PROXIES = []
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.8.2", HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert client_ip(request) == "10.0.8.2"


def test_two_clients_behind_one_proxy_are_throttled_separately(client, manager, behind_proxy):
    behind_proxy.LOGIN_FAILURE_LIMIT_PER_CLIENT = 3
    for i in range(3):
        sign_in(client, f"U{i:03d}", "guess", forwarded="203.0.113.5")
    assert errors(sign_in(client, "OH0001", "right-pass-1", forwarded="203.0.113.5")) == ["登录失败次数过多，请 15 分钟后再试"]
    # Before the fix every request carried the proxy's address: the whole bank was locked out.
    assert sign_in(client, "OH0001", "right-pass-1", forwarded="203.0.113.6").status_code == 302


def test_a_forged_header_from_an_untrusted_peer_does_not_dodge_the_limit(client, manager, behind_proxy):
    behind_proxy.LOGIN_FAILURE_LIMIT_PER_CLIENT = 3
    for i in range(3):
        sign_in(client, f"U{i:03d}", "guess", peer="198.51.100.9", forwarded=f"203.0.113.{i}")
    resp = sign_in(client, "OH0001", "right-pass-1", peer="198.51.100.9", forwarded="203.0.113.200")
    assert errors(resp) == ["登录失败次数过多，请 15 分钟后再试"]


def test_the_token_api_counts_the_client_behind_the_proxy_too(manager, behind_proxy):
    behind_proxy.LOGIN_FAILURE_LIMIT_PER_CLIENT = 2
    api = APIClient()
    for i in range(2):
        api.post("/api/v1/auth/token", {"employee_no": f"U{i}", "password": "x"}, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    blocked = api.post("/api/v1/auth/token", {"employee_no": "OH0001", "password": "right-pass-1"}, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert blocked.status_code == 429
    other = api.post("/api/v1/auth/token", {"employee_no": "OH0001", "password": "right-pass-1"}, format="json", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert other.status_code == 200


@pytest.fixture
def admin_user():
    from org.models import User

    return User.objects.create_superuser("ADMIN1", password="right-admin-pass")


def admin_sign_in(client, password, *, peer="10.1.1.1"):
    return client.post("/admin/login/?next=/admin/", {"username": "ADMIN1", "password": password}, REMOTE_ADDR=peer)


def test_admin_sign_in_is_throttled_like_every_other_sign_in(client, admin_user):
    for i in range(25):
        admin_sign_in(client, f"wrong-{i}", peer=f"10.1.{i}.1")
    resp = admin_sign_in(client, "right-admin-pass", peer="10.9.9.9")
    assert resp.status_code == 200  # not signed in
    assert "该账号登录失败次数过多" in resp.content.decode()
    assert client.get("/admin/").status_code == 302


def test_admin_sign_in_still_works_below_the_limit(client, admin_user):
    admin_sign_in(client, "wrong")
    resp = admin_sign_in(client, "right-admin-pass")
    assert resp.status_code == 302 and resp["Location"] == "/admin/"


def test_the_admin_can_be_limited_to_a_network(client, admin_user, behind_proxy):
    behind_proxy.ADMIN_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    outside = client.get("/admin/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5")
    assert outside.status_code == 404
    inside = client.get("/admin/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="10.20.3.4")
    assert inside.status_code == 200
    # The rest of the product is not affected.
    assert client.get("/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 200


@pytest.fixture
def cache_down(settings):
    """Redis on a port nobody listens on: every cache call raises a connection error."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:9/0"}}
    return settings


def test_sign_in_keeps_working_with_the_cache_down(client, manager, cache_down, caplog):
    wrong = sign_in(client, "OH0001", "wrong")
    assert errors(wrong) == ["员工号或密码错误，请重新输入。"]
    assert sign_in(client, "OH0001", "right-pass-1").status_code == 302
    assert "Rate-limit cache unavailable" in caplog.text


def test_token_sign_in_keeps_working_with_the_cache_down(manager, cache_down):
    resp = APIClient().post("/api/v1/auth/token", {"employee_no": "OH0001", "password": "right-pass-1"}, format="json")
    assert resp.status_code == 200 and resp.json()["token"]
