"""The loan system's signed webhook (INTERFACES.md "Loan-system webhook").

The signature is checked over the *raw* body, with a constant-time compare, before any parsing:
a forged request never reaches the JSON parser. The timestamp is part of what is signed and must be
within 300 s of our clock in either direction, so a captured request cannot be replayed later
(and a replayed event id inside the window is recognised by its unique event id anyway).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from org.errors import ApplicationError
from org.webhooks import RawBodyParser, error, signed_json

from ..services.applications import APPLIED, DUPLICATE, REJECTED, application_events_apply

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
        events, refused = signed_json(request, key="events")
        if refused is not None:
            return refused
        try:
            results = application_events_apply(events=events, source="webhook")
        except ApplicationError as exc:
            return error(status.HTTP_400_BAD_REQUEST, exc.code, exc.message)
        counts = {APPLIED: 0, DUPLICATE: 0, REJECTED: 0}
        for r in results:
            counts[r.result] += 1
        return Response({"results": [r.as_dict() for r in results], **counts})
