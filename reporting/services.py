"""Circulars (通报, SPEC §6): build the workbook of a scope and period, store it once.

The sheets come from `org.circular_sheets`, where each programme registered its builder; this
module only lays them out. A circular is stored once per (kind, period, scope, rule versions):
asking again returns the stored one, and two workers racing to insert the same row leave one
(the unique constraint decides, the loser returns the winner's row and deletes its file).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from org import circular_sheets, clock
from org.circular_sheets import Column, SheetData
from org.errors import ApplicationError
from org.models import Institution, InstitutionKind
from org.periods import Period
from org.xlsx import INTEGER_FORMAT, MONEY_FORMAT, PERCENT_FORMAT, header_row, safe_cell

from .models import KIND_OF_PERIOD, Circular

NOTES_SHEET = "说明"
FORMATS = {"int": INTEGER_FORMAT, "wan": MONEY_FORMAT, "decimal": MONEY_FORMAT, "percent": PERCENT_FORMAT, "text": None}
HEADER_ROW = 2  # row 1 carries the title (period and scope); the header is frozen with it


def circular_kind(period: Period) -> str:
    try:
        return KIND_OF_PERIOD[period.kind]
    except KeyError:
        raise ApplicationError(f"期间“{period.code}”不能生成通报：只支持周（2024-W45）、月（2024-11）或季度（2024-Q4）")


def circular_rule_versions(*, period: Period) -> str:
    """The rule version of every sheet, in sheet order: part of the circular's identity."""
    return "；".join(f"{b.name}：{b.rule_version(period)}" for b in circular_sheets.builders_for(period.kind))


def circular_title(*, period: Period, scope: Institution) -> str:
    label = {"week": "周通报", "month": "月通报", "quarter": "季度通报"}[period.kind]
    return f"{scope.name} {label} {period.label}"


def _write_sheet(wb: Workbook, *, name: str, title: str, data: SheetData) -> None:
    ws = wb.create_sheet(name)
    columns = data.columns
    last = get_column_letter(len(columns))
    for i, col in enumerate(columns, 1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + max(len(data.rows), 1)}"
    ws.append([safe_cell(title, sheet=ws, bold=True)])
    ws.append(header_row(ws, [c.header for c in columns]))
    formats = [FORMATS[c.format] for c in columns]
    for row in data.rows:
        ws.append([safe_cell(v, sheet=ws, number_format=fmt) for v, fmt in zip(row, formats, strict=True)])


def circular_workbook(*, period: Period, scope: Institution) -> tuple[bytes, str]:
    """The workbook's bytes (write-only mode: rows stream to disk, whatever the bank's size) and
    its rule versions."""
    builders = circular_sheets.builders_for(period.kind)
    title = circular_title(period=period, scope=scope)
    wb = Workbook(write_only=True)
    notes: list[list] = []
    for b in builders:
        version = b.rule_version(period)
        data = b.build(period=period, scope=scope)
        _write_sheet(wb, name=b.name, title=f"{b.name} · {title}", data=data)
        notes.extend([b.name, c.header, c.definition, version] for c in data.columns)
    note_columns = [
        Column("工作表", "本说明所述的工作表", width=10),
        Column("列名", "该工作表的列", width=16),
        Column("定义", "该列的口径", width=90),
        Column("规则版本", "计算该列所用的规则版本", width=40),
    ]
    _write_sheet(wb, name=NOTES_SHEET, title=f"{NOTES_SHEET} · {title}", data=SheetData(columns=note_columns, rows=notes))
    # The document date is the period's end, not the build time: the content depends on data only.
    wb.properties.created = dt.datetime.combine(period.end, dt.time())
    wb.properties.creator = "转介与营销过程管理"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), "；".join(f"{b.name}：{b.rule_version(period)}" for b in builders)


def _stored(*, kind: str, period: Period, scope: Institution, rule_versions: str) -> Circular | None:
    return Circular.objects.filter(kind=kind, period=period.code, scope=scope, rule_versions=rule_versions).select_related("scope").first()


def circular_build(*, period: Period, scope: Institution) -> Circular:
    """The circular of `scope` for `period`: the stored one when the same rule versions already
    produced it, otherwise a new workbook stored under the unique constraint."""
    kind = circular_kind(period)
    rule_versions = circular_rule_versions(period=period)
    if existing := _stored(kind=kind, period=period, scope=scope, rule_versions=rule_versions):
        return existing
    content, rule_versions = circular_workbook(period=period, scope=scope)
    circular = Circular(
        kind=kind,
        period=period.code,
        period_start=period.start,
        period_end=period.end,
        scope=scope,
        rule_versions=rule_versions,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        created_at=clock.now(),
    )
    circular.file.save(f"{kind}/{period.code}/{scope.code}.xlsx", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            circular.save()
    except IntegrityError:
        # Another worker stored the same circular first: keep theirs, drop our file.
        circular.file.delete(save=False)
        winner = _stored(kind=kind, period=period, scope=scope, rule_versions=rule_versions)
        if winner is None:
            raise
        return winner
    return circular


def circular_scopes(*, scope_code: str | None = None) -> list[Institution]:
    """The scopes to build: the named institution, or the head office and every branch."""
    if scope_code:
        inst = Institution.objects.filter(code=scope_code).first()
        if inst is None:
            raise ApplicationError(f"机构号“{scope_code}”不存在", code="unknown_scope")
        return [inst]
    scopes = list(Institution.objects.filter(parent__isnull=True).order_by("path")) + list(
        Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("path")
    )
    if not scopes:
        raise ApplicationError("还没有任何机构，无法生成通报：请先导入机构", code="no_institutions")
    return scopes


def circulars_build(*, period: Period, scope_code: str | None = None) -> list[Circular]:
    """Every circular of a period (head office and each branch, or one scope): what the command and
    the scheduled tasks run. Safe to repeat."""
    circular_kind(period)
    return [circular_build(period=period, scope=scope) for scope in circular_scopes(scope_code=scope_code)]
