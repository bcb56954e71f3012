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


def test_a_page_reads_the_periods_working_days_once_and_its_own_node_without_lookups(client):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from org import clock

    data = known_week()
    manager(client, data["tree"]["SB1"], "SM801")
    with clock.frozen(dt.datetime(2024, 11, 6, 10, tzinfo=clock.SHANGHAI)), CaptureQueriesContext(connection) as q:  # mid-week
        resp = get(client, "dashboard", period="2024-W45")
    assert resp.status_code == 200 and [i.code for i in resp.context["trail"]] == ["SB1"]
    sql = [x["sql"] for x in q.captured_queries]
    assert sum("org_calendarday" in s for s in sql) == 1  # tiles and tables share one read (org.memo)
    # session, user, rule, campaign, children, the rollup of applications, scans and leads, the
    # targets of the node and its children, working days, the trend, its targets, the people (was 17)
    assert len(sql) <= 12, "\n".join(sql)


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
    institutions, people = resp.context["tables"]
    assert [(t.institution.code, t.actual, t.shortfall) for t in institutions.page.object_list] == [("OUT3", 1, 4)]
    # F and G have no application; the manager (BM803, at BR1 itself) has none either.
    assert [s.employee_no for s in people.page.object_list] == ["BM803", "F001", "G001"]
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


def test_every_widget_reads_the_same_target_of_a_node(client, settings):
    """One selector: the outlet's own page, its row on the parent's page and the trend agree, and a
    target set on a branch is never added to its outlets' targets."""
    import datetime as dt
    from decimal import Decimal

    from org.periods import Period
    from referrals.selectors.reporting import referral_targets
    from referrals.tests.reporting_data import campaign_target

    data = known_week()
    t, campaign = data["tree"], data["campaign"]
    week = Period.parse("2024-W45")
    # SB1 sets its own 10 (more than OUT1 4 + OUT2 2): SB1 reads 10, BR1 reads 10 + SB2's 5.
    campaign_target(campaign, t["SB1"], dt.date(2024, 11, 4), 10, Decimal("1"))
    got = referral_targets(nodes=[t["BR1"], t["SB1"], t["OUT1"]], period=week, campaign=campaign)
    assert (got[t["BR1"].pk].applications, got[t["SB1"].pk].applications, got[t["OUT1"].pk].applications) == (15, 10, 4)
    manager(client, t["BR1"], "BM803")
    outlet_page = get(client, "dashboard", period="2024-W45", inst="OUT1").context
    parent_page = get(client, "dashboard", period="2024-W45", inst="SB1").context
    row = next(r for r in parent_page["rows"] if r.institution.code == "OUT1")
    assert outlet_page["total_target"] == row.target_applications == outlet_page["trend"][-1]["target"] == 4
    assert get(client, "dashboard", period="2024-W45").context["total_target"] == 15


def test_behind_compares_attainment_with_time_progress(client, monkeypatch):
    """Read on Wednesday of 2024-W45 (3 of 5 working days, 60 %): 1 of 5 (20 %) is behind, 3 of 5
    (60 %) is not; the same figures at the week's end are both judged against 100 %."""
    import datetime as dt

    from org import clock
    from org.clock import SHANGHAI
    from org.periods import Period
    from referrals.selectors.reporting import referral_institution_figures

    data = known_week()
    week = Period.parse("2024-W45")
    wednesday = dt.datetime(2024, 11, 6, 18, tzinfo=SHANGHAI)
    rows = {r.institution.code: r for r in referral_institution_figures(scope=data["tree"]["SB1"], period=week, campaign=data["campaign"], at=wednesday)}
    out1, out2 = rows["OUT1"], rows["OUT2"]  # OUT1: 5 of 4 (125 %); OUT2: C 2 + D 1 = 3 of 2
    assert out1.time_progress == pytest.approx(0.6) and not out1.behind and not out2.behind
    rows = {r.institution.code: r for r in referral_institution_figures(scope=data["tree"]["BR1"], period=week, campaign=data["campaign"], at=wednesday)}
    sb2 = rows["SB2"]  # 1 of 5 = 20 % < 60 %
    assert sb2.behind and sb2.progress.pct == pytest.approx(20.0)
    monkeypatch.setattr(clock, "now", lambda: wednesday)
    manager(client, data["tree"]["BR1"], "BM804")
    html = get(client, "dashboard", period="2024-W45").content.decode()
    assert "序时进度" in html and "60.0%" in html


def test_the_behind_list_is_paged_searched_and_exported_by_the_database(client):
    """约谈名单 of a big scope: 50 a page, a search across all pages, the export has every row."""
    import io

    from openpyxl import load_workbook

    data = known_week()
    out3 = data["tree"]["OUT3"]
    for i in range(120):
        StaffFactory(employee_no=f"Z{i:03d}", name=f"员工{i:03d}", institution=out3)
    StaffFactory(employee_no="Z999", name="=HYPERLINK(\"http://x\")", institution=out3)
    manager(client, data["tree"]["BR1"], "BM806")
    first = get(client, "dashboard-behind", period="2024-W45")
    people = first.context["tables"][1]
    assert people.page.paginator.count == 124 and len(people.page.object_list) == 50
    html = first.content.decode()
    assert "共 124 条" in html and "第 1 / 3 页" in html and "behind_people_page=2" in html
    last = get(client, "dashboard-behind", period="2024-W45", behind_people_page="3").context["tables"][1]
    assert len(last.page.object_list) == 24
    found = get(client, "dashboard-behind", period="2024-W45", behind_people_q="员工11").context["tables"][1]
    assert [s.employee_no for s in found.page.object_list] == [f"Z{i}" for i in range(110, 120)]
    ordered = get(client, "dashboard-behind", period="2024-W45", behind_people_sort="-employee_no").context["tables"][1]
    assert ordered.page.object_list[0].employee_no == "Z999"
    export = get(client, "dashboard-behind", period="2024-W45", export="behind_people")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(export.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("员工号", "姓名", "机构", "岗位") and len(rows) == 125
    evil = next(r for r in rows if r[0] == "Z999")
    cell = next(c for c in ws["B"] if c.value == evil[1])
    assert evil[1].startswith("=HYPERLINK") and cell.data_type == "s" and cell.quotePrefix
