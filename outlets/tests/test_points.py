import datetime as dt
from decimal import Decimal

import pytest

from org.errors import ApplicationError
from org.models import StaffAssignment
from org.periods import Period
from org.tests.factories import tree
from org.tests.importing_utils import write_xlsx
from outlets.models import PointsTable, Sale
from outlets.selectors.points import band_for, points_breakdown, rule_in_force, staff_points
from outlets.services.points import points_table_publish, points_table_upload
from outlets.tests.helpers import import_sales, manager, rates_v1, table_v1
from targets import registry

pytestmark = pytest.mark.django_db
Q1 = Period.parse("2025-Q1")


def test_points_against_a_hand_worked_example(tmp_path):
    table_v1()
    person = manager("E1")
    result = import_sales(tmp_path, [
        ["S1", "E1", "deposit", "1", "250000", "2025-01-10"],  # 25 万元 × 10 = 250
        ["S2", "E1", "wealth", "3", "", "2025-02-01"],  # 3 × 20 = 60
        ["S3", "E1", "card", "1", "", "2025-03-31"],  # 30
        ["S4", "E1", "card", "1", "", "2025-04-01"],  # next quarter
    ])
    assert result.ok and result.created == 4
    assert staff_points(Q1, [person.pk])[person.pk] == Decimal("340.00")
    b = points_breakdown(staff=person, period=Q1)
    assert [(line.product, line.points) for line in b.lines] == [("card", Decimal("30.00")), ("deposit", Decimal("250.00")), ("wealth", Decimal("60.00"))]
    assert b.lines[1].arithmetic == "250,000.00 元 ÷ 10000 × 10.00 分/万元 = 250.00"
    assert "产品计分表 v1（2025-01-01 起）" in b.table_label
    # Idempotent by sale id: the same file again changes nothing.
    again = import_sales(tmp_path, [["S1", "E1", "deposit", "1", "250000", "2025-01-10"]], name="again.csv")
    assert again.unchanged == 1 and Sale.objects.count() == 4


def test_a_table_version_change_mid_quarter(tmp_path):
    table_v1()
    person = manager("E1")
    import_sales(tmp_path, [["S1", "E1", "card", "1", "", "2025-02-14"], ["S2", "E1", "card", "1", "", "2025-02-15"]])
    rates = [dict(r) for r in rates_v1()]
    rates[2]["points"] = Decimal("50")
    points_table_publish(by=None, effective_from=dt.date(2025, 2, 15), rates=rates)
    # The sale of the 15th takes v2 (50), the one of the 14th keeps v1 (30).
    assert staff_points(Q1, [person.pk])[person.pk] == Decimal("80.00")
    b = points_breakdown(staff=person, period=Q1)
    assert [(line.version, line.points) for line in b.lines] == [(1, Decimal("30.00")), (2, Decimal("50.00"))]
    assert "v1" in b.table_label and "v2" in b.table_label


def test_a_bad_sales_file_is_refused_whole(tmp_path):
    table_v1()
    manager("E1")
    result = import_sales(tmp_path, [
        ["S1", "E1", "card", "1", "", "2025-01-10"],
        ["S2", "NOBODY", "card", "1", "", "2025-01-10"],
        ["S3", "E1", "gold", "1", "", "2025-01-10"],
        ["S4", "E1", "deposit", "1", "", "2025-01-10"],
        ["S5", "E1", "card", "1", "", "2024-12-31"],
    ])
    assert result.refused and Sale.objects.count() == 0
    messages = [str(e) for e in result.errors]
    assert "第 3 行 员工号: 员工 NOBODY 不存在" in messages
    assert any(m.startswith("第 4 行 产品: 产品 gold 不在产品计分表 v1") for m in messages)
    assert "第 5 行 金额: 产品 deposit 按金额计分，金额不能为空" in messages
    assert "第 6 行 销售日期: 2024-12-31 没有生效的产品计分表" in messages


def test_a_sale_is_credited_to_the_institution_on_the_sale_date(tmp_path):
    table_v1()
    person = manager("E1", active_from=dt.date(2024, 1, 1))
    StaffAssignment.objects.filter(staff=person).update(valid_to=dt.date(2025, 1, 31))
    StaffAssignment.objects.create(staff=person, institution=tree()["OUT3"], valid_from=dt.date(2025, 2, 1))
    import_sales(tmp_path, [["S1", "E1", "card", "1", "", "2025-01-20"], ["S2", "E1", "card", "1", "", "2025-02-20"]])
    assert dict(Sale.objects.values_list("sale_id", "institution__code")) == {"S1": "OUT1", "S2": "OUT3"}
    actual = registry.get("outlets.points").actuals(period=Q1, institutions=[tree()["SB1"], tree()["SB2"], tree()["BR1"]])
    assert actual.by_institution == {tree()["SB1"].pk: Decimal("30"), tree()["SB2"].pk: Decimal("30"), tree()["BR1"].pk: Decimal("60")}


def test_a_table_upload_is_all_or_nothing_with_row_errors(tmp_path):
    bad = write_xlsx(tmp_path / "t.xlsx", ["产品代码", "产品名称", "计分方式", "积分"], [
        ["card", "信用卡", "每件/每户", 30], ["card", "重复", "unit", 1], ["x y", "", "按天", "abc"],
    ])
    with pytest.raises(ApplicationError) as exc:
        points_table_upload(by=None, data=bad.read_bytes(), filename="t.xlsx", effective_from=dt.date(2025, 1, 1))
    text = str(exc.value)
    assert "第 3 行 产品代码: card 重复" in text and "第 4 行 计分方式" in text and "第 4 行 积分" in text and "第 4 行 产品名称" in text
    assert not PointsTable.objects.exists()
    good = write_xlsx(tmp_path / "g.xlsx", ["product", "name", "basis", "points"], [["card", "信用卡", "unit", "３０"], ["deposit", "存款", "每万元", 10]])
    table = points_table_upload(by=None, data=good.read_bytes(), filename="g.xlsx", effective_from=dt.date(2025, 1, 1))
    assert {r.product: r.points for r in table.rates.all()} == {"card": Decimal("30"), "deposit": Decimal("10")}


@pytest.mark.parametrize(("points", "label", "ratio"), [
    ("3999", "计件", "0"), ("3999.99", "计件", "0"), ("4000", "计件+绩效60%", "0.6"), ("7999", "计件+绩效60%", "0.6"), ("8000", "计件+绩效100%", "1.0"),
])
def test_band_edges(points, label, ratio):
    band = band_for(Decimal(points), rule_in_force(dt.date(2025, 1, 1)))
    assert (band.label, band.ratio) == (label, Decimal(ratio))
