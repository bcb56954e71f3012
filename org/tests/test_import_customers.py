import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection

from org.importing.base import run_import
from org.models import Customer, CustomerCard
from org.tests.factories import StaffFactory, tree
from org.tests.importing_utils import id_number, write_csv

pytestmark = pytest.mark.django_db

EN = ["customer_no", "name", "mobile", "id_number", "card_numbers", "manager_employee_no", "deposit_balance", "balance_date"]
ZH = ["客户号", "姓名", "手机号", "身份证号", "卡号", "管户员工号", "存款余额", "余额日期"]
CARD_A, CARD_B, CARD_C = "6222021234567890123", "6222029876543210987", "6217000011112222"


@pytest.fixture
def manager():
    tree()
    return StaffFactory(employee_no="WM001")


def test_customers_with_a_manager_or_in_the_pool_cards_and_ids_hashed(tmp_path, manager):
    raw_id = id_number(7)
    f = write_csv(
        tmp_path / "c.csv",
        ZH,
        [
            ["C1", "张三", "13800001111", raw_id, f"{CARD_A};{CARD_B}", "WM001", "120000.50", "2024-10-31"],
            ["C2", "李四", "13800002222", "", "", "", "", ""],
        ],
    )
    result = run_import(kind="customers", path=f)
    assert (result.created, result.rejected) == (2, 0)
    c1 = Customer.objects.get(customer_no="C1")
    assert (c1.manager, c1.deposit_balance, c1.balance_date) == (manager, Decimal("120000.50"), dt.date(2024, 10, 31))
    assert c1.id_masked == f"{raw_id[:3]}***********{raw_id[-4:]}"
    assert sorted(c1.cards.values_list("card_masked", flat=True)) == ["6222 **** **** 0123", "6222 **** **** 0987"]
    assert Customer.objects.get(customer_no="C2").manager is None  # the potential-customer pool
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                for raw in (raw_id, CARD_A, CARD_B):
                    assert not any(raw in str(v) for v in row), f"a number in clear in {table}"
    again = run_import(kind="customers", path=f)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_unknown_manager_card_of_another_customer_and_balance_without_date_are_bad_rows(tmp_path, manager):
    run_import(kind="customers", path=write_csv(tmp_path / "a.csv", EN, [["C1", "张三", "13800001111", "", CARD_A, "", "", ""]]))
    f = write_csv(
        tmp_path / "b.csv",
        EN,
        [
            ["C2", "李四", "13800002222", "", "", "NOBODY", "", ""],
            ["C3", "王五", "13800003333", "", CARD_A, "", "", ""],
            ["C4", "赵六", "13800004444", "", "", "", "100", ""],
            ["C5", "钱七", "13800005555", "", f"{CARD_C};12ab", "", "", ""],
            ["C6", "孙八", "13800006666", "", CARD_B, "", "", ""],
            ["C7", "周九", "13800007777", "", CARD_B, "", "5", "2024-10-31"],
            ["C8", "吴十", "13800008888", "", "", "", "-5", "2024-10-31"],
        ],
    )
    result = run_import(kind="customers", path=f)
    assert result.refused
    assert [str(e) for e in result.errors] == [
        "第 2 行 管户员工号: 员工 NOBODY 不存在",
        "第 3 行 卡号: 卡号 6222 **** **** 0123 已属于客户 C1",
        "第 4 行 余额日期: 填写存款余额时必须填写余额日期",
        "第 5 行 卡号: 卡号无效（应为 12–19 位数字，多个卡号用;分隔）",
        "第 7 行 卡号: 卡号 6222 **** **** 0987 与第 6 行重复",
        "第 8 行 存款余额: 不能小于 0",
    ]
    assert Customer.objects.count() == 1


def test_re_import_with_a_new_card_list_and_a_manager_change_updates(tmp_path, manager):
    other = StaffFactory(employee_no="WM002")
    run_import(
        kind="customers", path=write_csv(tmp_path / "a.csv", EN, [["C1", "张三", "13800001111", "", f"{CARD_A};{CARD_B}", "WM001", "", ""]])
    )
    result = run_import(
        kind="customers", path=write_csv(tmp_path / "b.csv", EN, [["C1", "张三", "13800001111", "", f"{CARD_B};{CARD_C}", "WM002", "", ""]])
    )
    assert (result.updated, result.unchanged) == (1, 0)
    c1 = Customer.objects.get(customer_no="C1")
    assert c1.manager == other
    assert sorted(c1.cards.values_list("card_masked", flat=True)) == ["6217 **** **** 2222", "6222 **** **** 0987"]
    assert CustomerCard.objects.count() == 2
    # A file without the manager column leaves managers as they are.
    result = run_import(
        kind="customers", path=write_csv(tmp_path / "c.csv", ["customer_no", "name", "mobile"], [["C1", "张三", "13800001111"]])
    )
    assert result.unchanged == 1 and Customer.objects.get(customer_no="C1").manager == other
    # An empty manager cell puts the customer back into the pool.
    result = run_import(
        kind="customers",
        path=write_csv(tmp_path / "d.csv", ["客户号", "姓名", "手机号", "管户员工号"], [["C1", "张三", "13800001111", ""]]),
    )
    assert result.updated == 1 and Customer.objects.get(customer_no="C1").manager is None
