"""The decomposition grid page: a manager splits their node's yearly target among its children or
people, on the page and by .xlsx, all or nothing, with the difference shown until it adds up."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from org.models import Institution
from org.periods import Period
from org.tests.factories import StaffFactory, tree, user_for
from targets.models import Target
from targets.services import target_set

pytestmark = pytest.mark.django_db
URL = "/targets/grid/"
APPS = "referral.applications"
AMOUNT = "referral.disbursed_amount"


@pytest.fixture
def bank(client):
    t = tree()
    ho = user_for(StaffFactory(employee_no="HQ9", institution=t["HO"]), scope=t["HO"])
    target_set(metric=APPS, period=Period.year(2026), value=Decimal(100), by=ho, institution=t["SB1"])
    sb = StaffFactory(employee_no="SB9", institution=t["SB1"])
    client.force_login(user_for(sb, scope=t["SB1"]))
    return t


def test_the_grid_shows_the_parent_the_children_and_the_difference(client, bank):
    resp = client.get(URL, {"metric": APPS, "year": "2026"})
    html = resp.content.decode()
    assert resp.status_code == 200 and "人民广场网点" in html and "南湖网点" in html and "红旗街网点" not in html
    assert 'data-grid-parent="100"' in html
    resp = client.post(URL, {"metric": APPS, "year": "2026", "inst": "SB1", "v_OUT1": "60", "v_OUT2": "30"}, follow=True)
    assert "已保存 2 项目标；与上级目标相差 10件" in resp.content.decode()
    assert {t.institution.code: t.value for t in Target.objects.filter(period="2026", institution__parent=bank["SB1"])} == {"OUT1": 60, "OUT2": 30}
    # Handed out more than the whole: the difference turns negative, nothing is rounded away.
    resp = client.post(URL, {"metric": APPS, "year": "2026", "inst": "SB1", "v_OUT2": "50.5"}, follow=True)
    assert "与上级目标相差 -10.5件" in resp.content.decode()


def test_a_bad_row_saves_nothing_and_names_the_row(client, bank):
    resp = client.post(URL, {"metric": AMOUNT, "year": "2026", "inst": "SB1", "v_OUT1": "12", "v_OUT2": "-3"})
    html = resp.content.decode()
    assert resp.status_code == 400 and "南湖网点（OUT2）：目标不能为负数" in html and "未保存任何目标" in html
    assert not Target.objects.filter(metric=AMOUNT).exists()


def test_the_people_of_an_outlet_and_scope(client, bank):
    StaffFactory(employee_no="P1", name="甲", institution=bank["OUT1"])
    resp = client.get(URL, {"metric": APPS, "year": "2026", "inst": "OUT1"})
    assert "甲" in resp.content.decode()
    client.post(URL, {"metric": APPS, "year": "2026", "inst": "OUT1", "v_P1": "７"})  # full-width digits
    assert Target.objects.get(staff__employee_no="P1").value == Decimal(7)
    assert client.get(URL, {"metric": APPS, "inst": "SB2"}).status_code == 404
    assert client.post(URL, {"metric": APPS, "inst": "OUT3", "v_X": "1"}).status_code == 404
    assert client.get(URL, {"metric": "nope"}).status_code == 404


def _upload(client, rows, *, metric=APPS):
    wb = Workbook()
    ws = wb.active
    ws.append(["机构号", "名称", "上年实际(件)", "目标(件)"])
    for r in rows:
        ws.append(r)
    data = io.BytesIO()
    wb.save(data)
    data.seek(0)
    data.name = "grid.xlsx"
    return client.post(URL, {"metric": metric, "year": "2026", "inst": "SB1", "action": "upload", "file": data})


def test_the_template_and_an_upload_all_or_nothing(client, bank):
    resp = client.get(URL, {"metric": APPS, "year": "2026", "inst": "SB1", "export": "template"})
    ws = load_workbook(io.BytesIO(resp.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("机构号", "名称", "上年实际(件)", "目标(件)") and [r[0] for r in rows[1:]] == ["OUT1", "OUT2"]
    bad = _upload(client, [["OUT1", "", 0, 40], ["OUT3", "", 0, 5], ["OUT2", "", 0, "abc"]])
    html = bad.content.decode()
    assert bad.status_code == 400 and "第 3 行：OUT3 不是南关支行的下级机构" in html and "第 4 行 南湖网点：目标“abc”不是数字" in html
    assert not Target.objects.filter(institution__code="OUT1").exists()
    good = _upload(client, [["OUT1", "", 0, 40], ["OUT2", "", 0, 60]])
    assert good.status_code == 302
    assert Target.objects.get(institution__code="OUT2", period="2026").value == 60


def test_split_into_months_adds_up(client, bank):
    client.post(URL, {"metric": APPS, "year": "2026", "inst": "SB1", "v_OUT1": "365"})
    client.post(URL, {"metric": APPS, "year": "2026", "inst": "SB1", "action": "split"})
    months = Target.objects.filter(institution=Institution.objects.get(code="OUT1"), period_kind="month")
    assert months.count() == 12 and sum(m.value for m in months) == 365


def test_head_office_edits_the_monthly_distribution_on_the_grid(client, bank):
    from targets.models import MonthlyDistribution

    page = client.get(URL, {"metric": APPS, "year": "2026"}).content.decode()
    assert "默认按日历天数" in page and 'value="8.4932"' in page and "保存比例" not in page  # a sub-branch only reads it
    client.force_login(user_for(StaffFactory(employee_no="HQ99", institution=bank["HO"]), scope=bank["HO"]))
    bad = {f"m{i}": "8" for i in range(1, 13)}
    resp = client.post(URL, {"metric": APPS, "year": "2026", "action": "distribution", **bad}, follow=True)
    assert "合计应为 100%，当前为 96%" in resp.content.decode() and not MonthlyDistribution.objects.exists()
    good = {**bad, "m12": "12"}
    client.post(URL, {"metric": APPS, "year": "2026", "action": "distribution", **good})
    assert MonthlyDistribution.objects.get().shares()[11] == 12


def test_a_transferred_persons_target_stays_until_a_manager_moves_it(client, bank):
    from targets.models import TargetChange

    person = StaffFactory(employee_no="P7", name="调动员工", institution=bank["OUT1"])
    client.post(URL, {"metric": APPS, "year": "2026", "inst": "OUT1", "v_P7": "50"})
    person.institution = bank["OUT2"]
    person.save(update_fields=["institution"])
    # Still OUT1's: listed as moved out and summed there; OUT2's grid shows the person without a target.
    out1 = client.get(URL, {"metric": APPS, "year": "2026", "inst": "OUT1"})
    assert "调动员工（P7）→ 南湖网点：50 件" in out1.content.decode() and out1.context["grid"].total == 50
    out2 = client.get(URL, {"metric": APPS, "year": "2026", "inst": "OUT2"}).context["grid"]
    assert [(r.code, r.value) for r in out2.rows] == [("P7", None)]
    target = Target.objects.get(staff=person)
    client.post(URL, {"metric": APPS, "year": "2026", "inst": "OUT1", "move_target": str(target.pk)})
    assert client.get(URL, {"metric": APPS, "year": "2026", "inst": "OUT1"}).context["grid"].total == 0
    out2 = client.get(URL, {"metric": APPS, "year": "2026", "inst": "OUT2"}).context["grid"]
    assert [(r.code, r.value) for r in out2.rows] == [("P7", 50)]
    change = TargetChange.objects.filter(target=target).latest("version")
    assert change.note == "随人员调动由 人民广场网点 转至 南湖网点" and change.by is not None
