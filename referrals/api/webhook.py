"""The loan system's signed webhook (INTERFACES.md "Loan-system webhook").

The signature is checked over the *raw* body, with a constant-time compare, before any parsing:
a forged request never reaches the JSON parser. The timestamp is part of what is signed and must be
within 300 s of our clock in either direction, so a captured request cannot be replayed later
(and a replayed event id inside the window is recognised by its unique event id anyway).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from org import clock
from org.errors import ApplicationError

from ..services.applications import APPLIED, DUPLICATE, REJECTED, application_events_apply

SIGNATURE_PREFIX = "sha256="


class RawBodyParser(BaseParser):
    """Declares JSON for the schema; the view reads `request.body` itself, after the signature."""

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")


def _error(http_status: int, code: str, message: str) -> Response:
    return Response({"error": {"code": code, "message": message, "fields": {}}}, status=http_status)


TIMESTAMP_RE = re.compile(r"[0-9]{1,12}")


def signature_valid(*, body: bytes, timestamp: str, signature: str, secret: str) -> bool:
    if not signature.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature[len(SIGNATURE_PREFIX) :].strip().lower().encode())


_event_fields = {
    "event_id": serializers.CharField(),
    "application_id": serializers.CharField(),
    "referral_code": serializers.CharField(required=False),
    "product": serializers.CharField(required=False),
    "customer_id_number": serializers.CharField(required=False),
    "customer_name": serializers.CharField(required=False),
    "customer_mobile": serializers.CharField(required=False),
    "status": serializers.CharField(help_text="submitted / approved / rejected / disbursed / withdrawn"),
    "reason": serializers.CharField(required=False),
    "amount": serializers.DecimalField(max_digits=16, decimal_places=2, required=False),
    "occurred_at": serializers.DateTimeField(),
}


class LoanEventsWebhookView(APIView):
    authentication_classes = []  # machine-to-machine: the HMAC signature is the authentication
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawBodyParser]
    throttle_classes = []

    @extend_schema(
        summary="贷款系统推送进件事件（HMAC-SHA256 签名）",
        description=(
            "签名：X-Signature: sha256=HEX，HEX = HMAC-SHA256(LOAN_WEBHOOK_SECRET, X-Timestamp + '.' + 原始请求体)。"
            "X-Timestamp 为 Unix 秒，与服务器时间相差超过 300 秒拒绝（401）。事件编号重复的事件返回 duplicate，不做任何变更。"
        ),
        parameters=[
            OpenApiParameter("X-Timestamp", str, OpenApiParameter.HEADER, required=True, description="Unix 秒"),
            OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True, description="sha256=HEX"),
        ],
        request=inline_serializer("LoanEventsRequest", {"events": inline_serializer("LoanEvent", _event_fields, many=True)}),
        responses={
            200: inline_serializer(
                "LoanEventsResponse",
                {
                    "results": inline_serializer(
                        "LoanEventResult",
                        {"event_id": serializers.CharField(), "result": serializers.CharField(), "reason": serializers.CharField()},
                        many=True,
                    ),
                    "applied": serializers.IntegerField(),
                    "duplicate": serializers.IntegerField(),
                    "rejected": serializers.IntegerField(),
                },
            ),
            400: None,
            401: None,
        },
        examples=[
            OpenApiExample(
                "进件",
                value={
                    "events": [
                        {
                            "event_id": "EV0001",
                            "application_id": "APP0001",
                            "referral_code": "…",
                            "product": "consumer_loan",
                            "customer_id_number": "110101199003070011",
                            "customer_name": "张三",
                            "customer_mobile": "13800001234",
                            "status": "submitted",
                            "occurred_at": "2024-11-11T09:30:00+08:00",
                        }
                    ]
                },
                request_only=True,
            )
        ],
        tags=["integrations"],
    )
    def post(self, request):
        body = request.body  # raw bytes, before any parsing
        timestamp = request.headers.get("X-Timestamp", "").strip()
        signature = request.headers.get("X-Signature", "").strip()
        if not timestamp or not signature:
            return _error(status.HTTP_401_UNAUTHORIZED, "signature_missing", "缺少签名或时间戳（X-Signature、X-Timestamp）")
        # Unix seconds in ASCII digits, at most 12 of them: 401 digits overflowed the float below.
        if not TIMESTAMP_RE.fullmatch(timestamp):
            return _error(status.HTTP_401_UNAUTHORIZED, "timestamp_invalid", "时间戳格式错误，应为 Unix 秒")
        sent_at = int(timestamp)
        if abs(clock.now().timestamp() - sent_at) > settings.LOAN_WEBHOOK_MAX_SKEW_S:
            return _error(status.HTTP_401_UNAUTHORIZED, "timestamp_stale", "时间戳与服务器时间相差超过 300 秒，请求已拒绝")
        if not signature_valid(body=body, timestamp=timestamp, signature=signature, secret=settings.LOAN_WEBHOOK_SECRET):
            return _error(status.HTTP_401_UNAUTHORIZED, "signature_invalid", "签名校验失败")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return _error(status.HTTP_400_BAD_REQUEST, "parse_error", "请求体不是有效的 JSON")
        except RecursionError:  # a signed but absurdly nested body
            return _error(status.HTTP_400_BAD_REQUEST, "parse_error", "请求体嵌套层级过深")
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list):
            return _error(status.HTTP_400_BAD_REQUEST, "invalid", '请求体应为 {"events": [...]}')
        try:
            results = application_events_apply(events=events, source="webhook")
        except ApplicationError as exc:
            return _error(status.HTTP_400_BAD_REQUEST, exc.code, exc.message)
        counts = {APPLIED: 0, DUPLICATE: 0, REJECTED: 0}
        for r in results:
            counts[r.result] += 1
        return Response({"results": [r.as_dict() for r in results], **counts})
