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
import json
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from org import circular_sheets, clock
from org.circular_sheets import Column, SheetData
from org.db import reporting_reads
from org.errors import ApplicationError
from org.memo import build_memo
from org.models import Institution, InstitutionKind
from org.periods import Period
from org.xlsx import INTEGER_FORMAT, MONEY_FORMAT, PERCENT_FORMAT, SafeRows, header_row, safe_cell

from .models import KIND_OF_PERIOD, Circular

NOTES_SHEET = "说明"
FORMATS = {"int": INTEGER_FORMAT, "wan": MONEY_FORMAT, "decimal": MONEY_FORMAT, "percent": PERCENT_FORMAT, "text": None}
HEADER_ROW = 2  # row 1 carries the title (period and scope); the header is frozen with it


def circular_kind(period: Period) -> str:
    try:
        return KIND_OF_PERIOD[period.kind]
    except KeyError:
        raise ApplicationError(_("期间“%(period)s”不能生成通报：只支持周（2024-W45）、月（2024-11）、季度（2024-Q4）或年（2024）") % {"period": period.code})


def circular_rule_versions(*, period: Period) -> str:
    """The rule version of every sheet, in sheet order: part of the circular's identity."""
    return "；".join(f"{b.name}：{b.rule_version(period)}" for b in circular_sheets.builders_for(period.kind))


def circular_title(*, period: Period, scope: Institution) -> str:
    label = {"day": "日报", "week": "周通报", "month": "月通报", "quarter": "季度通报", "year": "年度通报"}[period.kind]
    return f"{scope.name} {label} {period.code if period.kind == 'day' else period.label}"


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
    rows = SafeRows(ws, [FORMATS[c.format] for c in columns])
    for row in data.rows:
        rows.append(row)


CORRECTIONS_SHEET = "更正说明"
MAX_LISTED_CHANGES = 500


def period_finished(period: Period) -> bool:
    """A period is final once its last day is over (Asia/Shanghai)."""
    return period.end < clock.today()


def _sheets(*, period: Period, scope: Institution) -> list[tuple[str, str, SheetData]]:
    """Every registered sheet's figures, read from the replica when one is configured (org.db); a
    selector several sheets ask for the same figures computes them once (org.memo)."""
    with reporting_reads(), build_memo():
        return [(b.name, b.rule_version(period), b.build(period=period, scope=scope)) for b in circular_sheets.builders_for(period.kind)]


def _canon(value) -> str:
    """One text form of a cell, the same whether it comes from a builder or read back from a file."""
    kind = type(value)
    if kind is str:  # the common case first: a circular has hundreds of thousands of cells
        return value
    if value is None:
        return ""
    if kind is not bool and isinstance(value, int | float | Decimal):
        number = round(float(value), 6)
        return str(int(number)) if number == int(number) else repr(number)
    if kind is bool:
        return str(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _figures(sheets) -> dict[str, list[tuple[str, ...]]]:
    return {name: [tuple(_canon(v) for v in row) for row in data.rows] for name, _version, data in sheets}


def _fingerprint(figures: dict) -> str:
    return hashlib.sha256(json.dumps(figures, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _figures_of_file(circular: Circular) -> dict[str, list[tuple[str, ...]]]:
    """The figures of a stored edition, read back from its workbook (data rows below the header)."""
    from openpyxl import load_workbook

    with circular.file.open("rb") as fh:
        wb = load_workbook(io.BytesIO(fh.read()), read_only=True, data_only=True)
    try:
        return {
            ws.title: [tuple(_canon(v) for v in row) for row in ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True)]
            for ws in wb.worksheets
            if ws.title not in (NOTES_SHEET, CORRECTIONS_SHEET)
        }
    finally:
        wb.close()


def _is_figure(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def figures_diff(old: dict, new: dict) -> list[dict]:
    """Rows whose figures differ: rows are matched by their text cells (who or what the row is:
    employee number, name, institution…) and the n-th occurrence of the same text; a row that
    appears or disappears is a change too."""

    def keyed(rows):
        out, seen = {}, {}
        for row in rows:
            ident = tuple(v for v in row if v and not _is_figure(v))
            n = seen[ident] = seen.get(ident, 0) + 1
            out[(ident, n)] = row
        return out

    changes = []
    for sheet in list(new) + [name for name in old if name not in new]:
        before, after = keyed(old.get(sheet, [])), keyed(new.get(sheet, []))
        for key in list(after) + [k for k in before if k not in after]:
            if before.get(key) != after.get(key):
                changes.append(
                    {
                        "sheet": sheet,
                        "row": " ".join(key[0]) or "—",
                        "old": " | ".join(before[key]) if key in before else "（无此行）",
                        "new": " | ".join(after[key]) if key in after else "（已删除）",
                    }
                )
    return changes


def circular_workbook(
    *, period: Period, scope: Institution, sheets=None, title_suffix: str = "", corrections: list[dict] | None = None
) -> tuple[bytes, str]:
    """The workbook's bytes (write-only mode: rows stream to disk, whatever the bank's size) and
    its rule versions. A corrected edition carries the 更正说明 sheet listing the changed rows."""
    sheets = sheets if sheets is not None else _sheets(period=period, scope=scope)
    title = circular_title(period=period, scope=scope) + title_suffix
    wb = Workbook(write_only=True)
    notes: list[list] = []
    for name, version, data in sheets:
        _write_sheet(wb, name=name, title=f"{name} · {title}", data=data)
        notes.extend([name, c.header, c.definition, version] for c in data.columns)
    if corrections is not None:
        columns = [
            Column("工作表", "数字有变化的工作表", width=12),
            Column("行", "该行是谁或什么（员工号、姓名、机构…）", width=30),
            Column("上一版", "上一版该行的数字", width=60),
            Column("本版", "本版该行的数字", width=60),
        ]
        rows = [[c["sheet"], c["row"], c["old"], c["new"]] for c in corrections]
        _write_sheet(wb, name=CORRECTIONS_SHEET, title=f"{CORRECTIONS_SHEET} · {title}", data=SheetData(columns=columns, rows=rows))
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
    return buf.getvalue(), "；".join(f"{name}：{version}" for name, version, _data in sheets)


def circular_provisional(*, period: Period, scope: Institution) -> tuple[bytes, str]:
    """A circular of a period not over yet: the figures so far, marked 截至 … in every title and
    the file name, and never stored (SPEC §6: only a finished period has editions)."""
    circular_kind(period)
    stamp = f"{clock.local(clock.now()):%Y-%m-%d %H:%M}"
    content, _versions = circular_workbook(period=period, scope=scope, title_suffix=f"（截至 {stamp}，临时）")
    label = {"week": "周通报", "month": "月通报", "quarter": "季度通报", "year": "年度通报"}[period.kind]
    return content, f"{scope.name}{period.code}{label}（截至{stamp.replace(':', '')}临时）.xlsx"


def _stored(*, kind: str, period: Period, scope: Institution, rule_versions: str) -> Circular | None:
    """The latest edition stored for these rule versions."""
    return (
        Circular.objects.filter(kind=kind, period=period.code, scope=scope, rule_versions=rule_versions)
        .select_related("scope")
        .order_by("-edition")
        .first()
    )


def circular_build(*, period: Period, scope: Institution) -> Circular:
    """The circular of `scope` for a finished `period`.

    The first build stores edition 1 (what Monday's job sends). Every later build recounts: when the
    figures are what the latest edition shows, that edition is returned; when facts arrived or flags
    were decided since, a corrected edition (第 2 版 …) is stored beside it, with a 更正说明 sheet
    listing the rows whose figures differ. Editions already sent are never rewritten."""
    kind = circular_kind(period)
    if not period_finished(period):
        raise ApplicationError(
            _("%(period)s 尚未结束，不能生成正式通报；可下载截至当前的临时通报") % {"period": period.label}, code="period_unfinished"
        )
    rule_versions = circular_rule_versions(period=period)
    latest = _stored(kind=kind, period=period, scope=scope, rule_versions=rule_versions)
    sheets = _sheets(period=period, scope=scope)
    figures = _figures(sheets)
    fingerprint = _fingerprint(figures)
    corrections = None
    if latest is not None:
        if latest.figures_sha256 == fingerprint:
            return latest
        changes = figures_diff(_figures_of_file(latest), figures)
        if not changes:  # an edition stored before fingerprints: same figures
            Circular.objects.filter(pk=latest.pk).update(figures_sha256=fingerprint)
            return latest
        corrections = changes
    edition = latest.edition + 1 if latest is not None else 1
    suffix = f" 第 {edition} 版（更正）" if edition > 1 else ""
    content, rule_versions = circular_workbook(period=period, scope=scope, sheets=sheets, title_suffix=suffix, corrections=corrections)
    circular = Circular(
        kind=kind,
        period=period.code,
        period_start=period.start,
        period_end=period.end,
        scope=scope,
        rule_versions=rule_versions,
        edition=edition,
        figures_sha256=fingerprint,
        changes=(corrections or [])[:MAX_LISTED_CHANGES],
        changed_rows=len(corrections or []),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        created_at=clock.now(),
    )
    name = f"{kind}/{period.code}/{scope.code}.xlsx" if edition == 1 else f"{kind}/{period.code}/{scope.code}-v{edition}.xlsx"
    circular.file.save(name, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            circular.save()
    except IntegrityError:
        # Another worker stored the same edition first: keep theirs, drop our file.
        circular.file.delete(save=False)
        winner = _stored(kind=kind, period=period, scope=scope, rule_versions=rule_versions)
        if winner is None:
            raise
        return winner
    return circular


def recent_finished_periods(*, weeks: int = 8) -> list[Period]:
    """The finished weeks, months and quarters that ended in the last `weeks` weeks."""
    today = clock.today()
    since = today - dt.timedelta(weeks=weeks)
    out: list[Period] = []
    for kind in ("week", "month", "quarter"):
        period = Period.containing(today, kind).previous()
        while period.end >= since:
            out.append(period)
            period = period.previous()
    return out


def circulars_rebuild_changed(*, weeks: int = 8) -> list[Circular]:
    """Nightly: recount every stored circular of the last `weeks` weeks; store a corrected edition
    where the figures changed. Returns the new editions."""
    new = []
    for period in recent_finished_periods(weeks=weeks):
        kind = circular_kind(period)
        scope_ids = Circular.objects.filter(kind=kind, period=period.code).values_list("scope_id", flat=True).distinct()
        for scope in Institution.objects.filter(pk__in=list(scope_ids)).order_by("path"):
            before = Circular.objects.filter(kind=kind, period=period.code, scope=scope).count()
            circular = circular_build(period=period, scope=scope)
            if Circular.objects.filter(kind=kind, period=period.code, scope=scope).count() > before:
                new.append(circular)
    return new


def circular_scopes(*, scope_code: str | None = None) -> list[Institution]:
    """The scopes to build: the named institution, or the head office and every branch."""
    if scope_code:
        inst = Institution.objects.filter(code=scope_code).first()
        if inst is None:
            raise ApplicationError(_("机构号“%(code)s”不存在") % {"code": scope_code}, code="unknown_scope")
        return [inst]
    scopes = list(Institution.objects.filter(parent__isnull=True).order_by("path")) + list(
        Institution.objects.filter(kind=InstitutionKind.BRANCH).order_by("path")
    )
    if not scopes:
        raise ApplicationError(_("还没有任何机构，无法生成通报：请先导入机构"), code="no_institutions")
    return scopes


def scheduled_circular_scopes() -> list[str]:
    """The scopes the beat builds a circular for: the head office, every branch and sub-branch, and
    every outlet when `CIRCULARS_FOR_OUTLETS` is on (otherwise an outlet's circular is built on its
    first download and stored, like any other)."""
    from django.conf import settings

    kinds = [InstitutionKind.HEAD_OFFICE, InstitutionKind.BRANCH, InstitutionKind.SUB_BRANCH]
    if settings.CIRCULARS_FOR_OUTLETS:
        kinds.append(InstitutionKind.OUTLET)
    return list(Institution.objects.filter(kind__in=kinds).order_by("path").values_list("code", flat=True))


def circulars_build(*, period: Period, scope_code: str | None = None) -> list[Circular]:
    """Every circular of a period (head office and each branch, or one scope): what the command and
    the scheduled tasks run. Safe to repeat."""
    circular_kind(period)
    return [circular_build(period=period, scope=scope) for scope in circular_scopes(scope_code=scope_code)]
