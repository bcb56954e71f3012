"""Read an import file into a header and string cells: CSV (UTF-8, with or without BOM) or XLSX.

Every cell comes back as a stripped string, whatever the file format, so a column's parser sees the
same text whether HR exported CSV or Excel (Excel turns employee numbers and mobiles into numbers
and dates into datetimes; we turn them back). Row numbers are those the user sees in the file:
the header is row 1.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.utils.translation import gettext as _

from ..errors import ApplicationError
from ..xlsx import unescape_csv_value

XLSX_MAGIC = b"PK\x03\x04"


@dataclass
class Table:
    header: list[str]
    # (row number in the file, cells aligned with header); blank rows are left out.
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def read_table(*, data: bytes, filename: str = "") -> Table:
    """Parse `data` as XLSX when it is a zip (or named .xlsx), otherwise as CSV."""
    if data[:4] == XLSX_MAGIC or filename.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data)
    return _read_csv(data)


def read_path(path: str | Path) -> Table:
    p = Path(path)
    if not p.is_file():
        raise ApplicationError(_("文件 %(path)s 不存在") % {"path": p})
    return read_table(data=p.read_bytes(), filename=p.name)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Excel on Chinese Windows saves "CSV" as GB18030; accepting it spares HR a round trip.
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ApplicationError(_("文件编码无法识别，请另存为 UTF-8 编码的 CSV 或 XLSX"))


# Python's csv refuses a field over 128 KB (csv.field_size_limit()); no column we import comes near
# it, so such a file is refused with the row it happened on instead of crashing the import.
MAX_CELL_BYTES = 128 * 1024


def _read_csv(data: bytes) -> Table:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return _csv_table(reader)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ApplicationError(
                _("第 %(line)s 行有单元格超过 %(kb)s KB，请检查文件内容（是否整列粘贴到了一个单元格）") % {"line": reader.line_num, "kb": MAX_CELL_BYTES // 1024}
            )
        raise ApplicationError(_("第 %(line)s 行无法按 CSV 读取：%(error)s") % {"line": reader.line_num, "error": exc})


def _csv_table(reader) -> Table:
    header: list[str] | None = None
    table = Table(header=[])
    for number, cells in enumerate(reader, start=1):
        if header is None:
            header = [c.replace("\x00", "").strip().lstrip("\ufeff") for c in cells]
            table.header = header
            continue
        # A cell escaped by safe_csv_value (a rejects file re-imported) reads as the original text.
        cells = [unescape_csv_value(c.strip()) for c in cells]
        if not any(cells):
            continue
        table.rows.append((number, _fit(cells, len(header))))
    if header is None or not any(header):
        raise ApplicationError(_("文件为空，缺少表头行"))
    return table


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise ApplicationError(_("无法读取 XLSX 文件，请确认文件未损坏"))
    try:
        if not workbook.worksheets:
            raise ApplicationError(_("XLSX 文件没有工作表"))
        sheet = workbook.worksheets[0]
        table = Table(header=[])
        header: list[str] | None = None
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if header is None:
                header = cells
                # Trailing empty header cells are formatting residue, not columns.
                while header and not header[-1]:
                    header.pop()
                table.header = header
                continue
            if not any(cells):
                continue
            table.rows.append((number, _fit(cells, len(header))))
    finally:
        workbook.close()
    if header is None or not any(header):
        raise ApplicationError(_("文件为空，缺少表头行"))
    return table


def _fit(cells: list[str], width: int) -> list[str]:
    if len(cells) < width:
        return cells + [""] * (width - len(cells))
    return cells[:width] if not any(cells[width:]) else cells


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    return str(value).strip()
