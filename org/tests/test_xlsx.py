"""org.xlsx: SafeRows writes what safe_cell writes — same values, types, formats and quote
prefixes read back — while handing openpyxl plain values where no cell of its own is needed."""

import datetime as dt
import io
from decimal import Decimal

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from org.xlsx import INTEGER_FORMAT, MONEY_FORMAT, PERCENT_FORMAT, SafeRows, safe_cell

FORMATS = [None, None, MONEY_FORMAT, INTEGER_FORMAT, PERCENT_FORMAT, None, None, MONEY_FORMAT]
ROWS = [
    ["E001", "张三", Decimal("1234.5"), 7, 0.873, None, dt.date(2024, 3, 4), None],
    ["=HYPERLINK(\"http://x\")", "+8613800000000", -3.5, 0, 1.2, True, "", "—"],
    ["'quoted", "-1", Decimal(0), 12, None, "@sum", "坏\x00字\x07符", 5],
    ["\tTab", "ok", 1, 2, 0.5, 3.25, 42, Decimal("0.01")],
]


def _book(writer) -> list[list]:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    append = writer(ws)
    for row in ROWS:
        append(row)
    buf = io.BytesIO()
    wb.save(buf)
    sheet = load_workbook(io.BytesIO(buf.getvalue()))["s"]
    return [[(c.value, c.data_type, c.number_format, c.quotePrefix) for c in r] for r in sheet.iter_rows()]


def test_safe_rows_read_back_exactly_as_safe_cell():
    slow = _book(lambda ws: lambda row: ws.append([safe_cell(v, sheet=ws, number_format=f) for v, f in zip(row, FORMATS, strict=True)]))
    fast = _book(lambda ws: SafeRows(ws, FORMATS).append)
    assert fast == slow
    # And what a user sees: a formula-looking name stays text with the quote prefix, formats apply.
    assert slow[1][0] == ('=HYPERLINK("http://x")', "s", "General", True)
    assert slow[0][2] == (1234.5, "n", MONEY_FORMAT, False)
    assert slow[2][6][0] == "坏字符"


def test_plain_values_only_where_no_cell_is_needed():
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("s")
    rows = SafeRows(ws, [None, None, None, INTEGER_FORMAT, None, None])
    got = rows.values(["E001", "=1+1", 3, 4, None, Decimal("2.5")])
    assert got[0] == "E001" and got[2] == 3 and got[4] is None
    assert all(isinstance(got[i], Cell) for i in (1, 3, 5))
    assert got[3] is rows.values(["E002", "x", 1, 5, None, 1])[3]  # one formatted cell per column, reused
