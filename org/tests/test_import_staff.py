import datetime as dt

import pytest
from django.db import connection

from org.importing.base import run_import
from org.models import Staff, StaffAssignment
from org.selectors import staff_institution_on
from org.tests.factories import StaffFactory, tree
from org.tests.importing_utils import id_number, write_csv

pytestmark = pytest.mark.django_db

EN = [
    "employee_no",
    "name",
    "mobile",
    "institution_code",
    "positions",
    "employment_type",
    "effective_date",
    "active_to",
    "id_number",
    "tier",
]
ZH = ["员工号", "姓名", "手机号", "机构号", "岗位", "用工类型", "生效日期", "离职日期", "身份证号", "梯队"]


def staff_row(
    no="E1001",
    name="王丽",
    mobile="13912340001",
    inst="OUT1",
    positions="wealth_manager",
    etype="formal",
    eff="2024-01-01",
    to="",
    idn="",
    tier="",
):
    return [no, name, mobile, inst, positions, etype, eff, to, idn, tier]


def test_new_staff_get_positions_and_an_assignment_from_the_effective_date(tmp_path):
    tree()
    f = write_csv(
        tmp_path / "staff.csv",
        ZH,
        [
            staff_row(positions="loan_officer;outlet_head", tier="3"),
            staff_row(no="E1002", name="李军", mobile="13912340002", etype="外包", positions="lobby_manager"),
        ],
        bom=True,
    )
    result = run_import(kind="staff", path=f)
    assert (result.created, result.rejected) == (2, 0)
    s = Staff.objects.get(employee_no="E1001")
    assert s.positions == ";loan_officer;outlet_head;" and s.tier == 3 and s.institution.code == "OUT1"
    assert Staff.objects.get(employee_no="E1002").employment_type == "outsourced"
    assert list(s.assignments.values_list("institution__code", "valid_from", "valid_to")) == [("OUT1", dt.date(2024, 1, 1), None)]


def test_transfer_by_re_import_closes_the_old_assignment_and_keeps_history(tmp_path):
    t = tree()
    f = write_csv(tmp_path / "s1.csv", EN, [staff_row()])
    run_import(kind="staff", path=f)
    f2 = write_csv(tmp_path / "s2.csv", EN, [staff_row(inst="OUT4", eff="2024-06-01")])
    result = run_import(kind="staff", path=f2)
    assert (result.updated, result.rejected) == (1, 0)
    s = Staff.objects.get(employee_no="E1001")
    assert s.institution == t["OUT4"]
    assert list(s.assignments.order_by("valid_from").values_list("institution__code", "valid_from", "valid_to")) == [
        ("OUT1", dt.date(2024, 1, 1), dt.date(2024, 5, 31)),
        ("OUT4", dt.date(2024, 6, 1), None),
    ]
    assert staff_institution_on(staff=s, day=dt.date(2024, 5, 31)) == t["OUT1"]
    assert staff_institution_on(staff=s, day=dt.date(2024, 6, 1)) == t["OUT4"]
    # Re-importing the transfer file changes nothing.
    again = run_import(kind="staff", path=f2)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    assert s.assignments.count() == 2


def test_a_transfer_dated_on_or_before_the_current_assignment_is_refused(tmp_path):
    tree()
    run_import(kind="staff", path=write_csv(tmp_path / "s1.csv", EN, [staff_row(eff="2024-03-01")]))
    result = run_import(kind="staff", path=write_csv(tmp_path / "s2.csv", EN, [staff_row(inst="OUT2", eff="2024-03-01")]))
    assert [str(e) for e in result.errors] == ["第 2 行 生效日期: 员工 E1001 的调岗生效日期 2024-03-01 必须晚于当前任职开始日期 2024-03-01"]
    assert Staff.objects.get(employee_no="E1001").institution.code == "OUT1"


def test_every_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(tmp_path):
    tree()
    f = write_csv(
        tmp_path / "bad.csv",
        ZH,
        [
            staff_row(),
            staff_row(no="E2", mobile="1391234"),
            staff_row(no="E3", inst="X"),
            staff_row(no="E4", positions="wealth_manager;pilot"),
            staff_row(no="E5", eff="2024/01/01", tier="7"),
            staff_row(no="E6", idn="110101199003071234"),
            staff_row(no="E1001"),
        ],
    )
    result = run_import(kind="staff", path=f)
    assert result.refused and result.rejected == 6 and result.created == 0
    assert [str(e) for e in result.errors] == [
        "第 3 行 手机号: “1391234”不是有效的 11 位手机号",
        "第 4 行 机构号: 机构 X 不存在",
        "第 5 行 岗位: “pilot”无效，应为 wealth_manager、loan_officer、lobby_manager、market_manager、community_manager、teller、product_manager、outlet_head、sub_branch_vp、branch_manager、head_office 之一",
        "第 6 行 生效日期: 日期“2024/01/01”无效，格式应为 YYYY-MM-DD",
        "第 6 行 梯队: 应为 1–5 之间的整数",
        "第 7 行 身份证号: 身份证号无效（应为 18 位，且校验位正确）",
        "第 8 行 员工号: 员工号 E1001 与第 2 行重复",
    ]
    assert Staff.objects.count() == 0 and StaffAssignment.objects.count() == 0


def test_id_numbers_are_stored_only_as_keyed_hash_and_mask(tmp_path):
    tree()
    raw = id_number(42)
    run_import(kind="staff", path=write_csv(tmp_path / "s.csv", EN, [staff_row(idn=raw)]))
    s = Staff.objects.get(employee_no="E1001")
    assert s.id_masked == f"{raw[:3]}***********{raw[-4:]}"
    assert len(s.id_hash) == 64
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert not any(raw in str(v) for v in row), f"ID number found in clear in {table}"


def test_an_absent_optional_column_leaves_the_field_alone_and_an_empty_cell_clears_it(tmp_path):
    t = tree()
    StaffFactory(employee_no="E1001", institution=t["OUT1"], tier=2, active_to=dt.date(2030, 1, 1), active_from=dt.date(2024, 1, 1))
    result = run_import(kind="staff", path=write_csv(tmp_path / "a.csv", EN[:7], [staff_row()[:7]]))
    s = Staff.objects.get(employee_no="E1001")
    assert result.updated == 1 and (s.tier, s.active_to, s.name) == (2, dt.date(2030, 1, 1), "王丽")
    result = run_import(kind="staff", path=write_csv(tmp_path / "b.csv", EN, [staff_row()]))
    s.refresh_from_db()
    assert result.updated == 1 and (s.tier, s.active_to) == (None, None)


def test_a_leaver_gets_active_to_and_a_date_before_joining_is_refused(tmp_path):
    tree()
    run_import(kind="staff", path=write_csv(tmp_path / "a.csv", EN, [staff_row(eff="2024-03-01")]))
    result = run_import(kind="staff", path=write_csv(tmp_path / "b.csv", EN, [staff_row(eff="2024-03-01", to="2024-02-01")]))
    assert [str(e) for e in result.errors] == ["第 2 行 离职日期: 离职日期 2024-02-01 不能早于入职/生效日期 2024-03-01"]
    result = run_import(kind="staff", path=write_csv(tmp_path / "c.csv", EN, [staff_row(eff="2024-03-01", to="2024-12-31")]))
    assert result.updated == 1
    assert not Staff.objects.get(employee_no="E1001").is_active_on(dt.date(2025, 1, 1))


def test_two_thousand_staff_import_with_a_bounded_number_of_queries(tmp_path, django_assert_max_num_queries):
    tree()
    outlets = ["OUT1", "OUT2", "OUT3", "OUT4"]
    rows = [
        staff_row(
            no=f"S{n:05d}",
            mobile=f"139{n:08d}",
            inst=outlets[n % 4],
            positions="wealth_manager;teller" if n % 2 else "loan_officer",
            idn=id_number(n),
            tier=str(n % 5 + 1),
        )
        for n in range(2000)
    ]
    f = write_csv(tmp_path / "big.csv", EN, rows)
    # A row-by-row import would need at least 2 queries per row (4,000+).
    with django_assert_max_num_queries(80):
        result = run_import(kind="staff", path=f)
    assert (result.created, result.rejected) == (2000, 0)
    assert StaffAssignment.objects.count() == 2000
    # Transfer a quarter of them: still bulk.
    moved = [r[:3] + ["OUT2" if r[3] == "OUT1" else r[3]] + r[4:6] + ["2024-07-01"] + r[7:] for r in rows]
    with django_assert_max_num_queries(80):
        result = run_import(kind="staff", path=write_csv(tmp_path / "moved.csv", EN, moved))
    assert (result.updated, result.unchanged) == (500, 1500)
    assert StaffAssignment.objects.count() == 2500
    assert Staff.objects.filter(institution__code="OUT1").count() == 0
