import datetime as dt

import pytest

from org import clock, services
from org.models import AuditLog, WeChatBindCode, WeChatBinding
from org.tests.factories import StaffFactory, tree, user_for
from org.wechat import bind_code_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank():
    t = tree()
    people = {
        "a": StaffFactory(employee_no="A001", name="王小明", mobile="13900001111", institution=t["OUT1"]),
        "b": StaffFactory(employee_no="A002", name="李丽", institution=t["OUT1"], positions=";loan_officer;"),
        "c": StaffFactory(
            employee_no="A003", name="赵华", institution=t["OUT2"], employment_type="outsourced", positions=";lobby_manager;"
        ),
        "d": StaffFactory(employee_no="A004", name="陈伟", institution=t["OUT3"]),
        "gone": StaffFactory(employee_no="A005", name="刘芳", institution=t["OUT3"], active_to=dt.date(2023, 12, 31)),
        "far": StaffFactory(employee_no="B001", name="黄军", institution=t["OUT4"]),
    }
    br1_head = StaffFactory(employee_no="BM001", name="杨明", institution=t["BR1"], positions=";branch_manager;")
    manager = user_for(br1_head, scope=t["BR1"])
    return {"tree": t, "people": people, "manager": manager, "head": br1_head}


@pytest.fixture
def manager_client(client, bank):
    client.force_login(bank["manager"])
    return client


def test_tree_page_starts_at_the_top_of_the_scope_with_subtree_counts(manager_client, bank):
    resp = manager_client.get("/org/institutions/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "长春分行" in html
    counts = {c.code: c.staff_count for c in resp.context["children"]}
    # SB1: A001, A002 (OUT1) and A003 (OUT2); SB2: A004 only, A005 has left.
    assert counts == {"SB1": 3, "SB2": 1}
    assert resp.context["node_count"] == 5  # the four above and the branch head at BR1


def test_drilling_down_shows_the_children_of_the_chosen_node(manager_client):
    resp = manager_client.get("/org/institutions/?node=SB1")
    assert {c.code: c.staff_count for c in resp.context["children"]} == {"OUT1": 2, "OUT2": 1}
    assert [i.code for i in resp.context["trail"]] == ["BR1", "SB1"]


def test_the_childrens_counts_take_one_query_however_many_children(manager_client, bank, django_assert_max_num_queries):
    for i in range(12):
        services.institution_create(code=f"SBX{i}", name=f"新支行{i}", kind="sub_branch", parent=bank["tree"]["BR1"])
    with django_assert_max_num_queries(12):
        resp = manager_client.get("/org/institutions/")
    assert len(resp.context["children"]) == 14


def test_institution_detail_lists_children_and_its_own_staff(manager_client):
    resp = manager_client.get("/org/institutions/OUT1/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "人民广场网点" in html and "A001" in html and "A002" in html and "A004" not in html
    assert resp.context["direct_count"] == 2
    assert resp.context["institution"].staff_count == 2


def test_staff_list_searches_and_filters_within_scope(manager_client):
    def nos(query):
        resp = manager_client.get("/org/staff/" + query)
        assert resp.status_code == 200
        return [s.employee_no for s in resp.context["staff_list"]]

    assert nos("") == ["A001", "A002", "A003", "A004", "A005", "BM001"]
    assert nos("?q=王小") == ["A001"]
    assert nos("?institution=SB1") == ["A001", "A002", "A003"]
    assert nos("?position=loan_officer") == ["A002"]
    assert nos("?employment_type=outsourced") == ["A003"]
    with clock.frozen(dt.datetime(2024, 6, 1, 9, 0)):
        assert nos("?active=false") == ["A005"]
    # Outside the scope: filtering on another branch's outlet finds nobody.
    assert nos("?institution=OUT4") == []
    assert nos("?q=B001") == []


def test_staff_list_is_paginated_and_keeps_the_filter_across_pages(manager_client, bank):
    for i in range(55):
        StaffFactory(employee_no=f"P{i:03d}", institution=bank["tree"]["OUT2"])
    first = manager_client.get("/org/staff/?institution=OUT2")
    assert len(first.context["staff_list"]) == 50
    assert "?institution=OUT2&amp;staff_page=2" in first.content.decode()
    second = manager_client.get("/org/staff/?institution=OUT2&staff_page=2")
    assert len(second.context["staff_list"]) == 6


def test_staff_list_query_count_does_not_grow_with_rows(manager_client, bank, django_assert_max_num_queries):
    for i in range(40):
        StaffFactory(employee_no=f"Q{i:03d}", institution=bank["tree"]["OUT3"])
    with django_assert_max_num_queries(10):
        resp = manager_client.get("/org/staff/")
    assert len(resp.context["staff_list"]) == 46


def test_staff_detail_shows_history_positions_and_binding_and_is_audited(manager_client, bank):
    a = bank["people"]["a"]
    services.staff_transfer(staff=a, institution=bank["tree"]["OUT3"], effective=dt.date(2024, 6, 1))
    resp = manager_client.get("/org/staff/A001/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "13900001111" in html  # a manager in scope sees the full mobile …
    assert AuditLog.objects.filter(action="staff.view", object_id=str(a.pk), user=bank["manager"]).count() == 1  # … and it is logged
    assert [h.institution.code for h in resp.context["history"]] == ["OUT3", "OUT1"]
    assert "2024-05-31" in html and "至今" in html
    assert "理财经理" in html
    assert "未绑定" in html and "生成绑定码" in html


def test_the_bind_code_button_shows_a_code_once_and_stores_only_its_hash(manager_client, bank):
    resp = manager_client.post("/org/staff/A001/wechat-bind-code/")
    assert resp.status_code == 200
    code = resp.context["bind_code"]
    assert code in resp.content.decode()
    assert resp["Cache-Control"] == "no-store"
    row = WeChatBindCode.objects.get(staff=bank["people"]["a"])
    assert row.code_hash == bind_code_hash(code) and row.issued_by == bank["manager"]
    # Reloading the page does not show it again.
    assert code not in manager_client.get("/org/staff/A001/").content.decode()


def test_a_bound_employee_shows_the_binding_and_no_button(manager_client, bank):
    WeChatBinding.objects.create(staff=bank["people"]["a"], openid="o-1", bound_at=dt.datetime(2024, 5, 1, 10, 0, tzinfo=clock.SHANGHAI))
    html = manager_client.get("/org/staff/A001/").content.decode()
    assert "已绑定（2024-05-01 10:00）" in html and "生成绑定码" not in html
    refused = manager_client.post("/org/staff/A001/wechat-bind-code/", follow=True)
    assert "员工 A001 已绑定微信，如需更换请先由系统管理员解除原绑定" in refused.content.decode()
    assert not WeChatBindCode.objects.exists()


def test_pages_appear_in_the_managers_menu_only(client, manager_client, bank):
    html = manager_client.get("/").content.decode()
    assert 'href="/org/institutions/"' in html and 'href="/org/staff/"' in html
    plain = user_for(bank["people"]["a"])
    client.force_login(plain)
    html = client.get("/").content.decode()
    assert 'href="/org/institutions/"' not in html


def test_the_menu_is_reversed_once_per_audience_and_anew_after_a_new_entry(monkeypatch):
    import django.urls

    from org import navigation

    monkeypatch.setattr(navigation, "_items", dict(navigation._items))  # the registry as it was, after the test
    monkeypatch.setattr(navigation, "_menus", {})
    calls = []
    original = django.urls.reverse
    monkeypatch.setattr(django.urls, "reverse", lambda name, *a, **k: calls.append(name) or original(name, *a, **k))
    manager = navigation.menu(staff=False, manager=True, head_office=False)
    assert {"label": "员工", "url": "/org/staff/"} in manager and "org_staff" in calls
    calls.clear()
    assert navigation.menu(staff=False, manager=True, head_office=False) == manager and calls == []  # kept
    head_office = navigation.menu(staff=False, manager=True, head_office=True)
    assert len(head_office) > len(manager) and calls  # another audience: its own menu
    navigation.register(label="新页面", url_name="no_such_page", audience="manager", order=99)
    calls.clear()
    assert navigation.menu(staff=False, manager=True, head_office=False) == manager and "no_such_page" in calls  # anew; unknown left out


def test_head_office_sees_the_whole_bank(client, bank):
    ho = user_for(StaffFactory(employee_no="HQ001", institution=bank["tree"]["HO"]), scope=bank["tree"]["HO"])
    client.force_login(ho)
    resp = client.get("/org/institutions/")
    assert {c.code: c.staff_count for c in resp.context["children"]} == {"BR1": 5, "BR2": 1}
    assert client.get("/org/staff/B001/").status_code == 200


def test_the_menu_speaks_the_active_language(monkeypatch):
    from django.utils import translation

    from org import navigation

    monkeypatch.setattr(navigation, "_menus", {})
    with translation.override("zh-hans"):
        chinese = {e["url"]: e["label"] for e in navigation.menu(staff=False, manager=True, head_office=True)}
    with translation.override("en"):
        english = {e["url"]: e["label"] for e in navigation.menu(staff=False, manager=True, head_office=True)}
    assert chinese["/org/staff/"] == "员工" and english["/org/staff/"] == "Staff"
    assert chinese["/reporting/league/"] == "排行榜" and english["/reporting/league/"] == "League tables"


@pytest.mark.parametrize("number", ["E001", "a b", "王01", "x?y#z", "100%", "~:@!$&'()*+,;="])
def test_staff_url_is_what_reverse_answers(number):
    from django.urls import reverse, set_script_prefix

    from org.navigation import staff_url

    assert staff_url(number) == reverse("org_staff_detail", args=[number])
    set_script_prefix("/bank/")
    try:
        assert staff_url(number) == reverse("org_staff_detail", args=[number]) and staff_url(number).startswith("/bank/")
    finally:
        set_script_prefix("/")


def test_staff_url_refuses_what_reverse_refuses():
    from django.urls import NoReverseMatch

    from org.navigation import staff_url

    for number in ("", "a/b"):
        with pytest.raises(NoReverseMatch):
            staff_url(number)
