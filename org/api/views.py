"""The organisation's API: sign-in (password and WeChat), the caller, staff and institutions.

Views are thin: they validate input with a serializer, call a service in `org.auth`/`org.wechat`
and read through the scoped querysets of `org.api.base`."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from org import clock, tokens, wechat
from org.auth import login_throttle, token_login
from org.models import Institution, Staff, StaffAssignment
from org.scoping import institution_in_scope, is_manager
from org.selectors import institution_path_names, institutions_with_staff_counts
from org.services import audit

from .authentication import ApiTokenAuthentication
from .base import ManagerOnlyMixin, ScopedAPIView, ScopedMixin, StaffAPIView
from .filters import InstitutionFilter, StaffFilter
from .schema import errors
from .serializers import (
    BindCodeSerializer,
    InstitutionDetailSerializer,
    InstitutionSerializer,
    MeSerializer,
    StaffDetailSerializer,
    StaffSerializer,
    TokenLoginSerializer,
    TokenSerializer,
    WeChatLoginResultSerializer,
    WeChatLoginSerializer,
)


class PublicAPIView(APIView):
    """Sign-in endpoints: open to anyone, and no session authentication, so a stale dashboard
    cookie cannot trigger a CSRF refusal on a login request."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list = []


class TokenLoginView(PublicAPIView):
    @extend_schema(
        tags=["认证"],
        summary="员工号+密码登录，换取 Token",
        description="失败次数按账号和客户端分别限制（与网页登录共用计数），超过后返回 429；已离职员工不能登录。",
        request=TokenLoginSerializer,
        responses={200: TokenSerializer, **errors(400, 401, 429)},
    )
    def post(self, request):
        data = TokenLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = token_login(employee_no=data.validated_data["employee_no"], password=data.validated_data["password"], request=request)
        return Response(_token_body(*issued))


class WeChatLoginView(PublicAPIView):
    @extend_schema(
        tags=["认证"],
        summary="小程序微信登录（首次需主管提供的绑定码）",
        description="用 wx.login() 的 code 换取 Token。已绑定的微信直接登录；未绑定时须同时提交主管生成的一次性绑定码（有效期内仅能使用一次）。未绑定且无绑定码返回 401；绑定码错误、过期、已使用返回 400；微信服务器不可用返回 503。",
        request=WeChatLoginSerializer,
        responses={200: WeChatLoginResultSerializer, **errors(400, 401, 429, 503)},
    )
    def post(self, request):
        data = WeChatLoginSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued, staff, newly_bound = wechat.wechat_login(
            code=data.validated_data["code"],
            bind_code=data.validated_data.get("bind_code", ""),
            client_key=login_throttle.client_key(request),
        )
        return Response({**_token_body(*issued), "employee_no": staff.employee_no, "newly_bound": newly_bound})


def _token_body(token, raw: str) -> dict:
    return {"token": raw, "expires_at": tokens.expires_at(token)}


class TokenRefreshView(APIView):
    """Token-authenticated only: a browser session has no token to swap."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["认证"],
        summary="刷新 Token：换发新 Token，旧 Token 立即失效",
        description="Token 最长有效 30 天（API_TOKEN_MAX_AGE_DAYS），连续 7 天未使用即失效（API_TOKEN_IDLE_DAYS），员工离职次日起失效。小程序在到期前调用本接口换发。",
        request=None,
        responses={200: TokenSerializer, **errors(401)},
    )
    def post(self, request):
        return Response(_token_body(*tokens.token_refresh(token=request.auth)))


class TokenRevokeView(APIView):
    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        tags=["认证"],
        summary="注销 Token（退出登录）",
        request=None,
        responses={204: None, **errors(401)},
    )
    def post(self, request):
        tokens.token_revoke(token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(StaffAPIView):
    @extend_schema(
        tags=["我的"],
        summary="当前员工：机构路径与岗位",
        description="未关联员工的账号返回 403。",
        responses={200: MeSerializer, **errors(401)},
    )
    def get(self, request):
        staff = self.staff
        path = institution_path_names(institution=staff.institution)
        return Response(MeSerializer(staff, context={"institution_path": path}).data)


def staff_queryset():
    from org.selectors import staff_with_wechat_status  # the one staff queryset of pages and API

    return staff_with_wechat_status()


class StaffPIIMixin:
    """Mobiles in full only for a manager whose scope holds the person (SPEC §8); masked otherwise."""

    def get_serializer_context(self):
        ctx = super().get_serializer_context()
        user = self.request.user
        manager = is_manager(user)
        ctx["pii_visible"] = lambda staff: manager and institution_in_scope(staff.institution, user=user)
        return ctx


@extend_schema(tags=["员工"])
class StaffListView(StaffPIIMixin, ScopedMixin, generics.ListAPIView):
    """Staff in the caller's scope (an employee without a scope sees only themselves)."""

    serializer_class = StaffSerializer
    filterset_class = StaffFilter

    def get_queryset(self):
        return self.scoped(staff_queryset()).order_by("employee_no")

    @extend_schema(
        summary="管理范围内的员工（可按机构、岗位、用工类型筛选）",
        description="管理人员看到辖内员工及完整手机号（每页记录一次审计日志）；普通员工只看到本人，手机号脱敏。",
        responses={200: StaffSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if is_manager(request.user):
            # A page of full mobiles is a view of personal information: one audit row per page.
            rows = response.data.get("results", []) if isinstance(response.data, dict) else response.data
            audit(user=request.user, action="staff.list", employee_nos=[r["employee_no"] for r in rows])
        return response


@extend_schema(tags=["员工"])
class StaffDetailView(StaffPIIMixin, ScopedMixin, generics.RetrieveAPIView):
    serializer_class = StaffDetailSerializer
    lookup_field = "employee_no"

    def get_queryset(self):
        history = Prefetch("assignments", queryset=StaffAssignment.objects.select_related("institution").order_by("-valid_from"))
        return self.scoped(staff_queryset()).prefetch_related(history)

    @extend_schema(
        summary="员工详情与调岗历史（管理人员查看时记录审计日志）",
        description="不在管理范围内的员工返回 404。",
        responses={200: StaffDetailSerializer, **errors(401, 404)},
    )
    def get(self, request, *args, **kwargs):
        staff = self.get_object()
        if is_manager(request.user):
            audit(user=request.user, action="staff.view", obj=staff)
        return Response(self.get_serializer(staff).data)


class StaffBindCodeView(ManagerOnlyMixin, ScopedAPIView):
    @extend_schema(
        tags=["员工"],
        summary="为管理范围内的员工生成一次性微信绑定码",
        description="绑定码只返回这一次，库中只存其哈希；生成新码后旧码作废。范围外员工返回 404，已绑定微信的员工返回 400。",
        request=None,
        responses={201: BindCodeSerializer, **errors(400, 401, 404)},
    )
    def post(self, request, employee_no: str):
        staff = get_object_or_404(self.scoped(Staff.objects.all()), employee_no=employee_no)
        row, raw = wechat.wechat_bind_code_issue(staff=staff, issued_by=request.user)
        audit(user=request.user, action="wechat.bind_code_issue", obj=staff)
        return Response({"bind_code": raw, "expires_at": row.expires_at}, status=status.HTTP_201_CREATED)


class InstitutionQuerysetMixin(ManagerOnlyMixin, ScopedMixin):
    def get_queryset(self):
        qs = Institution.objects.select_related("parent")
        return institutions_with_staff_counts(queryset=self.scoped(qs), day=clock.today())


@extend_schema(tags=["机构"])
class InstitutionListView(InstitutionQuerysetMixin, generics.ListAPIView):
    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter

    @extend_schema(
        summary="管理范围内的机构（含辖内在职人数）",
        description="仅管理人员可用，其他账号返回 404。",
        responses={200: InstitutionSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


@extend_schema(tags=["机构"])
class InstitutionDetailView(InstitutionQuerysetMixin, generics.RetrieveAPIView):
    serializer_class = InstitutionDetailSerializer
    lookup_field = "code"

    @extend_schema(
        summary="机构详情、上级路径与下级机构（含人数）",
        description="不在管理范围内的机构返回 404。",
        responses={200: InstitutionDetailSerializer, **errors(401, 404)},
    )
    def get(self, request, *args, **kwargs):
        institution = self.get_object()
        children = self.get_queryset().filter(parent=institution).order_by("code")
        context = {**self.get_serializer_context(), "path": institution_path_names(institution=institution), "children": children}
        return Response(InstitutionDetailSerializer(institution, context=context).data)
