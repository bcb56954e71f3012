"""Application events from the loan system (SPEC §3 "Applications", §7, §8 reliability rules).

One entry point, `application_events_apply`, serves the signed webhook and the daily batch file.

Why the design looks the way it does:

* **Idempotent by event id.** Each accepted event is a row of `ApplicationEvent` under a UNIQUE
  constraint, inserted in the same transaction as its effect. A replay is reported `duplicate` and
  changes nothing; two concurrent deliveries of the same event race on the constraint, the loser
  rolls back to a savepoint, re-reads which ids now exist and reports them as duplicates.
* **Order-independent.** An application's state is never "updated by the next event": it is a
  fold over *all* its recorded events sorted by (occurred_at, STATUS_ORDER, event_id), recomputed
  whenever one arrives. Any arrival order of the same events therefore ends in the same state.
  Attribution depends on other applications of the same customer and code, so those are
  recomputed too (see `attribution.py`).
* **Bounded queries.** A batch costs a fixed number of queries whatever its size (existing ids,
  bulk insert, one load of applications and one of their events, bulk lookups, bulk writes):
  the webhook must take thousands of events a second.
* **Personal information.** The clear ID number is validated, then replaced by its keyed hash and
  masked form before anything is stored: it is in no column, no payload and no error message.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.utils.translation import gettext as _

from org import clock, pii
from org.bulk import rows_insert, rows_insert_dicts
from org.errors import ApplicationError
from org.scoping import is_manager, scope_filter
from org.services import audit
from org.text import has_nul

from ..models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Dispute,
    DisputeStatus,
    EarningStatus,
    FlagStatus,
    ReferralProduct,
)
from .attribution import applications_recompute
from .earnings import earnings_sync
from .folding import application_fold, event_sort_key  # noqa: F401 (the fold, re-exported)

MAX_EVENTS_PER_BATCH = 1000
RETRYABLE_PGCODES = {"40P01", "40001"}  # deadlock detected, serialization failure
STATUSES = tuple(ApplicationStatus.values)

APPLIED = "applied"
DUPLICATE = "duplicate"
REJECTED = "rejected"


@dataclass(frozen=True)
class EventResult:
    event_id: str
    result: str  # applied | duplicate | rejected
    reason: str = ""

    def as_dict(self) -> dict:
        return {"event_id": self.event_id, "result": self.result, "reason": self.reason}


class EventInvalid(ValueError):
    """One field of an event is wrong; `field` is its key (INTERFACES.md) so the importer can name
    the column."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class ParsedEvent:
    event_id: str
    application_id: str
    status: str
    occurred_at: dt.datetime
    amount: Decimal | None = None
    reason: str = ""
    product: str = ""
    referral_code: str = ""
    customer_id_hash: str = ""
    customer_id_masked: str = ""
    customer_name: str = ""
    customer_mobile: str = ""

    def payload(self) -> dict:
        """What is kept of the event for later folds: everything but the clear ID number."""
        return {
            "product": self.product,
            "referral_code": self.referral_code,
            "customer_id_hash": self.customer_id_hash,
            "customer_id_masked": self.customer_id_masked,
            "customer_name": self.customer_name,
            "customer_mobile": self.customer_mobile,
        }


# --- validation ------------------------------------------------------------------------------------

_LIMITS = {"event_id": 64, "application_id": 64, "referral_code": 64, "product": 32, "reason": 200, "customer_name": 50}
_LABELS = {
    "event_id": "事件编号",
    "application_id": "进件编号",
    "referral_code": "推荐码",
    "product": "产品",
    "customer_id_number": "客户身份证号",
    "customer_name": "客户姓名",
    "customer_mobile": "客户手机号",
    "status": "状态",
    "reason": "原因",
    "amount": "金额",
    "occurred_at": "发生时间",
}


def _text(raw: dict, key: str) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if isinstance(value, dict | list):
        raise EventInvalid(key, f"{_LABELS[key]}格式错误")
    text = str(value).strip()
    if has_nul(text):
        raise EventInvalid(key, f"{_LABELS[key]}含有非法字符（NUL）")
    limit = _LIMITS.get(key)
    if limit and len(text) > limit:
        raise EventInvalid(key, f"{_LABELS[key]}长度不能超过 {limit} 个字符")
    return text


def parse_occurred_at(value) -> dt.datetime:
    """ISO 8601; a time without offset is Asia/Shanghai (INTERFACES.md)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and value.strip():
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise EventInvalid("occurred_at", f"发生时间“{value}”格式错误，应为 ISO 8601，如 2024-11-11T09:30:00+08:00")
    else:
        raise EventInvalid("occurred_at", "缺少发生时间")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=clock.SHANGHAI)
    # A loan system cannot report what has not happened yet: beyond a little clock skew, refused.
    latest = clock.now() + dt.timedelta(seconds=settings.LOAN_EVENT_MAX_FUTURE_S)
    if parsed > latest:
        raise EventInvalid("occurred_at", f"发生时间 {clock.local(parsed):%Y-%m-%d %H:%M:%S} 晚于当前时间，事件已拒绝")
    return parsed


def parse_amount(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or isinstance(value, dict | list):
        raise EventInvalid("amount", "金额格式错误")
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        raise EventInvalid("amount", f"金额“{value}”不是有效的数字")
    if not amount.is_finite() or amount <= 0:
        raise EventInvalid("amount", "金额必须大于 0")
    if amount.as_tuple().exponent < -2:
        raise EventInvalid("amount", "金额最多保留两位小数（单位：元）")
    if amount >= Decimal("1e13"):
        raise EventInvalid("amount", "金额过大")
    return amount.quantize(Decimal("0.01"))


def event_parse(raw: dict, *, products: set[str]) -> ParsedEvent:
    """Validate one event (webhook JSON object or parsed file row); raise EventInvalid."""
    if not isinstance(raw, dict):
        raise EventInvalid("", "事件应为 JSON 对象")
    event_id = _text(raw, "event_id")
    if not event_id:
        raise EventInvalid("event_id", "缺少事件编号")
    application_id = _text(raw, "application_id")
    if not application_id:
        raise EventInvalid("application_id", "缺少进件编号")
    status = _text(raw, "status").lower()
    if status not in STATUSES:
        shown = status or "（空）"
        raise EventInvalid("status", f"状态“{shown}”无效，应为 {'、'.join(STATUSES)} 之一")
    occurred_at = parse_occurred_at(raw.get("occurred_at"))
    amount = parse_amount(raw.get("amount"))
    if status == ApplicationStatus.DISBURSED and amount is None:
        raise EventInvalid("amount", "放款事件必须填写金额")
    product = _text(raw, "product")
    if product and product not in products:
        raise EventInvalid("product", f"产品“{product}”不存在，应为 {'、'.join(sorted(products))} 之一")
    if status == ApplicationStatus.SUBMITTED and not product:
        raise EventInvalid("product", "进件事件必须填写产品")
    id_number = _text(raw, "customer_id_number")
    id_hash = id_masked = ""
    if id_number:
        # The message never repeats the number: it would end up in logs and answers.
        if not pii.is_valid_id_number(id_number):
            raise EventInvalid("customer_id_number", "客户身份证号无效（应为 18 位，且校验位正确）")
        id_hash, id_masked = pii.keyed_hash(id_number), pii.mask_id_number(id_number)
    elif status == ApplicationStatus.SUBMITTED:
        raise EventInvalid("customer_id_number", "进件事件必须填写客户身份证号")
    mobile = _text(raw, "customer_mobile")
    if mobile:
        if not pii.is_valid_mobile(mobile):
            raise EventInvalid("customer_mobile", "客户手机号无效，应为 11 位手机号")
        mobile = pii.normalise(mobile)
    return ParsedEvent(
        event_id=event_id,
        application_id=application_id,
        status=status,
        occurred_at=occurred_at,
        amount=amount,
        reason=_text(raw, "reason"),
        product=product,
        referral_code=_text(raw, "referral_code"),
        customer_id_hash=id_hash,
        customer_id_masked=id_masked,
        customer_name=_text(raw, "customer_name"),
        customer_mobile=mobile,
    )


def product_codes() -> set[str]:
    return set(ReferralProduct.objects.values_list("code", flat=True))


# --- the entry point -------------------------------------------------------------------------------


@dataclass
class _Batch:
    results: dict[int, EventResult] = field(default_factory=dict)  # index in input -> result
    parsed: dict[int, ParsedEvent] = field(default_factory=dict)


def application_events_apply(*, events: list[dict], source: str) -> list[EventResult]:
    """Validate and apply a batch of loan-system events; one result per event, in input order.

    `source` is "webhook" or "file". Rejected events carry a Chinese reason and do not stop the
    others; duplicates (an event id already recorded, or repeated in the batch) change nothing."""
    if source not in ("webhook", "file"):
        raise ValueError(f"unknown source {source!r}")
    if len(events) > MAX_EVENTS_PER_BATCH:
        raise ApplicationError(_("单次最多提交 %(max)s 条事件，本次 %(n)s 条") % {"max": MAX_EVENTS_PER_BATCH, "n": len(events)}, code="batch_too_large")
    batch = _Batch()
    products = product_codes() if events else set()
    seen: set[str] = set()
    for index, raw in enumerate(events):
        try:
            parsed = event_parse(raw, products=products)
        except EventInvalid as exc:
            event_id = str(raw.get("event_id") or "") if isinstance(raw, dict) else ""
            batch.results[index] = EventResult(event_id[:64], REJECTED, exc.message)
            continue
        if parsed.event_id in seen:
            batch.results[index] = EventResult(parsed.event_id, DUPLICATE, "同一批次中事件编号重复")
            continue
        seen.add(parsed.event_id)
        batch.parsed[index] = parsed
    if batch.parsed:
        _apply_parsed(batch, source=source)
    return [batch.results[i] for i in range(len(events))]


def recorded_event_ids(event_ids: list[str]) -> set[str]:
    return set(ApplicationEvent.objects.filter(event_id__in=event_ids).values_list("event_id", flat=True))


def _apply_parsed(batch: _Batch, *, source: str) -> None:
    recorded = recorded_event_ids([p.event_id for p in batch.parsed.values()])
    for attempt in range(5):
        fresh = {i: p for i, p in batch.parsed.items() if p.event_id not in recorded}
        try:
            with transaction.atomic():
                if fresh:
                    _apply_fresh(list(fresh.values()), source=source)
        except IntegrityError:
            # A concurrent delivery recorded some of these ids first: they are duplicates now.
            if attempt == 4:
                raise
            recorded |= recorded_event_ids([p.event_id for p in fresh.values()])
            continue
        except OperationalError as exc:
            # Two batches recomputing neighbours of each other's applications can deadlock on
            # PostgreSQL; the victim's work was rolled back, so doing it again is safe.
            if attempt == 4 or getattr(exc.__cause__, "pgcode", None) not in RETRYABLE_PGCODES:
                raise
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))
            recorded |= recorded_event_ids([p.event_id for p in fresh.values()])
            continue
        break
    for index, parsed in batch.parsed.items():
        if parsed.event_id in recorded:
            batch.results[index] = EventResult(parsed.event_id, DUPLICATE, "事件已处理过，未做任何变更")
        else:
            batch.results[index] = EventResult(parsed.event_id, APPLIED, "")


def _apply_fresh(fresh: list[ParsedEvent], *, source: str) -> None:

    now = clock.now()
    by_app: dict[str, list[ParsedEvent]] = defaultdict(list)
    for p in fresh:
        by_app[p.application_id].append(p)
    # Placeholders for applications not seen before, in key order so concurrent batches take the
    # unique-index locks in one order; ignore_conflicts lets two batches create the same one.
    rows_insert_dicts(
        Application,
        [{"application_id": a, "status": min(ps, key=event_sort_key).status, "status_at": now} for a, ps in sorted(by_app.items())],
        ignore_conflicts=True,
    )
    # Lock the applications so two batches touching one application fold one after the other
    # (each then sees the other's committed events).
    apps = list(Application.objects.select_for_update(of=("self",)).filter(application_id__in=list(by_app)).order_by("pk"))
    app_by_key = {a.application_id: a for a in apps}
    rows_insert(
        ApplicationEvent,
        ["event_id", "application", "status", "occurred_at", "amount", "reason", "payload", "source", "received_at"],
        [
            (p.event_id, app_by_key[p.application_id].pk, p.status, p.occurred_at, p.amount, p.reason, p.payload(), source, now)
            for p in fresh
        ],
    )
    applications_recompute(applications=apps)


# --- manager review and disputes -------------------------------------------------------------------


def _in_scope(application: Application, user) -> bool:
    return is_manager(user) and scope_filter(Application.objects.filter(pk=application.pk), user=user).exists()


@transaction.atomic
def application_flag_review(*, application: Application, by, decision: str, note: str = "") -> Application:
    """A manager in scope clears (counts and earns again) or confirms (stays out) an abuse flag."""
    if not _in_scope(application, by):
        raise ApplicationError(_("该进件不在您的管理范围内"), code="not_found")
    if decision not in (FlagStatus.CLEARED, FlagStatus.CONFIRMED):
        raise ApplicationError(_("核查结论应为 cleared（放行）或 confirmed（确认违规）"), fields={"decision": [_("核查结论无效")]})
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application.flag:
        raise ApplicationError(_("该进件没有风险标记，无需核查"), code="no_flag")
    before = application.flag_status
    application.flag_status = decision
    application.flag_reviewed_by = by
    application.flag_reviewed_at = clock.now()
    application.save(update_fields=["flag_status", "flag_reviewed_by", "flag_reviewed_at", "updated_at"])

    earnings_sync(applications=[application])
    # Whether it counts decides whether it holds first touch: the customer's other applications
    # may change hands (recomputed beside it; every changed one gets its earnings synced).
    if application.customer_id_hash:
        others = list(Application.objects.filter(customer_id_hash=application.customer_id_hash).exclude(pk=application.pk))
        applications_recompute(applications=others)
    audit(
        user=by,
        action="referral_flag_review",
        obj=application,
        flag=application.flag,
        before=before,
        decision=decision,
        note=note[:500],
    )
    return application


def application_related_to(*, application: Application, staff) -> bool:
    """Credited, relationship manager, or referred through their own code."""
    return staff.pk in {application.staff_id, application.relationship_manager_id} or (
        application.code_id is not None and application.code.staff_id == staff.pk
    )


@transaction.atomic
def dispute_raise(*, application: Application, staff, reason: str) -> Dispute:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("请填写申诉理由"), fields={"reason": [_("请填写申诉理由")]})
    if len(reason) > 500:
        raise ApplicationError(_("申诉理由不能超过 500 个字"), fields={"reason": [_("申诉理由不能超过 500 个字")]})
    if Dispute.objects.filter(application=application, raised_by=staff, status=DisputeStatus.OPEN).exists():
        raise ApplicationError(_("您已对该进件提出申诉，正在处理中"), code="dispute_open")
    dispute = Dispute.objects.create(application=application, raised_by=staff, reason=reason, raised_at=clock.now())
    audit(user=staff.user, action="referral_dispute_raise", obj=dispute, application_id=application.application_id)
    return dispute


@transaction.atomic
def dispute_resolve(*, dispute: Dispute, by, upheld: bool, note: str, reassign_to=None) -> Dispute:
    """A manager in scope resolves a dispute. Upheld with `reassign_to` re-credits the application
    (staff, institution at submission, earning) and the choice survives every later recompute."""

    dispute = Dispute.objects.select_for_update().select_related("application").get(pk=dispute.pk)
    application = dispute.application
    if not _in_scope(application, by):
        raise ApplicationError(_("该申诉不在您的管理范围内"), code="not_found")
    if dispute.status != DisputeStatus.OPEN:
        raise ApplicationError(_("该申诉已处理，不能重复处理"), code="dispute_closed")
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_("请填写处理说明"), fields={"note": [_("请填写处理说明")]})
    if reassign_to is not None and not upheld:
        raise ApplicationError(_("驳回申诉时不能改判归属"), fields={"reassign_to": [_("驳回申诉时不能改判归属")]})
    before_staff = application.staff_id
    if upheld and reassign_to is None and dispute.raised_by_id != application.staff_id:
        reassign_to = dispute.raised_by  # "it is mine", upheld: the claimant is credited
    if upheld and reassign_to is not None and reassign_to.pk != application.staff_id:
        earning = getattr(application, "earning", None)
        if earning is not None and earning.status == EarningStatus.PAID:
            raise ApplicationError(_("该进件的收益已随工资发放，不能改判归属，请线下处理"), code="earning_paid")
        application.credit_override = reassign_to
        application.save(update_fields=["credit_override", "updated_at"])
        applications_recompute(applications=[Application.objects.select_for_update().get(pk=application.pk)])
        application.refresh_from_db()
    dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.DISMISSED
    dispute.resolved_by = by
    dispute.resolved_at = clock.now()
    dispute.resolution_note = note[:500]
    dispute.save(update_fields=["status", "resolved_by", "resolved_at", "resolution_note"])
    audit(
        user=by,
        action="referral_dispute_resolve",
        obj=dispute,
        application_id=application.application_id,
        upheld=upheld,
        staff_before=before_staff,
        staff_after=application.staff_id,
    )
    return dispute
