"""The `sales` import kind (INTERFACES.md): sale id, employee, product (a code of the product points
table), quantity, amount, sale date. Idempotent by sale id; each sale is credited to the seller's
institution on the sale date (org StaffAssignment history) and earns the points of the table
version in force on that date."""

from __future__ import annotations

from decimal import Decimal

from org import clock
from org.bulk import copy_rows
from org.importing.base import Column, Importer, Outcome, parsers
from org.models import Staff
from org.selectors import InstitutionsOn

from .models import PointsRate, PointsTable, Sale

FIELDS = ("staff_id", "institution_id", "product", "quantity", "amount", "sold_on", "rate_id", "points")


class SaleImporter(Importer):
    label = "产品销售"
    natural_key = ("sale_id",)
    columns = (
        Column("sale_id", "销售编号", required=True, max_length=64),
        Column("employee_no", "员工号", required=True, max_length=32),
        Column("product", "产品", required=True, max_length=32),
        Column("quantity", "数量", required=True, parser=parsers.decimal(places=2, min_value=0)),
        Column("amount", "金额", parser=parsers.decimal(places=2, min_value=0)),
        Column("sold_on", "销售日期", required=True, parser=parsers.date),
    )

    def check(self, rows) -> None:
        self.staff = self.fetch(Staff.objects.only("id", "employee_no", "institution_id", "active_from", "active_to"), "employee_no", {r["employee_no"] for r in rows})
        tables = list(PointsTable.objects.order_by("effective_from"))
        self.rates = {(r.table_id, r.product): r for r in PointsRate.objects.filter(table__in=tables)}
        today = clock.today()
        for row in rows:
            person = self.staff.get(row["employee_no"])
            if person is None:
                row.error("employee_no", f"员工 {row['employee_no']} 不存在")
            day = row["sold_on"]
            if day > today:
                row.error("sold_on", "销售日期不能晚于今天")
                continue
            table = next((t for t in reversed(tables) if t.effective_from <= day), None)
            if table is None:
                row.error("sold_on", f"{day:%Y-%m-%d} 没有生效的产品计分表")
                continue
            rate = self.rates.get((table.pk, row["product"]))
            if rate is None:
                row.error("product", f"产品 {row['product']} 不在{table.label}中")
            elif rate.basis == "wan" and row["amount"] is None:
                row.error("amount", f"产品 {row['product']} 按金额计分，金额不能为空")
            row.values["_rate"] = rate
            if person is not None and not (person.active_from <= day and (person.active_to is None or person.active_to >= day)):
                row.error("sold_on", f"员工 {person.employee_no} 在 {day:%Y-%m-%d} 不在职")

    def apply(self, rows) -> None:
        places = InstitutionsOn(s.pk for s in self.staff.values())
        existing = self.fetch(Sale.objects.all(), "sale_id", {r["sale_id"] for r in rows})
        now = clock.now()
        new, changed = [], []
        for row in rows:
            person, rate = self.staff[row["employee_no"]], row["_rate"]
            values = {
                "staff_id": person.pk, "institution_id": places.get(person, row["sold_on"]), "product": row["product"],
                "quantity": row["quantity"], "amount": row["amount"], "sold_on": row["sold_on"], "rate_id": rate.pk,
                "points": rate.points_for(quantity=row["quantity"], amount=row["amount"]),
            }
            sale = existing.get(row["sale_id"])
            if sale is None:
                new.append((row["sale_id"], now, *(values[f] for f in FIELDS)))
                row.outcome = Outcome.CREATED
                continue
            diff = [k for k, v in values.items() if getattr(sale, k) != (Decimal(v) if isinstance(getattr(sale, k), Decimal) and v is not None else v)]
            for k in diff:
                setattr(sale, k, values[k])
            if diff:
                changed.append(sale)
            row.outcome = Outcome.UPDATED if diff else Outcome.UNCHANGED
        # COPY on PostgreSQL (org.bulk.copy_rows): a year of a regional bank's sales is 200,000 rows.
        copy_rows(Sale, ["sale_id", "imported_at", *FIELDS], new)
        self.bulk_update(Sale, changed, list(FIELDS))



