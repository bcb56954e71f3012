"""Builders for the application, webhook and earnings tests (helper R2)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
from decimal import Decimal

from django.conf import settings

from org import clock
from referrals.models import Campaign, IncentiveRule, ReferralCode, ReferralProduct, ReferralRule

SH = clock.SHANGHAI
_seq = itertools.count(1)


def id_number(serial: int, birth: str = "19900101", area: str = "220102") -> str:
    """A valid 18-digit resident ID (ISO 7064 MOD 11-2 check digit)."""
    body = f"{area}{birth}{serial % 1000:03d}"
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def at(day: dt.date | str, hour: int = 10, minute: int = 0) -> dt.datetime:
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SH)


def event(application_id: str, status: str, when: dt.datetime, **extra) -> dict:
    """An event as the loan system sends it (JSON-ready)."""
    body = {
        "event_id": extra.pop("event_id", f"EV-{next(_seq):06d}"),
        "application_id": application_id,
        "status": status,
        "occurred_at": when.isoformat(),
    }
    if status == "submitted":
        body.setdefault("product", "consumer_loan")
        body.setdefault("customer_id_number", id_number(1))
        body.setdefault("customer_name", "王小明")
        body.setdefault("customer_mobile", "13800001234")
    if status == "disbursed":
        body.setdefault("amount", "50000.00")
    body.update(extra)
    for key in ("amount",):
        if isinstance(body.get(key), Decimal):
            body[key] = str(body[key])
    return body


def ensure_reference_data() -> None:
    """The products and rule v1 of the data migration, which a transactional test's flush removes."""
    for code, name in (("consumer_loan", "信用卡消费贷"), ("card_instalment", "信用卡分期"), ("credit_card", "信用卡")):
        ReferralProduct.objects.get_or_create(code=code, defaults={"name": name})
    ReferralRule.objects.get_or_create(version=1, defaults={"effective_from": dt.date(2020, 1, 1)})


def campaign(
    *,
    start: str = "2024-01-01",
    end: str = "2024-12-31",
    code: str = "C2024",
    rate: str = "0.003",
    cap: str = "300",
    bonus: str = "0",
    products=("consumer_loan",),
) -> Campaign:
    ensure_reference_data()
    c = Campaign.objects.create(
        code=code, name="全民营销 邀享好礼", start_date=dt.date.fromisoformat(start), end_date=dt.date.fromisoformat(end)
    )
    c.products.set(ReferralProduct.objects.filter(code__in=products))
    IncentiveRule.objects.create(
        campaign=c,
        version=1,
        effective_from=c.start_date,
        rate=Decimal(rate),
        cap_per_loan=Decimal(cap),
        flat_bonus_per_approved=Decimal(bonus),
    )
    return c


def code_for(staff, *, token: str | None = None, created: dt.datetime | None = None, revoked_at: dt.datetime | None = None) -> ReferralCode:
    return ReferralCode.objects.create(
        token=token or f"tok{staff.employee_no}{next(_seq)}", staff=staff, created_at=created or at("2023-12-01"), revoked_at=revoked_at
    )


def sign(body: bytes, timestamp: int, secret: str | None = None) -> str:
    secret = secret if secret is not None else settings.LOAN_WEBHOOK_SECRET
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def post_events(client, events: list[dict], *, timestamp: int | None = None, signature: str | None = None, raw: bytes | None = None):
    body = raw if raw is not None else json.dumps({"events": events}, ensure_ascii=False).encode()
    ts = int(clock.now().timestamp()) if timestamp is None else timestamp
    headers = {"HTTP_X_TIMESTAMP": str(ts), "HTTP_X_SIGNATURE": signature if signature is not None else sign(body, ts)}
    return client.post("/api/v1/integrations/loan-events", data=body, content_type="application/json", **headers)
