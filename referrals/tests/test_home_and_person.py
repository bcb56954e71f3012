"""The workbench per role and the person page: what a manager, an employee and someone outside
the scope see (figures, masking, the same rank as the mini-program, 404 outside the scope)."""

import io

import pytest
from openpyxl import load_workbook

from org.tests.factories import StaffFactory, user_for
from referrals.models import Application
from referrals.selectors.codes import personal_code_of

from .reporting_data import known_week

pytestmark = pytest.mark.django_db


def test_a_wealth_manager_signing_in_sees_their_own_code_customers_and_earnings(client):
    data = known_week()
    a = data["A"]
    code = personal_code_of(staff=a)
    Application.objects.filter(staff=a).update(customer_name="王小明")
    client.force_login(user_for(a))
    resp = client.get("/")
    html = resp.content.decode()
    assert resp.status_code == 200 and "我的转介" in html and code.token in html
    assert 'src="data:image/png;base64,' in html  # the QR code itself
    # Referred customers masked; products and statuses by their Chinese names.
    table = resp.context["sections"][0]["ctx"]["tables"][0]
    assert table.page.paginator.count == 4
    names = [row["cells"][2].text for row in table.body()]
    assert names == ["王**"] * 4 and "王小明" not in html
    assert "已放款" in html and "consumer_loan" not in html
    # The rank is the mini-program's: same selector, same figures.
    api = client.get("/api/v1/me/rank", {"period": "week"}).json()
    ranks = resp.context["sections"][0]["ctx"]["ranks"][0]
    assert ranks["bank"] == api["bank"] and ranks["applications"] == api["applications"]
    # No manager tiles for an employee without a scope.
    assert "staff-count" not in html and "home-referrals" not in html


def test_the_poster_and_a_new_code_for_oneself(client):
    data = known_week()
    a = StaffFactory(employee_no="NEW01", institution=data["tree"]["OUT1"])
    client.force_login(user_for(a))
    assert client.get("/referrals/me/poster.png").status_code == 404  # no code yet
    assert client.post("/referrals/me/code/issue").status_code == 302
    poster = client.get("/referrals/me/poster.png")
    assert poster.status_code == 200 and poster.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_manager_home_has_kpis_against_target_and_actions(client):
    data = known_week()
    bm = StaffFactory(employee_no="BM900", institution=data["tree"]["BR1"])
    client.force_login(user_for(bm, scope=data["tree"]["BR1"]))
    resp = client.get("/")
    html = resp.content.decode()
    assert "本周进件" in html and "序时进度" in html and "待核查的风险标记" in html
    actions = {a.label: a.count for a in resp.context["sections"][0]["ctx"]["actions"]}
    assert actions["待核查的风险标记"] == 1  # A's staff_mobile flag, pending
    assert 'data-testid="staff-count"' in html


def test_the_person_page_within_scope_and_404_outside(client):
    data = known_week()
    t = data["tree"]
    Application.objects.filter(staff=data["A"]).update(customer_name="王小明")
    sb = StaffFactory(employee_no="SB900", institution=t["SB1"])
    client.force_login(user_for(sb, scope=t["SB1"]))
    resp = client.get(f"/org/staff/{data['A'].employee_no}/")
    html = resp.content.decode()
    assert resp.status_code == 200 and "归属本人的进件" in html and "风险标记" in html and "本月转化漏斗" in html
    assert "任职记录" in html and "作废推荐码" in html and "data-confirm=" in html
    # Breadcrumbs start at the viewer's scope, never above it.
    assert [i.code for i in resp.context["trail"]][0] == "SB1"
    export = client.get(f"/org/staff/{data['A'].employee_no}/", {"export": "applications"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("进件编号", "产品", "客户", "状态") and len(rows) == 5
    assert all("*" in r[2] for r in rows[1:])
    # Someone in another sub-branch: 404, like an unknown employee number.
    assert client.get(f"/org/staff/{data['E'].employee_no}/").status_code == 404
    assert client.get("/org/staff/NOPE/").status_code == 404


def test_the_applications_list_shows_chinese_names_and_formatted_amounts(client):
    data = known_week()
    sb = StaffFactory(employee_no="SB901", institution=data["tree"]["SB1"])
    client.force_login(user_for(sb, scope=data["tree"]["SB1"]))
    html = client.get("/referrals/applications/").content.decode()
    assert "信用卡" in html and ">credit_card<" not in html
    assert "150,000.00" in html and "放款金额(元)" in html and "已放款" in html
    assert "待核查" in html and 'data-confirm="确认违规？' in html
    sorted_html = client.get("/referrals/applications/", {"applications_sort": "-disbursed_amount"}).content.decode()
    assert sorted_html.index("150,000.00") < sorted_html.index("99,999.00")
