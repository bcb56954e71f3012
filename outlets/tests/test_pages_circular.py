import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from org import clock
from org.models import Customer, Staff
from org.periods import Period
from org.tests.factories import StaffFactory, tree, user_for
from org.tests.importing_utils import write_xlsx
from outlets.models import InspectionSheet, OutletGrade, PointsTable, VipCustomer
from outlets.services.grades import outlet_grades_compute
from outlets.services.inspections import inspection_record
from outlets.tests.helpers import import_sales, manager, table_v1
from reporting.services import circular_workbook

pytestmark = pytest.mark.django_db
Q1, Q2 = Period.parse("2025-Q1"), Period.parse("2025-Q2")


@pytest.fixture
def data(tmp_path):
    table_v1()
    people = [manager(f"M{i}") for i in range(6)]
    manager("FAR", "OUT4")
    rows = []
    for q, tag in ((Q1, "a"), (Q2, "b")):
        rows += [[f"{tag}{i}-{k}", f"M{i}", "card", "1", "", f"{q.end:%Y-%m-%d}"] for i in range(6) for k in range(i + 1)]
    rows += [["far-1", "FAR", "wealth", "2", "", "2025-05-05"]]
    assert import_sales(tmp_path, rows).ok
    leader = user_for(StaffFactory(employee_no="L1", institution=tree()["BR1"], positions=";branch_manager;"), scope=tree()["BR1"])
    sheet = InspectionSheet.objects.get()
    with clock.frozen(dt.datetime(2025, 6, 30, 9)):
        for code, less in (("OUT1", 0), ("OUT2", 5), ("OUT3", 9)):
            inspection_record(by=leader, outlet=tree()[code], inspected_on=dt.date(2025, 6, 2),
                              scores={i.pk: str(i.max_points - (less if n == 0 else 0)) for n, i in enumerate(sheet.items.all())})
    outlet_grades_compute(by=None, quarter=Q2)
    return people


def test_the_quarter_circular_carries_the_points_and_outlets_sheets(data):
    content, versions = circular_workbook(period=Q2, scope=tree()["BR1"])
    wb = load_workbook(io.BytesIO(content))
    points = list(wb["产品积分"].values)
    assert points[1][:7] == ("员工号", "姓名", "机构", "积分", "档位", "排名", "退出候选")
    rows = {r[0]: r for r in points[2:]}
    assert "FAR" not in rows  # another branch
    assert rows["M5"][3] == 180 and rows["M5"][4] == "计件" and rows["M5"][5] == 1 and not rows["M5"][6]
    assert rows["M0"][5] == 6 and rows["M0"][6] == "退出候选（2025-Q1、2025-Q2）"
    outlets = list(wb["网点"].values)
    assert outlets[1][:5] == ("机构号", "机构", "评级", "检查得分", "流动红旗")
    by_code = {r[0]: r for r in outlets[2:]}
    assert by_code["OUT1"][3] == 1 and by_code["OUT1"][4] == "流动红旗" and by_code["OUT3"][3] == pytest.approx(0.91)
    assert set(by_code) == {"OUT1", "OUT2", "OUT3"}
    notes = [r for r in wb["说明"].values if r and r[0] in ("产品积分", "网点")]
    assert any("产品计分表 v1" in str(r[3]) for r in notes)
    # The month's circular has no quarter sheets but the points month to date.
    month, _ = circular_workbook(period=Period.parse("2025-05"), scope=tree()["HO"])
    mwb = load_workbook(io.BytesIO(month))
    assert "产品积分" not in mwb.sheetnames and [r[:4] for r in list(mwb["产品积分(月)"].values)[2:]] == [("FAR", tree()["OUT4"].staff.get().name, "江城网点", 40)]


def test_pages_in_scope_and_out_of_scope(data, client):
    boss = user_for(StaffFactory(employee_no="BM1", institution=tree()["BR1"], positions=";branch_manager;"), scope=tree()["BR1"])
    client.force_login(boss)
    page = client.get("/outlets/points/?quarter=2025-Q2")
    assert page.status_code == 200 and "退出候选人" in page.content.decode() and "M5" in page.content.decode()
    assert "营销规则 v1" in page.content.decode() and "产品计分表 v1（2025-01-01 起）" in page.content.decode()
    person = client.get("/outlets/points/staff/M2/?period=2025-Q2")
    assert person.status_code == 200 and "3 × 30.00 分 = 90.00" in person.content.decode()
    assert client.get("/outlets/points/staff/FAR/").status_code == 404
    assert client.get("/outlets/points/?inst=BR2").status_code == 404
    for url in ("/outlets/grades/?quarter=2025-Q2", "/outlets/vips/", "/outlets/inspections/?quarter=2025-Q2", "/outlets/elite/?quarter=2025-Q2",
                "/outlets/points/table/", "/outlets/inspections/new/?inst=OUT1"):
        assert client.get(url).status_code == 200, url
    assert client.get("/outlets/points/?quarter=2025-Q9").status_code == 404
    payroll = client.get("/outlets/points/payroll.xlsx?inst=BR1&year=2025")
    assert payroll.status_code == 200 and load_workbook(io.BytesIO(payroll.content))["产品积分档位"].max_row == 7
    grade = OutletGrade.objects.get(institution=tree()["OUT1"])
    assert client.get(f"/outlets/grades/{grade.pk}/override/").status_code == 200
    bad = client.post(f"/outlets/grades/{grade.pk}/override/", {"value": "potential", "reason": ""})
    assert bad.status_code == 400 and "须填写原因" in bad.content.decode()
    assert client.post(f"/outlets/grades/{grade.pk}/override/", {"value": "potential", "reason": "投诉整改"}).status_code == 302
    assert OutletGrade.objects.get(pk=grade.pk).grade_label == "潜力"
    # Only head office publishes a points table.
    assert client.post("/outlets/points/table/", {}).status_code == 404


def test_table_upload_page_refuses_a_bad_file_whole(data, client, tmp_path):
    client.force_login(user_for(StaffFactory(employee_no="HQ1", institution=tree()["HO"], positions=";head_office;"), scope=tree()["HO"]))
    bad = write_xlsx(tmp_path / "t.xlsx", ["产品代码", "产品名称", "计分方式", "积分"], [["card", "信用卡", "unit", "-1"]])
    with bad.open("rb") as fh:
        answer = client.post("/outlets/points/table/", {"effective_from": "2025-07-01", "file": fh})
    assert answer.status_code == 400 and "第 2 行 积分" in answer.content.decode() and PointsTable.objects.count() == 1
    good = write_xlsx(tmp_path / "g.xlsx", ["产品代码", "产品名称", "计分方式", "积分"], [["card", "信用卡", "unit", "35"]])
    with good.open("rb") as fh:
        assert client.post("/outlets/points/table/", {"effective_from": "2025-07-01", "file": fh}).status_code == 302
    assert PointsTable.objects.count() == 2


def test_the_inspection_page_records_item_by_item(data, client):
    leader = user_for(StaffFactory(employee_no="L2", institution=tree()["BR1"], positions=";branch_manager;"), scope=tree()["BR1"])
    client.force_login(leader)
    sheet = InspectionSheet.objects.get()
    posted = {"inst": "OUT2", "inspected_on": "2025-06-03", **{f"item_{i.pk}": str(i.max_points) for i in sheet.items.all()}}
    posted[f"item_{sheet.items.first().pk}"] = "１００"
    answer = client.post("/outlets/inspections/new/", posted)
    assert answer.status_code == 400 and "不能超过满分" in answer.content.decode()
    posted[f"item_{sheet.items.first().pk}"] = "８"
    assert client.post("/outlets/inspections/new/", posted).status_code == 302
    assert client.post("/outlets/inspections/new/", {**posted, "inst": "OUT4"}).status_code == 404


def test_mini_program_points_and_vips(data):
    api = APIClient()
    person = data[5]
    api.force_authenticate(user_for(person))
    with clock.frozen(dt.datetime(2025, 6, 30, 12)):
        mine = api.get("/api/v1/me/points?period=2025-Q2").json()
        assert mine["total"] == "180.00" and mine["lines"][0]["arithmetic"] == "6 × 30.00 分 = 180.00"
        assert mine["band"]["label"] == "计件" and mine["band"]["year_points"] == "360.00" and mine["rank"]["rank"] == 1
        assert api.get("/api/v1/me/points?period=nonsense").status_code == 400
        c = Customer.objects.create(customer_no="V1", name="贵宾", mobile="13912345678", deposit_balance=300000, manager=person)
        vip = VipCustomer.objects.create(customer=c, source="balance", manager=person, outlet=tree()["OUT1"], since=dt.date(2025, 1, 1))
        listed = api.get("/api/v1/me/vips?due=1").json()
        assert [(v["customer_no"], v["contact_due"], v["mobile_masked"]) for v in listed["results"]] == [("V1", True, "139****5678")]
        assert api.post(f"/api/v1/me/vips/{vip.pk}/contacts", {"kind": "fax"}, format="json").status_code == 400
        assert api.post(f"/api/v1/me/vips/{vip.pk}/contacts", {"kind": "visit", "note": "上门"}, format="json").status_code == 201
        assert api.get("/api/v1/me/vips?due=1").json()["results"] == []


def test_bad_input_answers_4xx_never_500(data, client):
    client.force_login(user_for(StaffFactory(employee_no="HQ2", institution=tree()["HO"], positions=";head_office;"), scope=tree()["HO"]))
    for url in ("/outlets/points/?quarter=%00", "/outlets/points/?quarter=２０２５-Q２", "/outlets/grades/?quarter=2025-Q5", "/outlets/points/staff/M1/?period=%00",
                "/outlets/inspections/new/?inst=%00", "/outlets/points/payroll.xlsx?inst=HO"):
        assert client.get(url).status_code in (200, 400, 404), url
    upload = io.BytesIO(b"\x00\x01garbage")
    upload.name = "t.xlsx"
    assert client.post("/outlets/points/table/", {"effective_from": "2025-08-01", "note": "a\x00b", "file": upload}).status_code == 400
    answer = client.post("/outlets/points/table/", {"effective_from": "２０２５-13-01", "file": io.BytesIO(b"x")})
    assert answer.status_code == 400
    assert PointsTable.objects.count() == 1


def test_head_office_edits_the_table_on_the_page_as_a_new_version(data, client):
    client.force_login(user_for(StaffFactory(employee_no="HQ3", institution=tree()["HO"], positions=";head_office;"), scope=tree()["HO"]))
    page = client.get("/outlets/points/table/").content.decode()
    assert 'name="product_1" value="card"' in page  # the current version is the draft
    posted = {"action": "edit", "effective_from": "2025-06-01", "product_1": "card", "name_1": "信用卡", "basis_1": "unit", "points_1": "３５",
              "product_2": "deposit", "name_2": "新增存款", "basis_2": "wan", "points_2": "-3", "product_3": ""}
    bad = client.post("/outlets/points/table/", posted)
    assert bad.status_code == 400 and "第 2 行 积分" in bad.content.decode() and PointsTable.objects.count() == 1
    posted["points_2"] = "12"
    assert client.post("/outlets/points/table/", posted).status_code == 302
    v2 = PointsTable.objects.get(version=2)
    assert {r.product: r.points for r in v2.rates.all()} == {"card": 35, "deposit": 12}
    # Sales from 2025-06-01 take v2: M5's six Q2 cards (sold 2025-06-30) now earn 35 each.
    from org.models import Staff
    from outlets.selectors.points import staff_points

    m5 = Staff.objects.get(employee_no="M5")
    assert staff_points(Q2, [m5.pk])[m5.pk] == 210


def test_home_pages_show_my_points_and_the_vip_alerts(data, client):
    person = data[5]
    client.force_login(user_for(person))
    with clock.frozen(dt.datetime(2025, 6, 30, 12)):
        home = client.get("/").content.decode()
        assert 'data-testid="home-my-points"' in home and "180" in home
        boss = user_for(StaffFactory(employee_no="BM9", institution=tree()["BR1"], positions=";branch_manager;"), scope=tree()["BR1"])
        client.force_login(boss)
        c = Customer.objects.create(customer_no="V7", name="贵宾", deposit_balance=5000, manager=person)
        VipCustomer.objects.create(customer=c, source="balance", manager=person, outlet=tree()["OUT1"], since=dt.date(2025, 6, 1))
        home = client.get("/").content.decode()
    assert 'data-testid="home-vip-alerts"' in home and "流失预警" in home


def test_a_vip_marked_on_the_page_and_an_inspection_opened_with_its_photo(data, client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    boss = user_for(StaffFactory(employee_no="BM7", institution=tree()["BR1"], positions=";branch_manager;"), scope=tree()["BR1"])
    client.force_login(boss)
    Customer.objects.create(customer_no="K1", name="老客户", deposit_balance=1000, manager=data[0])
    Customer.objects.create(customer_no="K2", name="外行客户", deposit_balance=1000, manager=Staff.objects.get(employee_no="FAR"))
    assert client.post("/outlets/vips/", {"customer_no": "K1", "reason": ""}).status_code == 400
    far = client.post("/outlets/vips/", {"customer_no": "K2", "reason": "企业主"})
    assert far.status_code == 400 and "不在您的管理范围内" in far.content.decode()
    assert client.post("/outlets/vips/", {"customer_no": "K1", "reason": "代发工资企业主"}).status_code == 302
    assert VipCustomer.objects.get(customer__customer_no="K1").source == "manual"
    sheet = InspectionSheet.objects.get()
    with clock.frozen(dt.datetime(2025, 6, 30, 9)):
        done = inspection_record(by=boss, outlet=tree()["OUT2"], inspected_on=dt.date(2025, 6, 3), scores={i.pk: "5" for i in sheet.items.all()},
                                 notes={sheet.items.first().pk: "门头灯箱不亮"}, photos=[SimpleUploadedFile("灯箱.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32)])
    page = client.get(f"/outlets/inspections/{done.pk}/").content.decode()
    assert "门头灯箱不亮" in page and "40 / 100" in page
    photo = client.get(f"/outlets/inspections/photos/{done.photos.get().pk}/")
    assert photo.status_code == 200 and b"".join(photo.streaming_content).startswith(b"\x89PNG")


def test_a_persons_page_shows_their_points_with_a_link_to_the_breakdown(data, client):
    client.force_login(user_for(StaffFactory(employee_no="BM6", institution=tree()["BR1"], positions=";branch_manager;"), scope=tree()["BR1"]))
    with clock.frozen(dt.datetime(2025, 6, 30, 12)):
        page = client.get("/org/staff/M4/").content.decode()
    assert 'data-testid="person-points"' in page and "/outlets/points/staff/M4/?period=2025-Q2" in page
