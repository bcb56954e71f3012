"""Endpoints of retail-credit capacity: the loan system's signed loans webhook and the officer's own
capacity month (`/api/v1/me/capacity`) with the breakdown, tier, target, lifeline, warnings and rank."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from org import clock
from org.api.base import StaffAPIView
from org.api.schema import errors
from org.errors import ApplicationError
from org.periods import Period
from org.webhooks import RawBodyParser, error, signed_json

from .selectors.explain import explain_month
from .services.loans import APPLIED, DUPLICATE, REJECTED, loans_receive

TAG = "零售信贷产能"

_loan_fields = {
    "loan_id": serializers.CharField(),
    "officer_employee_no": serializers.CharField(),
    "product": serializers.ChoiceField(choices=["mortgage", "consumer", "business"]),
    "amount": serializers.DecimalField(max_digits=16, decimal_places=2),
    "disbursed_on": serializers.DateField(),
}


class LoansWebhookView(APIView):
    authentication_classes = []  # machine-to-machine: the HMAC signature is the authentication
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawBodyParser]
    throttle_classes = []

    @extend_schema(
        summary="贷款系统推送放款（HMAC-SHA256 签名，与进件事件相同）",
        description=(
            "签名：X-Signature: sha256=HEX，HEX = HMAC-SHA256(LOAN_WEBHOOK_SECRET, X-Timestamp + '.' + 原始请求体)；"
            "X-Timestamp 为 Unix 秒，与服务器时间相差超过 300 秒拒绝（401）。按贷款编号幂等：重复推送返回 duplicate，不做变更；"
            "更正的贷款返回 applied；有问题的单笔返回 rejected 及原因，其他单笔照常保存。"
        ),
        parameters=[
            OpenApiParameter("X-Timestamp", str, OpenApiParameter.HEADER, required=True, description="Unix 秒"),
            OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True, description="sha256=HEX"),
        ],
        request=inline_serializer("LoansRequest", {"loans": inline_serializer("LoanRow", _loan_fields, many=True)}),
        responses={
            200: inline_serializer("LoansResponse", {
                "results": inline_serializer("LoanResult", {"loan_id": serializers.CharField(), "result": serializers.CharField(), "reason": serializers.CharField()}, many=True),
                "applied": serializers.IntegerField(), "duplicate": serializers.IntegerField(), "rejected": serializers.IntegerField(),
            }),
            400: None, 401: None,
        },
        examples=[OpenApiExample("放款", request_only=True, value={"loans": [
            {"loan_id": "LN0001", "officer_employee_no": "LO001", "product": "mortgage", "amount": "560000.00", "disbursed_on": "2024-11-11"}]})],
        tags=["integrations"],
    )
    def post(self, request):
        items, refused = signed_json(request, key="loans")
        if refused is not None:
            return refused
        try:
            results = loans_receive(items=items)
        except ApplicationError as exc:
            return error(status.HTTP_400_BAD_REQUEST, exc.code, exc.message)
        counts = {APPLIED: 0, DUPLICATE: 0, REJECTED: 0}
        for r in results:
            counts[r.result] += 1
        return Response({"results": [r.as_dict() for r in results], **counts})


def _money(value) -> str | None:
    return None if value is None else f"{value:.2f}"


def explanation_json(exp) -> dict:
    s = exp.standing
    return {
        "month": exp.month.code, "as_of": exp.until, "scheme": exp.terms.label, "scheme_version": exp.terms.version,
        "tier": exp.tier, "target": _money(exp.target), "lifeline": _money(exp.lifeline),
        "loans": exp.loans, "amount": _money(exp.amount), "points": _money(exp.points),
        "attainment_pct": None if exp.attainment is None else round(100 * exp.attainment, 1),
        "time_progress_pct": round(100 * exp.time_progress, 1),
        "week": exp.week.code, "week_target": _money(exp.week_target),
        "warning": s.label, "warning_detail": s.detail, "months_behind": s.run,
        "months": [{"month": m.code, "amount": _money(m.amount), "lifeline": _money(m.lifeline), "below": m.below, "exempt": m.exempt, "complete": m.complete}
                   for m in s.months],
        "rank_in_tier": exp.rank, "tier_size_in_branch": exp.rank_of, "branch": exp.branch_name,
        "pairing": {"manager": exp.pairing.manager.name, "start": exp.pairing.start, "end": exp.pairing.end} if exp.pairing else None,
        "breakdown": [{"product": line.product, "label": line.label, "loans": line.loans, "total": _money(line.total), "average": _money(line.average),
                       "coefficient": str(line.coefficient), "benchmark": _money(line.benchmark), "ratio": None if line.ratio is None else str(line.ratio),
                       "adjustment": str(line.adjustment), "points": _money(line.points), "clamped": line.clamped} for line in exp.lines],
        "arithmetic": exp.arithmetic(),
        "counted": [{"loan_id": loan.loan_id, "product": loan.product, "amount": _money(loan.amount), "disbursed_on": loan.disbursed_on} for loan in exp.counted],
        "not_counted": [{"loan_id": loan.loan_id, "amount": _money(loan.amount), "disbursed_on": loan.disbursed_on, "reason": reason} for loan, reason in exp.not_counted],
    }


def month_param(text: str | None) -> Period:
    if not text:
        return Period.containing(clock.today(), "month")
    period = Period.parse(text[:20], "month", field="month")
    return period


class MyCapacityView(StaffAPIView):
    @extend_schema(
        tags=[TAG], summary="我的产能（本月或指定月份：积分明细、梯队、目标、生命线、预警、梯队内排名、计入与未计入的贷款）",
        parameters=[OpenApiParameter("month", str, description="月份，如 2024-03；默认本月")], responses={200: dict, **errors(400, 401)},
    )
    def get(self, request):
        try:
            month = month_param(request.query_params.get("month"))
        except ApplicationError as exc:
            return error(status.HTTP_400_BAD_REQUEST, exc.code, exc.message)
        until = min(clock.today(), month.end)
        return Response(explanation_json(explain_month(staff=self.staff, month=month, until=until)))
