"""Mini-program endpoints of an employee's own referrals, earnings and rank (`/api/v1/me/…`).

Only the caller's own records are reachable: an application that is not theirs (credited, managed
customer, or referred through their code) answers 404, like anything outside a scope.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from org.api.base import StaffAPIView
from org.api.pagination import StandardPagination
from org.api.schema import errors, paginated
from org.errors import ApplicationError

from ..selectors.applications import my_application, my_referrals
from ..selectors.earnings import my_earning_lines, my_earnings_by_month
from ..selectors.ranking import my_rank_summary
from ..serializers import (
    DisputeCreateSerializer,
    DisputeSerializer,
    EarningLineSerializer,
    EarningMonthSerializer,
    MyReferralSerializer,
    RankSerializer,
)
from ..services.applications import dispute_raise

TAG = "我的转介"
MAX_EARNING_LINES = 500


class MyReferralsView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="我转介的客户及进度（含本人管户客户，已标记）",
        parameters=[
            OpenApiParameter("status", str, enum=["submitted", "approved", "rejected", "disbursed", "withdrawn"]),
            OpenApiParameter("month", str, description="进件月份 YYYY-MM"),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: paginated(MyReferralSerializer), **errors(400, 401, 404)},
    )
    def get(self, request):
        qs = my_referrals(staff=self.staff, status=request.query_params.get("status"), month=request.query_params.get("month"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(MyReferralSerializer(page, many=True).data)


class MyEarningsView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="我的转介收益：按月汇总（待确认/已确认/已发放/已冲回）及明细（含激励规则版本）",
        parameters=[OpenApiParameter("month", str, description="只看该月明细 YYYY-MM")],
        responses=inline_serializer(
            "MyEarnings",
            {
                "months": EarningMonthSerializer(many=True),
                "lines": EarningLineSerializer(many=True),
                "lines_truncated": serializers.BooleanField(),
            },
        ),
    )
    def get(self, request):
        months = my_earnings_by_month(staff=self.staff)
        lines = list(my_earning_lines(staff=self.staff, month=request.query_params.get("month"))[: MAX_EARNING_LINES + 1])
        return Response(
            {
                "months": EarningMonthSerializer(months, many=True).data,
                "lines": EarningLineSerializer(lines[:MAX_EARNING_LINES], many=True).data,
                "lines_truncated": len(lines) > MAX_EARNING_LINES,
            }
        )


class MyRankView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="我的进件排名：本分行与全行（本周/本月，并列同名次）",
        parameters=[OpenApiParameter("period", str, enum=["week", "month"], default="week")],
        responses=RankSerializer,
    )
    def get(self, request):
        kind = request.query_params.get("period", "week")
        if kind not in ("week", "month"):
            raise ApplicationError(_("period 应为 week 或 month"), fields={"period": [_("period 应为 week 或 month")]})
        data = my_rank_summary(staff=self.staff, kind=kind)
        return Response(RankSerializer(data).data)


class MyReferralDisputeView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="对进件归属提出申诉",
        request=DisputeCreateSerializer,
        responses={201: DisputeSerializer},
    )
    def post(self, request, application_id: str):
        application = my_application(staff=self.staff, application_id=application_id)
        if application is None:
            raise Http404
        body = DisputeCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        dispute = dispute_raise(application=application, staff=self.staff, reason=body.validated_data["reason"])
        return Response(DisputeSerializer(dispute).data, status=status.HTTP_201_CREATED)
