"""The `loans` import kind: disbursed loans from the loan system (INTERFACES.md).

Columns: loan_id 贷款编号, officer_employee_no 客户经理员工号, product 产品 (mortgage/consumer/
business), amount 金额, disbursed_on 放款日期. Natural key: loan_id; re-importing the same rows changes
nothing, a corrected row updates the loan. Each loan is credited to the officer's institution on the
disbursement date (the transfer history). New loans are written by COPY on PostgreSQL
(`org.bulk.copy_rows`): a year of a regional bank is 150,000 rows.

The webhook (`POST /api/v1/integrations/loans`) runs the same importer over the JSON rows, so a
loan is validated and stored the same way whichever way it came."""

from __future__ import annotations

from decimal import Decimal

from org import clock
from org.bulk import copy_rows
from org.importing.base import Column, Importer, Outcome, parsers
from org.models import Staff
from org.selectors import InstitutionsOn

from .models import Loan, Product, Source

MAX_AMOUNT = Decimal("100000000000")  # 1,000 亿元: anything larger is a unit mistake
FIELDS = ("staff_id", "institution_id", "product", "amount", "disbursed_on")


class LoanImporter(Importer):
    label = "贷款放款"
    natural_key = ("loan_id",)
    batch_size = 5000
    columns = (
        Column("loan_id", "贷款编号", required=True, max_length=64),
        Column("officer_employee_no", "客户经理员工号", required=True, max_length=32),
        Column("product", "产品", required=True, parser=parsers.choice(Product)),
        Column("amount", "金额", required=True, parser=parsers.decimal(places=2, min_value=Decimal("0.01"))),
        Column("disbursed_on", "放款日期", required=True, parser=parsers.date),
    )
    source = Source.IMPORT

    def check(self, rows) -> None:
        self.staff = self.fetch(Staff.objects.only("id", "employee_no", "institution_id", "active_from", "active_to"), "employee_no",
                                {r["officer_employee_no"] for r in rows})
        today = clock.today()
        for row in rows:
            person = self.staff.get(row["officer_employee_no"])
            if person is None:
                row.error("officer_employee_no", f"员工 {row['officer_employee_no']} 不存在")
            if row["amount"] is not None and row["amount"] > MAX_AMOUNT:
                row.error("amount", "金额超出合理范围（单位应为元）")
            day = row["disbursed_on"]
            if day is not None and day > today:
                row.error("disbursed_on", "放款日期不能晚于今天")
            elif day is not None and person is not None and not person.is_active_on(day):
                row.error("disbursed_on", f"员工 {person.employee_no} 在 {day:%Y-%m-%d} 不在职")

    def apply(self, rows) -> None:
        places = InstitutionsOn(s.pk for s in self.staff.values())
        existing = self.fetch(Loan.objects.only("id", "loan_id", *FIELDS), "loan_id", {r["loan_id"] for r in rows})
        now = clock.now()
        new, changed = [], []
        for row in rows:
            person = self.staff[row["officer_employee_no"]]
            values = {
                "staff_id": person.pk, "institution_id": places.get(person, row["disbursed_on"]), "product": row["product"],
                "amount": row["amount"], "disbursed_on": row["disbursed_on"],
            }
            loan = existing.get(row["loan_id"])
            if loan is None:
                new.append((row["loan_id"], self.source, now, *(values[f] for f in FIELDS)))
                row.outcome = Outcome.CREATED
                continue
            diff = [k for k, v in values.items() if getattr(loan, k) != v]
            for k in diff:
                setattr(loan, k, values[k])
            if diff:
                changed.append(loan)
            row.outcome = Outcome.UPDATED if diff else Outcome.UNCHANGED
        copy_rows(Loan, ["loan_id", "source", "received_at", *FIELDS], new)
        self.bulk_update(Loan, changed, list(FIELDS))


class WebhookLoanImporter(LoanImporter):
    """The same rules for loans pushed by the loan system (their `source` says so)."""

    source = Source.WEBHOOK
