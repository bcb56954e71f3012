"""Manager endpoints: applications in scope, flag review, disputes (`/api/v1/referrals/…`).

Everything reads through `scope_filter`: an application or dispute outside the caller's subtree is
absent, so every endpoint answers 404 for it; a caller with no manager scope sees nothing at all.
Answers mask customers' names, mobiles and ID numbers; listing them is audit-logged.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from org.api.base import ManagerOnlyMixin, ScopedAPIView
from org.api.pagination import StandardPagination
from org.api.schema import errors, paginated
from org.errors import ApplicationError
from org.models import Staff
from org.services import audit

from ..selectors.applications import applications_in_scope, disputes_in_scope
from ..serializers import ApplicationSerializer, DisputeResolveSerializer, DisputeSerializer, FlagReviewSerializer
from ..services.applications import application_flag_review, dispute_resolve

TAG = "转介管理"


class ManagerAPIView(ManagerOnlyMixin, ScopedAPIView):
    """Managers only (org.api.base.ManagerOnlyMixin, the one home of that rule): anyone else 404."""


class ApplicationListView(ManagerAPIView):
    @extend_schema(
        tags=[TAG],
        summary="管理范围内的进件（可按状态、月份、风险标记、机构、员工、产品筛选）",
        parameters=[
            OpenApiParameter("status", str, enum=["submitted", "approved", "rejected", "disbursed", "withdrawn"]),
            OpenApiParameter("month", str, description="进件月份 YYYY-MM"),
            OpenApiParameter("flag", str, enum=["pending", "cleared", "confirmed", "any"]),
            OpenApiParameter("institution", str, description="机构号（含下级）"),
            OpenApiParameter("employee_no", str),
            OpenApiParameter("product", str),
            OpenApiParameter("page", int),
            OpenApiParameter("page_size", int),
        ],
        responses={200: paginated(ApplicationSerializer), **errors(400, 401, 404)},
    )
    def get(self, request):
        p = request.query_params
        qs = applications_in_scope(
            user=request.user,
            status=p.get("status"),
            month=p.get("month"),
            flag=p.get("flag"),
            institution_code=p.get("institution"),
            employee_no=p.get("employee_no"),
            product=p.get("product"),
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        audit(user=request.user, action="referral_applications_view", count=len(page), filters=dict(p.items()))
        return paginator.get_paginated_response(ApplicationSerializer(page, many=True).data)


class ApplicationReviewView(ManagerAPIView):
    @extend_schema(
        tags=[TAG],
        summary="核查风险标记：放行（cleared）或确认违规（confirmed）",
        request=FlagReviewSerializer,
        responses={200: ApplicationSerializer, **errors(400, 401, 404)},
    )
    def post(self, request, application_id: str):
        application = get_object_or_404(applications_in_scope(user=request.user), application_id=application_id)
        body = FlagReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application = application_flag_review(application=application, by=request.user, **body.validated_data)
        fresh = applications_in_scope(user=request.user).get(pk=application.pk)
        return Response(ApplicationSerializer(fresh).data)


class DisputeListView(ManagerAPIView):
    @extend_schema(
        tags=[TAG],
        summary="管理范围内的归属申诉",
        parameters=[OpenApiParameter("status", str, enum=["open", "upheld", "dismissed"]), OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: paginated(DisputeSerializer), **errors(400, 401, 404)},
    )
    def get(self, request):
        qs = disputes_in_scope(user=request.user, status=request.query_params.get("status"))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(DisputeSerializer(page, many=True).data)


class DisputeResolveView(ManagerAPIView):
    @extend_schema(tags=[TAG], summary="处理申诉：成立（可改判归属）或驳回", request=DisputeResolveSerializer, responses={200: DisputeSerializer, **errors(400, 401, 404)})
    def post(self, request, pk: int):
        dispute = get_object_or_404(disputes_in_scope(user=request.user), pk=pk)
        body = DisputeResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        reassign_to = None
        if body.validated_data["reassign_to"]:
            # The new owner must be someone the manager can see.
            reassign_to = self.scoped(Staff.objects.all()).filter(employee_no=body.validated_data["reassign_to"]).first()
            if reassign_to is None:
                raise ApplicationError(
                    _("员工 %(no)s 不存在或不在您的管理范围内") % {"no": body.validated_data["reassign_to"]}, fields={"reassign_to": [_("员工不存在")]}
                )
        dispute = dispute_resolve(
            dispute=dispute,
            by=request.user,
            upheld=body.validated_data["upheld"],
            note=body.validated_data["note"],
            reassign_to=reassign_to,
        )
        return Response(DisputeSerializer(disputes_in_scope(user=request.user).get(pk=dispute.pk)).data)
