"""Outside the caller's scope every organisation page and endpoint answers 404, never 403 and never
the object (SPEC §2). One table of every URL that names an object, checked for each kind of caller."""

import pytest
from rest_framework.test import APIClient

from org.models import AuditLog, WeChatBindCode
from org.tests.factories import StaffFactory, tree, user_for

pytestmark = pytest.mark.django_db

# (method, url) naming an object in branch BR2 (institution SB3/OUT4, employee FAR01).
OUT_OF_SCOPE = [
    ("get", "/org/institutions/?node=SB3"),
    ("get", "/org/institutions/OUT4/"),
    ("get", "/org/institutions/BR2/"),
    ("get", "/org/staff/FAR01/"),
    ("post", "/org/staff/FAR01/wechat-bind-code/"),
    ("get", "/api/v1/staff/FAR01/"),
    ("post", "/api/v1/staff/FAR01/wechat-bind-code"),
    ("get", "/api/v1/institutions/OUT4/"),
    ("get", "/api/v1/institutions/SB3/"),
]
# Pages and endpoints for managers only: an employee without a scope gets 404 on each.
MANAGER_ONLY = [
    ("get", "/org/institutions/"),
    ("get", "/org/institutions/OUT1/"),
    ("get", "/org/staff/"),
    ("get", "/org/staff/IN01/"),
    ("post", "/org/staff/IN01/wechat-bind-code/"),
    ("get", "/api/v1/institutions/"),
    ("get", "/api/v1/institutions/OUT1/"),
    ("post", "/api/v1/staff/IN01/wechat-bind-code"),
]


@pytest.fixture
def bank():
    t = tree()
    inside = StaffFactory(employee_no="IN01", institution=t["OUT1"])
    StaffFactory(employee_no="FAR01", institution=t["OUT4"])
    br1 = user_for(StaffFactory(employee_no="BM01", institution=t["BR1"]), scope=t["BR1"])
    outlet = user_for(StaffFactory(employee_no="OH01", institution=t["OUT1"]), scope=t["OUT1"])
    plain = user_for(inside)
    return {"tree": t, "br1": br1, "outlet": outlet, "plain": plain}


def call(user, method, url):
    client = APIClient()
    client.force_login(user)  # a session works for pages and, with CSRF off in the test client, the API
    return getattr(client, method)(url)


@pytest.mark.parametrize(("method", "url"), OUT_OF_SCOPE)
@pytest.mark.parametrize("who", ["br1", "outlet", "plain"])
def test_objects_of_another_branch_are_404(bank, who, method, url):
    resp = call(bank[who], method, url)
    assert resp.status_code == 404, (who, url, resp.status_code)
    assert "FAR01" not in resp.content.decode() and "江城网点" not in resp.content.decode()


@pytest.mark.parametrize(("method", "url"), MANAGER_ONLY)
def test_an_employee_without_a_scope_finds_nothing_on_manager_pages(bank, method, url):
    assert call(bank["plain"], method, url).status_code == 404


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/org/institutions/?node=SB1"), ("get", "/org/institutions/SB1/"), ("get", "/api/v1/institutions/BR1/")],
)
def test_an_outlet_head_cannot_look_up_the_tree(bank, method, url):
    assert call(bank["outlet"], method, url).status_code == 404


@pytest.mark.parametrize(("method", "url"), OUT_OF_SCOPE + MANAGER_ONLY)
def test_the_same_urls_work_inside_the_scope_of_head_office(bank, method, url):
    head_office = user_for(StaffFactory(employee_no="HQ01", institution=bank["tree"]["HO"]), scope=bank["tree"]["HO"])
    resp = call(head_office, method, url)
    assert resp.status_code in (200, 201), (url, resp.status_code)


def test_nothing_is_written_or_logged_by_a_refused_request(bank):
    for method, url in OUT_OF_SCOPE:
        call(bank["br1"], method, url)
    assert not WeChatBindCode.objects.exists()
    assert not AuditLog.objects.filter(action__in=["staff.view", "wechat.bind_code_issue"]).exists()


def test_signed_out_visitors_are_sent_to_sign_in_or_get_401(client, bank):
    for url in ["/org/institutions/", "/org/staff/", "/org/staff/IN01/"]:
        resp = client.get(url)
        assert resp.status_code == 302 and resp["Location"].startswith("/login/")
    assert APIClient().get("/api/v1/institutions/").status_code == 401


@pytest.mark.parametrize(("scope", "node", "trail"), [
    ("BR1", "BR1", ["BR1"]),
    ("BR1", "SB1", ["BR1", "SB1"]),
    ("BR1", "OUT1", ["BR1", "SB1", "OUT1"]),
    ("SB1", "OUT2", ["SB1", "OUT2"]),
    ("HO", "OUT4", ["HO", "BR2", "SB3", "OUT4"]),
])
def test_breadcrumbs_run_from_the_top_of_the_scope_down_to_the_page_and_never_above(scope, node, trail, django_assert_max_num_queries):
    from org.scoping import institution_for, scope_trail

    t = tree()
    manager = user_for(StaffFactory(institution=t[scope], employee_no="TRAIL1"), scope=t[scope])
    page = institution_for(manager, node)  # as a page resolves ?inst= (with its parent)
    with django_assert_max_num_queries(0 if len(trail) <= 2 else 1):  # the scope's own node and its children need no lookup
        assert [i.code for i in scope_trail(manager, page)] == trail
