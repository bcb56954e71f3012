"""The `calls` import kind: the telephony platform's call records (INTERFACES.md).

Columns: call_id 通话编号, employee_no 员工号, customer_no 客户号 or phone 电话, started_at 开始时间,
duration_s 通话时长(秒), connected 是否接通 (1/0), channel 渠道 (landline/mobile/callback),
recording_url 录音地址 (optional). Natural key: call_id; re-importing the same rows changes nothing.

A call given by phone finds its customer by the number (kept on the call only as keyed hash +
mask); a number matching no customer (or several) is stored without one and is shown as "号码未
匹配到客户" in the explanations. Whether a call counts is decided when figures are read
(`wealth.selectors.rules`), so nothing here depends on the rule version or the calendar."""

from __future__ import annotations

from org import clock, pii
from org.bulk import copy_rows
from org.importing.base import Column, Importer, Outcome, parsers
from org.models import Customer, Staff
from org.selectors import InstitutionsOn

from .models import Call, Channel, Source
from .services.activity import MAX_DURATION_S


def _phone(text: str) -> str:
    value = pii.normalise(text)
    if not value.isdigit() or not 5 <= len(value) <= 20:
        raise ValueError("电话号码无效（应为 5–20 位数字）")
    return value


def _url(text: str) -> str:
    if not text.lower().startswith(("http://", "https://")):
        raise ValueError("录音地址应以 http:// 或 https:// 开头")
    return text


FIELDS = ("staff_id", "institution_id", "customer_id", "phone_hash", "phone_masked", "started_at", "local_date", "duration_s", "connected", "channel", "recording_url")


class CallImporter(Importer):
    label = "电访记录"
    natural_key = ("call_id",)
    batch_size = 2000
    columns = (
        Column("call_id", "通话编号", required=True, max_length=64),
        Column("employee_no", "员工号", required=True, max_length=32),
        Column("customer_no", "客户号", max_length=32),
        Column("phone", "电话", parser=_phone),
        Column("started_at", "开始时间", required=True, parser=parsers.datetime),
        Column("duration_s", "通话时长(秒)", required=True, parser=parsers.integer(min_value=0, max_value=MAX_DURATION_S)),
        Column("connected", "是否接通", required=True, parser=parsers.boolean),
        Column("channel", "渠道", required=True, parser=parsers.choice(Channel)),
        Column("recording_url", "录音地址", max_length=500, parser=_url),
    )

    def check(self, rows) -> None:
        self.staff = self.fetch(Staff.objects.only("id", "employee_no", "institution_id"), "employee_no", {r["employee_no"] for r in rows})
        self.customers = self.fetch(Customer.objects.only("id", "customer_no", "mobile"), "customer_no", {r["customer_no"] for r in rows})
        # By the keyed hash of the number, as every number is matched (the clear mobile is not searched).
        by_hash: dict[str, list[int]] = {}
        for batch in self.batches(sorted({self._hash(r["phone"]) for r in rows if r["phone"] and not r["customer_no"]})):
            for pk, h in Customer.objects.filter(mobile_hash__in=batch).values_list("pk", "mobile_hash"):
                by_hash.setdefault(h, []).append(pk)
        self.by_hash = {h: pks[0] for h, pks in by_hash.items() if len(pks) == 1}
        for row in rows:
            if row["employee_no"] not in self.staff:
                row.error("employee_no", f"员工 {row['employee_no']} 不存在")
            if not row["customer_no"] and not row["phone"]:
                row.error("customer_no", "客户号和电话至少填写一个")
            elif row["customer_no"] and row["customer_no"] not in self.customers:
                row.error("customer_no", f"客户 {row['customer_no']} 不存在")
            if row["started_at"] is not None and row["started_at"] > clock.now():
                row.error("started_at", "开始时间晚于现在")

    def _hash(self, number: str) -> str:
        """Keyed hash of a number, once per distinct number of the file (customers recur)."""
        if not number:
            return ""
        cache = self.__dict__.setdefault("_hashes", {})
        if number not in cache:
            cache[number] = pii.keyed_hash(number)
        return cache[number]

    def _values(self, row, places: InstitutionsOn) -> dict:
        staff = self.staff[row["employee_no"]]
        day = clock.local(row["started_at"]).date()
        if row["customer_no"]:
            customer = self.customers[row["customer_no"]]
            customer_id, number = customer.pk, row["phone"] or customer.mobile
        else:
            customer_id, number = self.by_hash.get(self._hash(row["phone"])), row["phone"]
        return {
            "staff_id": staff.pk,
            "institution_id": places.get(staff, day),
            "customer_id": customer_id,
            "phone_hash": self._hash(number),
            "phone_masked": pii.mask_mobile(number) if number else "",
            "started_at": row["started_at"],
            "local_date": day,
            "duration_s": row["duration_s"],
            "connected": row["connected"],
            "channel": row["channel"],
            "recording_url": row["recording_url"] or "",
        }

    def apply(self, rows) -> None:
        places = InstitutionsOn(s.pk for s in self.staff.values())
        existing = self.fetch(Call.objects.only("id", "call_id", *FIELDS), "call_id", {r["call_id"] for r in rows})
        new, changed = [], []
        for row in rows:
            values = self._values(row, places)
            call = existing.get(row["call_id"])
            if call is None:
                new.append((row["call_id"], Source.IMPORT, "", *(values[f] for f in FIELDS)))
                row.outcome = Outcome.CREATED
                continue
            diff = [k for k, v in values.items() if getattr(call, k) != v]
            for k in diff:
                setattr(call, k, values[k])
            if diff:
                changed.append(call)
            row.outcome = Outcome.UPDATED if diff else Outcome.UNCHANGED
        # New rows go through COPY on PostgreSQL (org.bulk.copy_rows, batched inserts elsewhere):
        # a telephony day is hundreds of thousands of rows.
        copy_rows(Call, ["call_id", "source", "recording", *FIELDS], new)
        self.bulk_update(Call, changed, list(FIELDS))
