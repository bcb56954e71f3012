import pytest

from org.importing.base import run_import
from org.models import Institution
from org.tests.factories import tree
from org.tests.importing_utils import write_csv

pytestmark = pytest.mark.django_db

EN = ["code", "name", "kind", "parent_code"]
ZH = ["机构号", "机构名称", "机构类型", "上级机构号"]


def paths() -> dict[str, str]:
    return dict(Institution.objects.values_list("code", "path"))


def test_children_listed_before_their_parents_get_the_right_paths(tmp_path):
    f = write_csv(
        tmp_path / "inst.csv",
        ZH,
        [
            ["OUT1", "人民广场网点", "outlet", "SB1"],
            ["SB1", "南关支行", "sub_branch", "BR1"],
            ["BR1", "长春分行", "branch", "HO"],
            ["HO", "总行", "head_office", ""],
            ["DEP1", "南关支行个贷部", "支行部门", "SB1"],
        ],
    )
    result = run_import(kind="institutions", path=f)
    assert (result.created, result.rejected, result.errors) == (5, 0, [])
    assert paths() == {"HO": "/HO/", "BR1": "/HO/BR1/", "SB1": "/HO/BR1/SB1/", "OUT1": "/HO/BR1/SB1/OUT1/", "DEP1": "/HO/BR1/SB1/DEP1/"}
    assert Institution.objects.get(code="OUT1").parent.code == "SB1"
    assert Institution.objects.get(code="OUT1").depth == 3

    again = run_import(kind="institutions", path=f)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 5, 0)


def test_changing_the_parent_moves_the_whole_subtree(tmp_path):
    tree()
    f = write_csv(tmp_path / "move.csv", EN, [["SB2", "朝阳支行", "sub_branch", "BR2"]])
    result = run_import(kind="institutions", path=f)
    assert (result.updated, result.rejected) == (1, 0)
    assert paths()["OUT3"] == "/HO/BR2/SB2/OUT3/"
    assert Institution.objects.get(code="OUT3").depth == 3
    assert Institution.objects.get(code="SB2").parent.code == "BR2"


def test_a_new_parent_and_a_move_under_it_in_the_same_file(tmp_path):
    tree()
    f = write_csv(
        tmp_path / "restructure.csv",
        EN,
        [["OUT2", "南湖网点", "outlet", "SB9"], ["SB9", "新区支行", "sub_branch", "BR2"]],
    )
    result = run_import(kind="institutions", path=f)
    assert (result.created, result.updated, result.rejected) == (1, 1, 0)
    assert paths()["OUT2"] == "/HO/BR2/SB9/OUT2/"


def test_wrong_kind_under_parent_missing_parent_and_cycles_are_all_reported_and_nothing_written(tmp_path):
    tree()
    before = paths()
    f = write_csv(
        tmp_path / "bad.csv",
        ZH,
        [
            ["OUT9", "新网点", "outlet", "BR1"],  # an outlet must sit under a sub-branch
            ["SB9", "新支行", "sub_branch", "NOPE"],
            ["X1", "甲", "sub_branch", "X2"],
            ["X2", "乙", "sub_branch", "X1"],
            ["OK1", "正确的支行", "sub_branch", "BR1"],
            ["Z1", "类型不对", "bank", "BR1"],
        ],
    )
    result = run_import(kind="institutions", path=f)
    messages = [str(e) for e in result.errors]
    assert result.refused and result.rejected == 5 and result.created == 0
    assert any(m.startswith("第 2 行 上级机构号:") and "不能作为其上级" in m for m in messages)
    assert "第 3 行 上级机构号: 上级机构 NOPE 不存在" in messages
    assert any(m.startswith("第 4 行 上级机构号:") for m in messages)
    assert any(m.startswith("第 7 行 机构类型:") and "应为 head_office" in m for m in messages)
    assert paths() == before


def test_with_skip_bad_a_child_of_a_rejected_parent_row_is_rejected_too(tmp_path):
    tree()
    f = write_csv(
        tmp_path / "chain.csv",
        EN,
        [["SB9", "", "sub_branch", "BR1"], ["OUT9", "新网点", "outlet", "SB9"], ["OUT8", "另一网点", "outlet", "SB1"]],
    )
    result = run_import(kind="institutions", path=f, skip_bad=True)
    assert (result.created, result.rejected) == (1, 2)
    assert [str(e) for e in result.errors] == [
        "第 2 行 机构名称: 不能为空",
        "第 3 行 上级机构号: 上级机构 SB9 所在的第 2 行有错误，本行无法导入",
    ]
    assert Institution.objects.filter(code="OUT8").exists()
    assert not Institution.objects.filter(code__in=["SB9", "OUT9"]).exists()


def test_a_kind_change_that_no_longer_fits_the_children_is_refused(tmp_path):
    tree()
    f = write_csv(tmp_path / "kind.csv", EN, [["SB1", "南关支行", "branch", "HO"]])
    result = run_import(kind="institutions", path=f)
    assert result.refused
    assert [str(e) for e in result.errors] == ["第 2 行 机构类型: 机构 SB1 下有二级支行/网点 OUT1、二级支行/网点 OUT2，不能改为分行"]


def test_a_second_head_office_is_refused(tmp_path):
    tree()
    f = write_csv(tmp_path / "ho.csv", EN, [["HO2", "另一个总行", "head_office", ""]])
    result = run_import(kind="institutions", path=f)
    assert [str(e) for e in result.errors] == ["第 2 行 机构类型: 已存在总行 HO，不能再导入总行 HO2"]


def test_dry_run_of_a_move_reports_the_real_counts_and_leaves_the_paths(tmp_path):
    tree()
    before = paths()
    f = write_csv(tmp_path / "move.csv", EN, [["SB2", "朝阳支行", "sub_branch", "BR2"], ["OUT9", "新网点", "outlet", "SB2"]])
    dry = run_import(kind="institutions", path=f, dry_run=True)
    assert paths() == before
    real = run_import(kind="institutions", path=f)
    assert (
        (dry.created, dry.updated, dry.unchanged, dry.rejected)
        == (real.created, real.updated, real.unchanged, real.rejected)
        == (1, 1, 0, 0)
    )
    assert paths()["OUT9"] == "/HO/BR2/SB2/OUT9/"
