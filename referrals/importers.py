"""The `applications` import kind: the loan system's daily batch of application events.

Rows go through the very function the webhook uses (`application_events_apply(source="file")`),
so a file and a webhook delivery of the same events end in the same state, and an event id already
recorded (by either channel) is `unchanged`. `check` runs the same validation as the webhook, so
every bad row is reported with its column before anything is written.
"""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from org import clock
from org.bulk import copy_rows
from org.errors import ApplicationError
from org.importing.base import Column, Importer, Outcome, parsers

from .models import ApplicationStatus, CustomerList, ListedCustomer, ListSegment
from .services.applications import (
    APPLIED,
    DUPLICATE,
    MAX_EVENTS_PER_BATCH,
    EventInvalid,
    application_events_apply,
    event_parse,
    product_codes,
)

EVENT_KEYS = (
    "event_id",
    "application_id",
    "referral_code",
    "product",
    "customer_id_number",
    "customer_name",
    "customer_mobile",
    "status",
    "reason",
    "amount",
    "occurred_at",
)


class ApplicationEventImporter(Importer):
    label = "进件事件"
    natural_key = ("event_id",)
    batch_size = min(500, MAX_EVENTS_PER_BATCH)
    columns = (
        Column("event_id", "事件编号", required=True, max_length=64),
        Column("application_id", "进件编号", required=True, max_length=64),
        Column("referral_code", "推荐码", max_length=64),
        Column("product", "产品", max_length=32),
        Column("customer_id_number", "客户身份证号", parser=parsers.id_number),
        Column("customer_name", "客户姓名", max_length=50),
        Column("customer_mobile", "客户手机号", parser=parsers.mobile),
        Column("status", "状态", required=True, parser=parsers.choice(ApplicationStatus)),
        Column("reason", "原因", max_length=200),
        Column("amount", "金额", parser=parsers.decimal(places=2, min_value=0)),
        Column("occurred_at", "发生时间", required=True, parser=parsers.datetime),
    )

    @staticmethod
    def event_of(row) -> dict:
        return {key: row[key] for key in EVENT_KEYS if row[key] not in (None, "")}

    def check(self, rows) -> None:
        products = product_codes()
        for row in rows:
            try:
                event_parse(self.event_of(row), products=products)
            except EventInvalid as exc:
                row.error(exc.field, exc.message)

    def apply(self, rows) -> None:
        for batch in self.batches(rows):
            results = application_events_apply(events=[self.event_of(r) for r in batch], source="file")
            for row, result in zip(batch, results, strict=True):
                if result.result == APPLIED:
                    row.outcome = Outcome.CREATED
                elif result.result == DUPLICATE:
                    row.outcome = Outcome.UNCHANGED
                else:  # check() runs the same validation, so this means the data changed meanwhile
                    raise ApplicationError(_("第 %(row)s 行: %(reason)s") % {"row": row.number, "reason": result.reason})


class CustomerListImporter(Importer):
    """`customer_lists`: stock-customer lists for cross-selling (INTERFACES.md). A new 名单编号
    creates the list (named after its type, its period from today for 90 days: head office
    adjusts both on the list's page); ID numbers are kept only as keyed hash + mask (SPEC §8). An
    empty or absent 分配员工号 leaves the assignment to the outlet head's split."""

    label = "存量客户名单"
    natural_key = ("list_code", "customer_no")
    columns = (
        Column("list_code", "名单编号", required=True, max_length=64),
        Column("segment", "名单类型", required=True, parser=parsers.choice(ListSegment)),
        Column("customer_no", "客户号", required=True, max_length=64),
        Column("name", "姓名", required=True, max_length=50),
        Column("mobile", "手机号", required=True, parser=parsers.mobile),
        Column("id_number", "身份证号", parser=parsers.id_number),
        Column("outlet_code", "网点机构号", required=True, max_length=32),
        Column("assignee_employee_no", "分配员工号", max_length=32),
    )
    DEFAULT_DAYS = 90

    def check(self, rows) -> None:
        from org.models import Institution, InstitutionKind, Staff

        self.lists = self.fetch(CustomerList.objects.all(), "code", {r["list_code"] for r in rows})
        self.outlets = self.fetch(Institution.objects.only("id", "code", "kind", "name"), "code", {r["outlet_code"] for r in rows})
        self.staff = self.fetch(Staff.objects.only("id", "employee_no", "institution_id", "active_to"), "employee_no", {r["assignee_employee_no"] for r in rows})
        segments: dict[str, tuple[str, int]] = {}
        today = clock.today()
        for row in rows:
            lst = self.lists.get(row["list_code"])
            if lst is not None and lst.segment != row["segment"]:
                row.error("segment", f"名单 {lst.code} 的类型是“{lst.get_segment_display()}”，与本行不一致")
            elif lst is None:
                seen = segments.setdefault(row["list_code"], (row["segment"], row.number))
                if seen[0] != row["segment"]:
                    row.error("segment", f"同一名单的类型应一致（第 {seen[1]} 行为 {seen[0]}）")
            if lst is not None and (lst.closed_at is not None or lst.end_date < today):
                row.error("list_code", f"名单 {lst.code} 已于 {lst.end_date:%Y-%m-%d} 结束，不能再导入")
            outlet = self.outlets.get(row["outlet_code"])
            if outlet is None:
                row.error("outlet_code", f"机构 {row['outlet_code']} 不存在")
            elif outlet.kind != InstitutionKind.OUTLET:
                row.error("outlet_code", f"{outlet.name}（{outlet.code}）不是网点")
            no = row["assignee_employee_no"]
            if no:
                person = self.staff.get(no)
                if person is None:
                    row.error("assignee_employee_no", f"员工 {no} 不存在")
                elif outlet is not None and person.institution_id != outlet.pk:
                    row.error("assignee_employee_no", f"员工 {no} 不在网点 {outlet.code}")
                elif person.active_to is not None and person.active_to < today:
                    row.error("assignee_employee_no", f"员工 {no} 已离岗")

    def apply(self, rows) -> None:
        from org import pii

        now, today = clock.now(), clock.today()
        new_lists = []
        for row in rows:
            code = row["list_code"]
            if code not in self.lists:
                lst = CustomerList(code=code, segment=row["segment"], name=f"{ListSegment(row['segment']).label}名单 {code}",
                                   start_date=today, end_date=today + dt.timedelta(days=self.DEFAULT_DAYS - 1), created_at=now)
                self.lists[code] = lst
                new_lists.append(lst)
        self.bulk_create(CustomerList, new_lists)
        if any(lst.pk is None for lst in new_lists):
            ids = dict(CustomerList.objects.filter(code__in=[lst.code for lst in new_lists]).values_list("code", "pk"))
            for lst in new_lists:
                lst.pk = ids[lst.code]
        existing: dict[tuple[str, str], ListedCustomer] = {}
        by_list: dict[int, set[str]] = {}
        for row in rows:
            lst = self.lists[row["list_code"]]
            if lst not in new_lists:
                by_list.setdefault(lst.pk, set()).add(row["customer_no"])
        codes = {lst.pk: lst.code for lst in self.lists.values()}
        for list_id, numbers in by_list.items():
            for batch in self.batches(sorted(numbers)):
                for c in ListedCustomer.objects.filter(customer_list_id=list_id, customer_no__in=batch):
                    existing[(codes[list_id], c.customer_no)] = c
        new, changed, fields = [], [], set()
        for row in rows:
            values = {"name": row["name"], "mobile": row["mobile"], "outlet_id": self.outlets[row["outlet_code"]].pk, "id_hash": "", "id_masked": ""}
            if row["id_number"]:
                values["id_hash"] = pii.keyed_hash(row["id_number"])
                values["id_masked"] = pii.mask_id_number(row["id_number"])
            values["assignee_id"] = self.staff[row["assignee_employee_no"]].pk if row["assignee_employee_no"] else None
            customer = existing.get((row["list_code"], row["customer_no"]))
            if customer is None:
                new.append((self.lists[row["list_code"]].pk, row["customer_no"], *values.values(), now if values["assignee_id"] else None))
                row.outcome = Outcome.CREATED
                continue
            if not row["id_number"]:  # a re-import without the ID number keeps the one on record
                del values["id_hash"], values["id_masked"]
            if values["assignee_id"] is None:  # an empty 分配员工号 leaves the split as it is
                del values["assignee_id"]
            diff = {k for k, v in values.items() if getattr(customer, k) != v}
            for k in diff:
                setattr(customer, k, values[k])
            if "assignee_id" in diff:
                customer.assigned_at = now
                diff.add("assigned_at")
            fields |= diff
            if diff:
                changed.append(customer)
            row.outcome = Outcome.UPDATED if diff else Outcome.UNCHANGED
        # New customers by COPY on PostgreSQL (no model instances, no per-row statement).
        copy_rows(ListedCustomer, ["customer_list_id", "customer_no", "name", "mobile", "outlet_id", "id_hash", "id_masked", "assignee_id", "assigned_at"], new)
        self.bulk_update(ListedCustomer, changed, sorted(fields))
