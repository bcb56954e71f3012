import pytest
from django.urls import reverse

from org.tests.factories import StaffFactory, user_for

from .reporting_data import known_week

pytestmark = pytest.mark.django_db


def manager(client, scope, no):
    client.force_login(user_for(StaffFactory(employee_no=no, institution=scope), scope=scope))


def get(client, name, **params):
    return client.get(reverse(f"referrals:{name}"), params)


def test_progress_rolls_up_children_against_targets_and_drills_down_to_people(client, django_assert_max_num_queries):
    data = known_week()
    manager(client, data["tree"]["BR1"], "BM801")
    with django_assert_max_num_queries(19):
        resp = get(client, "dashboard", period="2024-W45")
    assert resp.status_code == 200
    ctx = resp.context
    rows = {r.institution.code: r for r in ctx["rows"]}
    assert (rows["SB1"].submitted, rows["SB1"].target_applications) == (7, 6)
    assert (rows["SB2"].submitted, rows["SB2"].target_applications, rows["SB2"].behind) == (1, 5, True)
    assert ctx["total_submitted"] == 8 and ctx["total_target"] == 11
    assert "全民营销 邀享好礼" in resp.content.decode() and "people" not in ctx
    assert [(w["period"].code, w["submitted"], w["target"]) for w in ctx["trend"][-2:]] == [("2024-W44", 1, None), ("2024-W45", 8, 11)]
    with django_assert_max_num_queries(19):
        resp = get(client, "dashboard", period="2024-W45", inst="SB1")
    people = {p.employee_no: (p.submitted, p.rank) for p in resp.context["people"]}
    assert people == {"A001": (3, 1), "B001": (2, 2), "C001": (2, 2)}
    out = {r.institution.code: r for r in resp.context["rows"]}
    assert out["OUT1"].attainment_pct == pytest.approx(125.0)


def test_pages_outside_scope_answer_404(client):
    data = known_week()
    manager(client, data["tree"]["BR1"], "BM802")
    for name in ("dashboard", "dashboard-funnel", "dashboard-behind", "dashboard-honours"):
        assert get(client, name, inst="BR2").status_code == 404
        assert get(client, name, inst="OUT4").status_code == 404
        assert get(client, name, inst="OUT1").status_code == 200
    client.force_login(user_for(data["A"]))
    assert get(client, "dashboard").status_code == 404


def test_funnel_shows_scans_to_disbursed_and_rejection_reasons(client, django_assert_max_num_queries):
    data = known_week()
    manager(client, data["tree"]["SB1"], "OH801")
    with django_assert_max_num_queries(16):
        resp = get(client, "dashboard-funnel", period="2024-W45")
    rows = {r.institution.code: r for r in resp.context["rows"]}
    assert (rows["OUT1"].scans, rows["OUT1"].submitted, rows["OUT1"].approved, rows["OUT1"].rejected) == (3, 5, 2, 2)
    html = resp.content.decode()
    assert "征信不良：2" in html and "收入不足：1" in html
    a = next(p for p in resp.context["people"] if p.employee_no == "A001")
    assert (a.scans, a.approval_pct) == (3, pytest.approx(200 / 3))


def test_behind_list_names_institutions_below_target_and_people_without_applications(client, django_assert_max_num_queries):
    data = known_week()
    manager(client, data["tree"]["BR1"], "BM803")
    with django_assert_max_num_queries(16):
        resp = get(client, "dashboard-behind", period="2024-W45")
    assert [(t.institution.code, t.actual, t.shortfall) for t in resp.context["institutions"]] == [("OUT3", 1, 4)]
    # F and G have no application; the manager (BM803, at BR1 itself) has none either.
    assert [s.employee_no for s in resp.context["people"]] == ["BM803", "F001", "G001"]
    assert "约谈名单" in resp.content.decode()


def test_honours_of_the_month(client, django_assert_max_num_queries):
    data = known_week()
    manager(client, data["tree"]["BR2"], "BM804")
    with django_assert_max_num_queries(16):
        resp = get(client, "dashboard-honours", period="2024-11")
    h = resp.context["honours"]
    # Bank-wide honours are public recognition: everyone's name and figure, but employee numbers only
    # inside the viewer's scope (BR2 here).
    assert [r["staff__name"] for r in h.top_applications][:1] == ["张三"]
    assert [r["staff__employee_no"] for r in h.top_applications] == ["", "", "", "", "E001"]
    html = resp.content.decode()
    assert "张三" in html and "A001" not in html and "E001" in html
    assert [b["institution"].code for b in resp.context["branches"]] == ["BR2"]
    assert [r["staff__employee_no"] for r in resp.context["branches"][0]["applications"]] == ["E001"]


def test_bad_period_is_explained_in_chinese(client):
    data = known_week()
    manager(client, data["tree"]["BR1"], "BM805")
    resp = get(client, "dashboard", period="2024-W77")
    assert resp.status_code == 200 and "无法识别的期间" in resp.content.decode()
    resp = get(client, "dashboard-honours", period="2024-W45")
    assert "此页面的期间应为：月" in resp.content.decode()


def test_breadcrumbs_start_at_the_top_of_the_viewers_scope(client):
    data = known_week()
    manager(client, data["tree"]["OUT1"], "OH809")
    resp = get(client, "dashboard-honours", period="2024-11")
    assert [i.code for i in resp.context["trail"]] == ["OUT1"]
    # The outlet's branch still decides which branch top 3 the page shows.
    assert [b["institution"].code for b in resp.context["branches"]] == ["BR1"]


def test_honours_open_on_the_last_complete_month(client):
    import datetime as dt

    from org import clock

    data = known_week()
    manager(client, data["tree"]["BR1"], "BM811")
    with clock.frozen(dt.datetime(2024, 12, 2, 9, 0, tzinfo=clock.SHANGHAI)):
        resp = client.get("/referrals/dashboard/honours/")
    assert resp.context["period"].code == "2024-11"
    assert resp.context["honours"].top_applications  # November's stars, not an empty December
