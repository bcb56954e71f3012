"""The importer framework: one pipeline for every batch file of INTERFACES.md "Files".

How a file is imported (`run_import`):

1. read it (`readers`): CSV in UTF-8 with or without BOM, or the first sheet of an XLSX; one header
   row; every cell becomes a stripped string; the header is row 1, as the user sees it;
2. map each header cell to a column by its English key (any case) or its Chinese label; a missing
   required column refuses the whole file; unknown columns are ignored and reported as warnings;
3. parse every cell with its column's parser; collect *every* problem of *every* row as
   "第 12 行 机构号: 机构 X 不存在"; a natural key repeated in the file is a bad row;
4. `Importer.check(rows)` validates what needs the database or other rows, in bulk, for the rows
   whose cells all parsed (a row with a bad cell is reported with that cell's reason);
5. if any row is bad and `skip_bad` is off, nothing is written (the file is "refused");
   otherwise `Importer.apply(good_rows)` writes the good rows in bulk, all inside one
   `transaction.atomic`, and the bad rows go to a rejects CSV (original columns + 错误原因/reason)
   that can be fixed and imported again;
6. `dry_run` runs steps 1–5 for real inside the transaction and rolls it back, so its counts are
   exactly those of the real run.

Re-importing a file is idempotent: every row whose natural key exists with the same values is
`unchanged`. An optional column that is absent from the file leaves that field of existing records
as it is; a column that is present but empty sets it empty (except an ID number: an empty 身份证号
never erases the stored hash, which could not be rebuilt).

Extension API (for `calls`, `loans`, `applications`, `sales`, `customer_lists`, ...)::

    from org.importing import registry
    from org.importing.base import Column, Importer, Outcome, parsers

    class LoanImporter(Importer):
        label = "贷款"
        natural_key = ("loan_id",)
        columns = (
            Column("loan_id", "贷款编号", required=True),
            Column("officer_employee_no", "客户经理员工号", required=True),
            Column("amount", "金额", required=True, parser=parsers.decimal(places=2, min_value=0)),
            Column("disbursed_on", "放款日期", required=True, parser=parsers.date),
        )

        def check(self, rows):                       # database checks, in bulk
            officers = self.fetch(Staff.objects.all(), "employee_no", {r["officer_employee_no"] for r in rows})
            for row in rows:
                if row["officer_employee_no"] not in officers:
                    row.error("officer_employee_no", f"员工 {row['officer_employee_no']} 不存在")
            self.officers = officers

        def apply(self, rows):                       # bulk writes; set every row's outcome
            existing = self.fetch(Loan.objects.all(), "loan_id", {r["loan_id"] for r in rows})
            new = []
            for row in rows:
                if row["loan_id"] in existing:
                    row.outcome = Outcome.UNCHANGED  # or compare and collect for bulk_update
                else:
                    new.append(Loan(...)); row.outcome = Outcome.CREATED
            self.bulk_create(Loan, new)

    # in LoansConfig.ready():
    registry.register("loans", LoanImporter)

Rules for a kind: `check` must find every problem a row can have (calling `row.error(key,
message)` with a Chinese message), so `apply` never fails on a row; look rows up in bulk
(`self.fetch`, one query per `batch_size` keys) and write with `self.bulk_create` /
`self.bulk_update`, never one query per row; set `recheck = True` when rows refer to other rows of
the same file, so a row that depends on a rejected row is rejected too. `self.present` is the set
of column keys present in the file; `self.user` is who imports (None from the command line).
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import Model, QuerySet

from .. import clock, pii
from ..errors import ApplicationError
from ..text import NUL_MESSAGE, has_nul
from ..xlsx import safe_csv_row
from . import registry
from .readers import Table, read_path, read_table

REASON_HEADERS = ("错误原因", "reason")


class Outcome(enum.StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Column:
    """One column of a kind: English key, Chinese label, whether it must have a value, and a parser
    that turns the cell text into a value or raises ValueError with a Chinese reason."""

    key: str
    label: str
    required: bool = False
    parser: Callable[[str], Any] | None = None
    max_length: int | None = None

    def parse(self, text: str) -> Any:
        if self.max_length is not None and len(text) > self.max_length:
            raise ValueError(f"长度不能超过 {self.max_length} 个字符")
        return self.parser(text) if self.parser else text


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the column's Chinese label; "" when the problem is the whole row
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column}: {self.message}" if self.column else f"第 {self.row} 行: {self.message}"


class Row:
    """One data row: the cells as written (`cells`, for the rejects file), the parsed values by key,
    the problems found and, once applied, its outcome."""

    __slots__ = ("number", "cells", "values", "errors", "outcome", "_importer")

    def __init__(self, number: int, cells: list[str], importer: Importer):
        self.number = number
        self.cells = cells
        self.values: dict[str, Any] = {}
        self.errors: list[tuple[str, str]] = []
        self.outcome: Outcome | None = None
        self._importer = importer

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)

    def get(self, key: str, default: Any = None) -> Any:
        value = self.values.get(key)
        return default if value is None else value

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, key: str, message: str) -> None:
        """Record a problem with column `key` ("" for the whole row)."""
        self.errors.append((key, message))

    def row_errors(self) -> list[RowError]:
        return [RowError(self.number, self._importer.label_of(key), message) for key, message in self.errors]


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do): the command and the upload page print it."""

    kind: str
    label: str = ""
    dry_run: bool = False
    skip_bad: bool = False
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    file_error: str = ""
    refused: bool = False  # bad rows and no skip_bad: nothing was written
    rejects_path: str = ""

    @property
    def ok(self) -> bool:
        return not self.file_error and not self.rejected

    @property
    def written(self) -> bool:
        return not (self.dry_run or self.refused or self.file_error) and bool(self.created or self.updated)

    def summary(self) -> str:
        prefix = "【试运行，未写入 dry run, nothing written】" if self.dry_run else ""
        return (
            f"{prefix}{self.label or self.kind}（{self.kind}）：共 {self.total} 行 rows；"
            f"新增 created {self.created}，更新 updated {self.updated}，"
            f"未变 unchanged {self.unchanged}，拒绝 rejected {self.rejected}"
        )

    def status_line(self) -> str:
        if self.file_error:
            return f"文件被拒绝，未导入任何数据 (file refused, nothing imported)：{self.file_error}"
        if self.refused:
            return "文件有错误行，未导入任何数据；修正后重新导入，或使用 --skip-bad 只导入正确的行 (file refused, nothing imported)"
        if self.dry_run:
            return "试运行完成，未写入任何数据 (dry run, nothing written)"
        return "导入完成 (import done)"


# --- parsers -------------------------------------------------------------------------------------


class parsers:  # noqa: N801 — a namespace, used as `parsers.date`
    """Cell parsers: take the stripped text of a non-empty cell, return a value or raise ValueError
    with a Chinese reason (shown as "第 N 行 列名: 原因")."""

    @staticmethod
    def date(text: str) -> dt.date:
        try:
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"日期“{text}”无效，格式应为 YYYY-MM-DD")

    @staticmethod
    def datetime(text: str) -> dt.datetime:
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"时间“{text}”无效，应为 ISO 8601 格式，如 2024-11-11T09:30:00")
        return value if value.tzinfo else value.replace(tzinfo=clock.SHANGHAI)

    @staticmethod
    def decimal(*, places: int = 2, min_value: Decimal | int | None = None) -> Callable[[str], Decimal]:
        def parse(text: str) -> Decimal:
            try:
                value = Decimal(text.replace(",", ""))
            except InvalidOperation:
                raise ValueError(f"“{text}”不是有效的数字")
            if not value.is_finite():
                raise ValueError(f"“{text}”不是有效的数字")
            if value.as_tuple().exponent < -places:
                raise ValueError(f"“{text}”最多保留 {places} 位小数")
            if min_value is not None and value < min_value:
                raise ValueError(f"不能小于 {min_value}")
            return value.quantize(Decimal(1).scaleb(-places))

        return parse

    @staticmethod
    def integer(*, min_value: int | None = None, max_value: int | None = None) -> Callable[[str], int]:
        def parse(text: str) -> int:
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                raise ValueError(f"“{text}”不是整数")
            value = int(text)
            if (min_value is not None and value < min_value) or (max_value is not None and value > max_value):
                if min_value is not None and max_value is not None:
                    raise ValueError(f"应为 {min_value}–{max_value} 之间的整数")
                raise ValueError(f"不能小于 {min_value}" if min_value is not None else f"不能大于 {max_value}")
            return value

        return parse

    @staticmethod
    def choice(options) -> Callable[[str], str]:
        """Accept the code (`outlet`) or its Chinese label (`二级支行/网点`); return the code.
        `options` is a Django TextChoices class or an iterable of codes / (code, label) pairs."""
        pairs = _choice_pairs(options)
        lookup = {code.lower(): code for code, _ in pairs} | {label: code for code, label in pairs if label}

        def parse(text: str) -> str:
            code = lookup.get(text) or lookup.get(text.lower())
            if code is None:
                raise ValueError(f"“{text}”无效，应为 {'、'.join(c for c, _ in pairs)} 之一")
            return code

        return parse

    @staticmethod
    def choice_list(options, *, separator: str = ";") -> Callable[[str], list[str]]:
        """A `;`-separated list of codes (full-width `；` accepted too); each checked as `choice`."""
        one = parsers.choice(options)

        def parse(text: str) -> list[str]:
            items = [i.strip() for i in re.split(rf"[{re.escape(separator)}；]", text) if i.strip()]
            bad = []
            codes = []
            for item in items:
                try:
                    codes.append(one(item))
                except ValueError:
                    bad.append(item)
            if bad:
                raise ValueError(f"“{'、'.join(bad)}”无效，应为 {'、'.join(c for c, _ in _choice_pairs(options))} 之一")
            return sorted(set(codes))

        return parse

    @staticmethod
    def text_list(text: str) -> list[str]:
        return [i.strip() for i in re.split(r"[;；]", text) if i.strip()]

    @staticmethod
    def boolean(text: str) -> bool:
        value = {"1": True, "0": False, "true": True, "false": False, "是": True, "否": False}.get(text.lower())
        if value is None:
            raise ValueError(f"“{text}”无效，应为 1 或 0")
        return value

    @staticmethod
    def mobile(text: str) -> str:
        if not pii.is_valid_mobile(text):
            raise ValueError(f"“{text}”不是有效的 11 位手机号")
        return pii.normalise(text)

    @staticmethod
    def id_number(text: str) -> str:
        # The message never repeats the number: it would end up in logs and rejects reasons.
        if not pii.is_valid_id_number(text):
            raise ValueError("身份证号无效（应为 18 位，且校验位正确）")
        return pii.normalise(text)


def _choice_pairs(options) -> list[tuple[str, str]]:
    if hasattr(options, "choices"):
        return [(str(c), str(label)) for c, label in options.choices]
    return [(o, "") if isinstance(o, str) else (str(o[0]), str(o[1])) for o in options]


# --- the importer --------------------------------------------------------------------------------


class Importer:
    """Base class of a kind. Subclasses declare `label`, `columns`, `natural_key` and implement
    `check` and `apply` (see the module docstring)."""

    kind: str = ""  # set by registry.register
    label: str = ""
    columns: tuple[Column, ...] = ()
    natural_key: tuple[str, ...] = ()
    batch_size: int = 500
    recheck: bool = False

    def __init__(self, *, user=None):
        self.user = user
        self.present: set[str] = set()
        # natural key -> row, for rows already rejected (to explain dependants' errors).
        self.bad_by_key: dict[tuple, Row] = {}
        self._by_key = {c.key: c for c in self.columns}

    # --- to implement ---

    def check(self, rows: list[Row]) -> None:
        """Validate the rows whose cells parsed, against the database and each other, in bulk."""

    def apply(self, rows: list[Row]) -> None:
        """Write the good rows in bulk and set each row's `outcome`."""
        raise NotImplementedError

    # --- helpers for subclasses ---

    def label_of(self, key: str) -> str:
        column = self._by_key.get(key)
        return column.label if column else key

    def key_of(self, row: Row) -> tuple | None:
        values = tuple(row.values.get(k) for k in self.natural_key)
        return None if any(v in (None, "") for v in values) else values

    def batches(self, items: Iterable) -> Iterator[list]:
        items = list(items)
        for start in range(0, len(items), self.batch_size):
            yield items[start : start + self.batch_size]

    def fetch(self, queryset: QuerySet, field_name: str, values: Iterable) -> dict[Any, Model]:
        """{value: object} for the objects whose `field_name` is in `values`: one query per batch."""
        found: dict[Any, Model] = {}
        for batch in self.batches(sorted({v for v in values if v not in (None, "")})):
            for obj in queryset.filter(**{f"{field_name}__in": batch}):
                found[getattr(obj, field_name)] = obj
        return found

    def bulk_create(self, model: type[Model], objs: list[Model]) -> list[Model]:
        return model.objects.bulk_create(objs, batch_size=self.batch_size) if objs else []

    def bulk_update(self, model: type[Model], objs: list[Model], fields: list[str]) -> None:
        if objs:
            model.objects.bulk_update(objs, fields, batch_size=self.batch_size)

    # --- the pipeline ---

    def run(self, table: Table, result: ImportResult, *, skip_bad: bool, dry_run: bool) -> list[Row]:
        """Steps 2–6 of the module docstring. Returns the rows (bad ones carry their errors)."""
        positions = self._map_header(table.header, result)
        if result.file_error:
            result.total = result.rejected = len(table.rows)
            return []
        rows = [self._parse(number, cells, positions) for number, cells in table.rows]
        result.total = len(rows)
        self._mark_duplicates(rows)
        try:
            with transaction.atomic():
                good = [r for r in rows if r.ok]
                while good:
                    self.bad_by_key = {k: r for r in rows if not r.ok and (k := self.key_of(r)) is not None}
                    before = len(good)
                    self.check(good)
                    good = [r for r in good if r.ok]
                    if not self.recheck or len(good) == before:
                        break
                bad = [r for r in rows if not r.ok]
                if bad and not skip_bad:
                    result.refused = True
                elif good:
                    self.apply(good)
                    missing = [r.number for r in good if r.outcome is None]
                    if missing:
                        raise RuntimeError(f"{type(self).__name__}.apply left rows {missing[:5]} without an outcome")
                if dry_run:
                    transaction.set_rollback(True)
        except (ApplicationError, DatabaseError) as exc:
            result.file_error = getattr(exc, "message", "") or f"写入数据库失败：{exc}"
            for r in rows:
                r.outcome = None
            result.rejected = result.total
            return rows
        result.rejected = len(bad)
        result.errors = [e for r in bad for e in r.row_errors()]
        for r in good if not result.refused else ():
            setattr(result, r.outcome.value, getattr(result, r.outcome.value) + 1)
        return rows

    def _map_header(self, header: list[str], result: ImportResult) -> list[tuple[int, Column]]:
        by_name = {c.key.lower(): c for c in self.columns} | {c.label: c for c in self.columns}
        seen: dict[str, int] = {}
        positions = []
        unknown = []
        for index, name in enumerate(header):
            name = name.strip()
            if not name or name in REASON_HEADERS:
                continue
            column = by_name.get(name) or by_name.get(name.lower())
            if column is None:
                unknown.append(name)
                continue
            if column.key in seen:
                result.file_error = f"列“{column.label}”（{column.key}）出现了两次"
                return []
            seen[column.key] = index
            positions.append((index, column))
        missing = [c for c in self.columns if c.required and c.key not in seen]
        if missing:
            result.file_error = "缺少必需的列：" + "、".join(f"{c.label}（{c.key}）" for c in missing)
            return []
        if unknown:
            result.warnings.append("已忽略无法识别的列：" + "、".join(unknown))
        self.present = set(seen)
        return positions

    def _parse(self, number: int, cells: list[str], positions: list[tuple[int, Column]]) -> Row:
        row = Row(number, cells, self)
        for index, column in positions:
            text = cells[index] if index < len(cells) else ""
            if has_nul(text):
                row.values[column.key] = None
                row.error(column.key, str(NUL_MESSAGE))
                continue
            if not text:
                row.values[column.key] = None
                if column.required:
                    row.error(column.key, "不能为空")
                continue
            try:
                row.values[column.key] = column.parse(text)
            except ValueError as exc:
                row.values[column.key] = None
                row.error(column.key, str(exc))
        for column in self.columns:
            row.values.setdefault(column.key, None)
        return row

    def _mark_duplicates(self, rows: list[Row]) -> None:
        first: dict[tuple, int] = {}
        label = "、".join(self.label_of(k) for k in self.natural_key)
        for row in rows:
            key = self.key_of(row)
            if key is None:
                continue
            if key in first:
                row.error(self.natural_key[0], f"{label} {'/'.join(map(str, key))} 与第 {first[key]} 行重复")
            else:
                first[key] = row.number


# --- entry point ---------------------------------------------------------------------------------


def default_rejects_path(path: str | Path) -> Path:
    p = Path(path)
    return p.with_name(f"{p.stem}.rejects.csv")


def run_import(
    *,
    kind: str,
    path: str | Path | None = None,
    data: bytes | None = None,
    filename: str = "",
    skip_bad: bool = False,
    dry_run: bool = False,
    rejects: str | Path | None = None,
    user=None,
) -> ImportResult:
    """Import one file of `kind` from `path` (or from `data` with its `filename`, for uploads).

    Raises ApplicationError only for an unknown kind; every other problem is in the result.
    With `skip_bad`, bad rows are written to `rejects` (default `<name>.rejects.csv` next to
    `path`), except in a dry run, which writes nothing at all."""
    importer_class = registry.get(kind)
    importer = importer_class(user=user)
    result = ImportResult(kind=kind, label=importer_class.label, dry_run=dry_run, skip_bad=skip_bad)
    try:
        table = read_path(path) if data is None else read_table(data=data, filename=filename)
    except ApplicationError as exc:
        result.file_error = exc.message
        return result
    rows = importer.run(table, result, skip_bad=skip_bad, dry_run=dry_run)
    if skip_bad and not dry_run and not result.file_error and result.rejected:
        target = Path(rejects) if rejects else (default_rejects_path(path) if path else None)
        if target is not None:
            write_rejects(target, table=table, rows=[r for r in rows if not r.ok])
            result.rejects_path = str(target)
    if not dry_run and not result.file_error and (result.created or result.updated):
        from ..services import audit

        audit(
            user=user,
            action="import",
            kind=kind,
            filename=filename or (Path(path).name if path else ""),
            created=result.created,
            updated=result.updated,
            rejected=result.rejected,
        )
    return result


def write_rejects(target: Path, *, table: Table, rows: list[Row]) -> None:
    """The bad rows with their original columns and the reasons, as a CSV to fix and re-import.

    UTF-8 with BOM so Excel opens it in Chinese; the reason column is named in the language of the
    header, and a reason column already present (a rejects file re-imported) is replaced."""
    keep = [i for i, name in enumerate(table.header) if name.strip() not in REASON_HEADERS]
    chinese = any(re.search(r"[\u4e00-\u9fff]", table.header[i]) for i in keep)
    header = [table.header[i] for i in keep] + ["错误原因" if chinese else "reason"]
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(safe_csv_row(header))
        for row in rows:
            reason = "；".join(f"{e.column}: {e.message}" if e.column else e.message for e in row.row_errors())
            writer.writerow(safe_csv_row([row.cells[i] if i < len(row.cells) else "" for i in keep] + [reason]))
