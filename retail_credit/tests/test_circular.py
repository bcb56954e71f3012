"""The `产能` sheet (INTERFACES.md): month to date for a week, full month for a month, 预警/退出候选,
per-tier summary rows; the leaders per tier; scope."""

import datetime as dt
import io

import openpyxl
import pytest

from org import clock
from org.models import Institution
from org.periods import Period
from org.tests.factories import tree
from reporting import services

from .helpers import loan, month_total, officer

pytestmark = pytest.mark.django_db


def sheet(period: str, scope: str, name="产能"):
    c = services.circular_build(period=Period.parse(period), scope=Institution.objects.get(code=scope))
    wb = openpyxl.load_workbook(io.BytesIO(c.file.read()) if hasattr(c, "file") and c.file else c.path)
    rows = [list(r) for r in wb[name].values]
    header_at = next(i for i, r in enumerate(rows) if r and r[0] in ("员工号", "分行"))
    return rows[header_at], rows[header_at + 1 :], wb


@pytest.fixture
def data():
    t = tree()
    a = officer(t["OUT1"], tier=3, since=dt.date(2023, 1, 1), employee_no="LOA")
    b = officer(t["OUT2"], tier=3, since=dt.date(2023, 10, 1), employee_no="LOB")  # Oct–Dec exempt
    far = officer(t["OUT4"], tier=5, since=dt.date(2023, 1, 1), employee_no="LOF")
    for m in ("2024-01", "2024-02", "2024-03"):
        month_total(b, m, 100_000)  # three months below tier 3's 120 万
    month_total(a, "2024-01", 3_000_000)
    month_total(a, "2024-02", 3_000_000)
    loan(a, "mortgage", 1_500_000, "2024-03-04")
    loan(a, "mortgage", 1_500_000, "2024-03-28")  # after week 10
    month_total(far, "2024-03", 500_000)
    return t, a, b, far


def test_month_sheet_columns_warnings_and_summary(data):
    with clock.frozen(dt.datetime(2024, 4, 8, 9, tzinfo=clock.SHANGHAI)):
        header, rows, wb = sheet("2024-03", "BR1")
    assert header[:10] == ["员工号", "姓名", "机构", "梯队", "放款金额(万元)", "产能积分", "目标(万元)", "生命线(万元)", "达成率", "预警"]
    by = {r[0]: r for r in rows if r[0]}
    assert set(by) == {"LOA", "LOB"}  # BR2's officer is not in BR1's circular
    # 2 mortgages of 150 万: average 3.0× the benchmark, clamped to 2.0 → 2 × 1.0 × 2.0 = 4 points
    assert by["LOA"][4] == 300 and by["LOA"][5] == 4 and by["LOA"][6] == 250 and by["LOA"][9] in (None, "")
    assert by["LOA"][8] == pytest.approx(1.2)
    assert by["LOB"][9] == "退出候选（连续低于生命线：2024-01、2024-02、2024-03）"
    summary = [r for r in rows if r[1] == "合计"]
    assert summary and summary[0][3] == 3 and summary[0][4] == 310 and "退出候选 1 人" in summary[0][9]
    notes = [list(r) for r in wb["说明"].values]
    assert any(r and r[0] == "产能" and "产能方案 v1" in " ".join(str(c) for c in r if c) for r in notes)


def test_week_sheet_is_the_month_to_date_of_the_month_the_week_ends_in(data):
    with clock.frozen(dt.datetime(2024, 4, 8, 9, tzinfo=clock.SHANGHAI)):
        _, rows, _ = sheet("2024-W10", "HO")  # 2024-03-04 … 03-10
    by = {r[0]: r for r in rows if r[0]}
    assert by["LOA"][4] == 150 and by["LOF"][4] == 50
    assert by["LOA"][9] in (None, "")  # 150 万 by 03-10 is above the pro-rata lifeline


def test_honours_list_leaders_per_tier(data):
    with clock.frozen(dt.datetime(2024, 4, 8, 9, tzinfo=clock.SHANGHAI)):
        header, rows, _ = sheet("2024-03", "HO", name="产能之星")
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("吉林分行", 5, 1, "LOF"), ("长春分行", 3, 1, "LOA"), ("长春分行", 3, 2, "LOB")]
