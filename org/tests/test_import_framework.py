"""The import rules every kind shares: headers, encodings, XLSX, all-or-nothing, --skip-bad,
--dry-run, idempotence and the command's exit code."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from org.errors import ApplicationError
from org.importing import registry
from org.importing.base import run_import
from org.models import Staff, StaffAssignment
from org.tests.factories import tree
from org.tests.importing_utils import read_csv, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

EN = ["employee_no", "name", "mobile", "institution_code", "positions", "employment_type", "effective_date"]
ZH = ["员工号", "姓名", "手机号", "机构号", "岗位", "用工类型", "生效日期"]
GOOD = [
    ["E1", "王丽", "13912340001", "OUT1", "wealth_manager", "formal", "2024-01-01"],
    ["E2", "李军", "13912340002", "OUT2", "loan_officer;teller", "outsourced", "2024-01-01"],
]
BAD = [
    ["E3", "赵敏", "123", "OUT1", "teller", "formal", "2024-01-01"],
    ["E4", "刘洋", "13912340004", "X9", "teller", "formal", "2024-01-01"],
]


def snapshot():
    return (
        sorted(Staff.objects.values_list("employee_no", "name", "mobile", "institution__code", "positions")),
        sorted(StaffAssignment.objects.values_list("staff__employee_no", "institution__code", "valid_from", "valid_to")),
    )


@pytest.mark.parametrize(
    "header",
    [EN, ZH, ["员工号", "name", "手机号", "INSTITUTION_CODE", "岗位", "用工类型", "effective_date"]],
    ids=["english", "chinese", "mixed"],
)
@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "utf8-bom"])
def test_csv_with_english_or_chinese_headers_with_or_without_bom(tmp_path, header, bom):
    tree()
    result = run_import(kind="staff", path=write_csv(tmp_path / "s.csv", header, GOOD, bom=bom))
    assert (result.created, result.rejected, result.file_error) == (2, 0, "")
    assert snapshot()[0] == [
        ("E1", "王丽", "13912340001", "OUT1", ";wealth_manager;"),
        ("E2", "李军", "13912340002", "OUT2", ";loan_officer;teller;"),
    ]


def test_xlsx_first_sheet_with_numbers_and_dates_as_excel_stores_them(tmp_path):
    tree()
    rows = [["E1", "王丽", 13912340001, "OUT1", "wealth_manager", "正式", dt.datetime(2024, 1, 1)], [], GOOD[1]]
    result = run_import(kind="staff", path=write_xlsx(tmp_path / "s.xlsx", ZH, rows))
    assert (result.created, result.rejected) == (2, 0)
    s = Staff.objects.get(employee_no="E1")
    assert (s.mobile, s.active_from, s.employment_type) == ("13912340001", dt.date(2024, 1, 1), "formal")


def test_xlsx_row_numbers_are_those_the_user_sees(tmp_path):
    tree()
    rows = [GOOD[0], [], BAD[1]]
    result = run_import(kind="staff", path=write_xlsx(tmp_path / "s.xlsx", EN, rows))
    assert [str(e) for e in result.errors] == ["第 4 行 机构号: 机构 X9 不存在"]


def test_a_file_with_any_bad_row_changes_nothing_and_reports_every_bad_row(tmp_path):
    tree()
    before = snapshot()
    result = run_import(kind="staff", path=write_csv(tmp_path / "s.csv", ZH, GOOD + BAD))
    assert result.refused and (result.created, result.updated, result.unchanged, result.rejected) == (0, 0, 0, 2)
    assert [str(e) for e in result.errors] == ["第 4 行 手机号: “123”不是有效的 11 位手机号", "第 5 行 机构号: 机构 X9 不存在"]
    assert snapshot() == before


def test_missing_required_column_refuses_the_file(tmp_path):
    tree()
    result = run_import(kind="staff", path=write_csv(tmp_path / "s.csv", EN[:-1], [r[:-1] for r in GOOD]))
    assert result.file_error == "缺少必需的列：生效日期（effective_date）"
    assert (result.rejected, Staff.objects.count()) == (2, 0)


def test_unknown_columns_are_ignored_with_a_warning(tmp_path):
    tree()
    result = run_import(kind="staff", path=write_csv(tmp_path / "s.csv", EN + ["备注"], [r + ["x"] for r in GOOD]))
    assert result.created == 2 and result.warnings == ["已忽略无法识别的列：备注"]


def test_skip_bad_commits_good_rows_and_writes_a_rejects_file_that_re_imports_after_fixing(tmp_path):
    tree()
    source = write_csv(tmp_path / "roster.csv", ZH, GOOD + BAD)
    result = run_import(kind="staff", path=source, skip_bad=True)
    assert (result.created, result.rejected) == (2, 2)
    rejects = tmp_path / "roster.rejects.csv"
    assert result.rejects_path == str(rejects)
    content = read_csv(rejects)
    assert content[0] == ZH + ["错误原因"]
    assert content[1] == BAD[0] + ["手机号: “123”不是有效的 11 位手机号"]
    assert content[2] == BAD[1] + ["机构号: 机构 X9 不存在"]
    # Fix the rejects file in place (the reason column stays) and import it again.
    content[1][2] = "13912340003"
    content[2][3] = "OUT3"
    write_csv(rejects, content[0], content[1:], bom=True)
    again = run_import(kind="staff", path=rejects)
    assert (again.created, again.rejected) == (2, 0)
    assert Staff.objects.count() == 4


def test_rejects_of_an_english_file_get_a_reason_column_at_the_path_asked(tmp_path):
    tree()
    target = tmp_path / "out" / "bad.csv"
    result = run_import(kind="staff", path=write_csv(tmp_path / "s.csv", EN, GOOD + BAD), skip_bad=True, rejects=target)
    assert result.rejects_path == str(target)
    assert read_csv(target)[0] == EN + ["reason"]


def test_re_import_reports_everything_unchanged(tmp_path):
    tree()
    f = write_csv(tmp_path / "s.csv", EN, GOOD)
    run_import(kind="staff", path=f)
    before = snapshot()
    result = run_import(kind="staff", path=f)
    assert (result.created, result.updated, result.unchanged, result.rejected) == (0, 0, 2, 0)
    assert snapshot() == before


@pytest.mark.parametrize("skip_bad", [False, True])
def test_dry_run_reports_what_the_real_run_does_and_writes_nothing(tmp_path, skip_bad):
    tree()
    run_import(kind="staff", path=write_csv(tmp_path / "first.csv", EN, GOOD[:1]))
    changed = [GOOD[0][:3] + ["OUT4"] + GOOD[0][4:6] + ["2024-05-01"], GOOD[1]]
    f = write_csv(tmp_path / "s.csv", EN, changed + BAD)
    before = snapshot()
    dry = run_import(kind="staff", path=f, dry_run=True, skip_bad=skip_bad)
    assert snapshot() == before
    assert not (tmp_path / "s.rejects.csv").exists()
    real = run_import(kind="staff", path=f, skip_bad=skip_bad)
    counts = lambda r: (r.created, r.updated, r.unchanged, r.rejected, [str(e) for e in r.errors])  # noqa: E731
    assert counts(dry) == counts(real)
    assert counts(real)[:4] == ((1, 1, 0, 2) if skip_bad else (0, 0, 0, 2))
    assert (snapshot() != before) is skip_bad


def test_unknown_kind_is_refused_with_the_known_kinds():
    with pytest.raises(ApplicationError) as exc:
        run_import(kind="payroll", path="x.csv")
    assert "未知的导入类型“payroll”" in exc.value.message
    assert all(k in exc.value.message for k in ("institutions", "staff", "customers"))
    assert {"institutions", "staff", "customers"} <= set(registry.kinds())


def test_command_prints_summary_and_exits_zero_on_success(tmp_path, capsys):
    tree()
    call_command("import_data", "staff", str(write_csv(tmp_path / "s.csv", EN, GOOD)))
    out = capsys.readouterr().out
    assert "新增 created 2" in out and "拒绝 rejected 0" in out


def test_command_exits_non_zero_and_prints_every_error_when_a_row_is_rejected(tmp_path, capsys):
    tree()
    f = write_csv(tmp_path / "s.csv", EN, GOOD + BAD)
    with pytest.raises(CommandError, match="有 2 行被拒绝"):
        call_command("import_data", "staff", str(f))
    out = capsys.readouterr().out
    assert "第 4 行 手机号" in out and "第 5 行 机构号: 机构 X9 不存在" in out and "未导入任何数据" in out
    assert Staff.objects.count() == 0
    with pytest.raises(CommandError):
        call_command("import_data", "staff", str(f), "--skip-bad")
    out = capsys.readouterr().out
    assert Staff.objects.count() == 2 and str(tmp_path / "s.rejects.csv") in out


def test_command_dry_run_and_unknown_kind(tmp_path, capsys):
    tree()
    call_command("import_data", "staff", str(write_csv(tmp_path / "s.csv", EN, GOOD)), "--dry-run")
    assert "新增 created 2" in capsys.readouterr().out and Staff.objects.count() == 0
    with pytest.raises(CommandError, match="未知的导入类型“payroll”"):
        call_command("import_data", "payroll", "x.csv")
    with pytest.raises(CommandError, match="不存在"):
        call_command("import_data", "staff", str(tmp_path / "missing.csv"))


@pytest.mark.django_db(transaction=True)  # manage.py closes every connection when it ends
def test_command_exit_status_as_the_shell_sees_it(tmp_path, capsys):
    """Through manage.py's own entry point: exit status 1 when a row is rejected, none otherwise."""
    from django.core.management import execute_from_command_line

    tree()
    execute_from_command_line(["manage.py", "import_data", "staff", str(write_csv(tmp_path / "ok.csv", EN, GOOD))])
    assert "新增 created 2" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_data", "staff", str(write_csv(tmp_path / "bad.csv", EN, BAD)), "--dry-run"])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "第 3 行 机构号: 机构 X9 不存在" in captured.out and "有 2 行被拒绝" in captured.err


def test_the_rejects_file_is_escaped_and_reads_back_as_the_original_text(tmp_path):
    tree()
    bad = [GOOD[0][:1] + ["=HYPERLINK(\"x\")"] + GOOD[0][2:3] + ["X9"] + GOOD[0][4:]]
    result = run_import(kind="staff", path=write_csv(tmp_path / "r.csv", ZH, GOOD[1:] + bad), skip_bad=True)
    assert result.rejected == 1
    raw = read_csv(tmp_path / "r.rejects.csv")
    assert raw[1][1] == "'=HYPERLINK(\"x\")"  # Excel shows text, never runs it
    raw[1][3] = "OUT3"
    write_csv(tmp_path / "r.rejects.csv", raw[0], raw[1:], bom=True)
    assert run_import(kind="staff", path=tmp_path / "r.rejects.csv").created == 1
    assert Staff.objects.filter(name="=HYPERLINK(\"x\")").exists()  # the name as it was
