"""Loans pushed by the loan system's webhook: the `loans` importer's rules over JSON rows.

Each loan answers `applied` (new, or a correction of a stored loan), `duplicate` (the same loan
again: nothing changes) or `rejected` with the reason; good loans are kept even when others of the
same request are rejected, as with `import_data loans --skip-bad`."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from org.errors import ApplicationError
from org.importing.base import ImportResult, Outcome
from org.importing.readers import Table

from ..importers import LoanImporter, WebhookLoanImporter

MAX_LOANS = 5000
APPLIED, DUPLICATE, REJECTED = "applied", "duplicate", "rejected"
KEYS = [c.key for c in LoanImporter.columns]


@dataclass
class LoanResult:
    loan_id: str
    result: str
    reason: str = ""

    def as_dict(self) -> dict:
        return {"loan_id": self.loan_id, "result": self.result, "reason": self.reason}


def _cell(value) -> str:
    return "" if value is None else str(value)


def _not_scalar(item: dict) -> str:
    bad = [k for k in KEYS if isinstance(item.get(k), (bool, dict, list))]
    return f"字段 {'、'.join(bad)} 应为文字或数字" if bad else ""


def loans_receive(*, items: list) -> list[LoanResult]:
    if len(items) > MAX_LOANS:
        raise ApplicationError(_("一次最多推送 %(max)s 笔贷款") % {"max": MAX_LOANS}, code="too_many")
    results: list[LoanResult | None] = [None] * len(items)
    table = Table(header=list(KEYS))
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            results[i] = LoanResult("", REJECTED, "每笔贷款应为一个 JSON 对象")
            continue
        if reason := _not_scalar(item):
            results[i] = LoanResult(_cell(item.get("loan_id"))[:64] if isinstance(item.get("loan_id"), str) else "", REJECTED, reason)
            continue
        table.rows.append((i + 1, [_cell(item.get(k)) for k in KEYS]))
    importer = WebhookLoanImporter()
    result = ImportResult(kind="loans", skip_bad=True)
    rows = importer.run(table, result, skip_bad=True, dry_run=False)
    if result.file_error:
        raise ApplicationError(result.file_error)
    for row in rows:
        loan_id = row.cells[0][:64]
        if not row.ok:
            reason = "；".join(f"{importer.label_of(k)}：{m}" if k else m for k, m in row.errors)
            results[row.number - 1] = LoanResult(loan_id, REJECTED, reason)
        else:
            results[row.number - 1] = LoanResult(loan_id, DUPLICATE if row.outcome == Outcome.UNCHANGED else APPLIED)
    return [r for r in results if r is not None]
