"""Writing spreadsheets people open in Excel (payout sheets, circulars) safely (SPEC §8).

A text cell that starts with `=`, `+`, `-`, `@`, a tab, CR or NUL would be taken by Excel (or by
openpyxl, which turns any string starting with `=` into a formula) for a formula — the classic
"formula injection" through a customer name such as `=HYPERLINK(...)`. `safe_cell` stores every
string as an explicit text cell with Excel's quote prefix, so it reads back as the very text that
was written and is never evaluated, even after someone edits the cell in Excel.

Usage with a write-only workbook (the sheets can be large)::

    ws = wb.create_sheet("发放明细")
    ws.freeze_panes = "A2"
    ws.append(header_row(ws, ["员工号", "姓名", "金额(元)"]))
    ws.append([safe_cell(no, sheet=ws), safe_cell(name, sheet=ws), safe_cell(amount, sheet=ws, number_format=MONEY_FORMAT)])
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\x00")
_QUOTED = (*DANGEROUS_PREFIXES, "'")  # texts that need a cell of their own (quote prefix)

MONEY_FORMAT = "#,##0.00"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")

# XML 1.0 cannot carry these control characters; openpyxl refuses them, so they are dropped.
_ILLEGAL = {c: None for c in range(32) if c not in (9, 10, 13)}


def is_dangerous(text: str) -> bool:
    return text.startswith(DANGEROUS_PREFIXES)


def safe_cell(value, *, sheet, number_format: str | None = None, bold: bool = False) -> WriteOnlyCell:
    """A cell for `sheet.append([...])` in a write-only workbook.

    Numbers, dates and Decimals stay typed (so sums and filters work in Excel) with an optional
    number format; every string becomes a text cell (`t="inlineStr"`, never `f`), and one that
    could start a formula also gets the quote prefix. Timezone-aware datetimes are written in
    Asia/Shanghai wall time, because Excel has no timezones."""
    if isinstance(value, Decimal):
        value = float(value)
    elif isinstance(value, dt.datetime) and value.tzinfo is not None:
        from .clock import local

        value = local(value).replace(tzinfo=None)
    elif value is not None and not isinstance(value, str | int | float | dt.date | bool):
        value = str(value)
    text = isinstance(value, str)
    if text:
        value = value.translate(_ILLEGAL)
    cell = WriteOnlyCell(sheet)
    if text:
        # openpyxl's public setter guesses "=..." is a formula (data_type "f"); the public data_type
        # attribute then says what it is: text. (Tested with openpyxl 3.1; requirements cap <3.2.)
        cell.value = value
        cell.data_type = "s"
        if is_dangerous(value) or value.startswith(("'",)):
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    elif isinstance(value, dt.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, dt.date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = HEADER_FONT
    return cell


class SafeRows:
    """Data rows for one write-only sheet that read back exactly as `safe_cell` writes them, at a
    fraction of the cost (big circulars write hundreds of thousands of cells):

    * in a column without a number format, openpyxl gets the plain value wherever no cell of its
      own is needed — an empty cell, an int or float, a text that cannot start a formula;
    * in a column with a number format, every number goes through one formatted cell per column,
      reused row after row (a write-only sheet writes each row while it is appended).

        rows = SafeRows(ws, [None, None, MONEY_FORMAT])
        for r in data:
            rows.append(r)
    """

    NUMBERS = (int, float, Decimal)

    def __init__(self, sheet, formats):
        self.sheet = sheet
        self.formats = list(formats)
        self._cells = [None if f is None else safe_cell(None, sheet=sheet, number_format=f) for f in self.formats]

    def values(self, row) -> list:
        out = []
        for value, number_format, cell in zip(row, self.formats, self._cells, strict=True):
            kind = type(value)
            if cell is None:
                if value is None or kind is int or kind is float:
                    out.append(value)
                    continue
                if kind is str:
                    clean = value.translate(_ILLEGAL)
                    out.append(safe_cell(clean, sheet=self.sheet) if clean.startswith(_QUOTED) else clean)
                    continue
            elif value is None or kind in self.NUMBERS:
                cell.value = float(value) if kind is Decimal else value
                out.append(cell)
                continue
            out.append(safe_cell(value, sheet=self.sheet, number_format=number_format))
        return out

    def append(self, row) -> None:
        self.sheet.append(self.values(row))


def safe_row(sheet, values, formats: dict[int, str] | None = None) -> list[WriteOnlyCell]:
    """`safe_cell` for a whole row; `formats` maps column index (0-based) to a number format."""
    formats = formats or {}
    return [safe_cell(v, sheet=sheet, number_format=formats.get(i)) for i, v in enumerate(values)]


def header_row(sheet, headers: list[str]) -> list[WriteOnlyCell]:
    """Bold, filled header cells (freeze them with `sheet.freeze_panes = "A2"` before appending)."""
    cells = []
    for title in headers:
        cell = safe_cell(title, sheet=sheet, bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cells.append(cell)
    return cells


def safe_csv_value(value) -> str:
    """For CSV exports (no cell types there): prefix a quote so a spreadsheet shows the text.
    The one escape of every CSV the product writes (exports, referral_codes, import rejects)."""
    text = "" if value is None else str(value)
    return "'" + text if is_dangerous(text) else text


def safe_csv_row(values) -> list[str]:
    return [safe_csv_value(v) for v in values]


def unescape_csv_value(text: str) -> str:
    """What `safe_csv_value` wrote, read back: a rejects file fixed in Excel and re-imported gives
    the original text ("'-abc" → "-abc"); a quote before anything harmless is the user's own."""
    return text[1:] if text.startswith("'") and is_dangerous(text[1:]) else text
