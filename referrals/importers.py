"""The `applications` import kind: the loan system's daily batch of application events.

Rows go through the very function the webhook uses (`application_events_apply(source="file")`),
so a file and a webhook delivery of the same events end in the same state, and an event id already
recorded (by either channel) is `unchanged`. `check` runs the same validation as the webhook, so
every bad row is reported with its column before anything is written.
"""

from __future__ import annotations

from org.errors import ApplicationError
from org.importing.base import Column, Importer, Outcome, parsers

from .models import ApplicationStatus
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
                    raise ApplicationError(f"第 {row.number} 行: {result.reason}")
