"""Mini-program endpoints for an employee's own codes (`/api/v1/me/…`).

Image scheme: every image is a sub-resource named by its format —
`me/referral-code/qr.png`, `qr.svg`, `poster.png`, `poster.pdf` and `me/mgm-codes/<id>/qr.png`.
Only the caller's own codes are reachable: another employee's MGM code answers 404.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from org.api.base import StaffAPIView
from org.errors import ApplicationError

from ..models import IntermediaryKind, ReferralCode
from ..posters import poster_pdf, poster_png
from ..qr import referral_qr_png, referral_qr_svg, referral_url
from ..selectors.codes import campaign_active_on, mgm_codes_of
from ..services.codes import mgm_code_create, referral_code_get_or_issue, referral_code_issue, referral_code_revoke

TAG = "推荐码"


class ReferralCodeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="二维码指向的公开落地页")
    png_url = serializers.SerializerMethodField()
    svg_url = serializers.SerializerMethodField()
    poster_url = serializers.SerializerMethodField()
    poster_pdf_url = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReferralCode
        fields = ["token", "kind", "created_at", "revoked_at", "is_active", "url", "png_url", "svg_url", "poster_url", "poster_pdf_url"]

    def _abs(self, name: str) -> str:
        return self.context["request"].build_absolute_uri(reverse(name))

    def get_url(self, obj) -> str:
        return referral_url(obj.token)

    def get_png_url(self, obj) -> str:
        return self._abs("api-me-referral-code-png")

    def get_svg_url(self, obj) -> str:
        return self._abs("api-me-referral-code-svg")

    def get_poster_url(self, obj) -> str:
        return self._abs("api-me-referral-code-poster")

    def get_poster_pdf_url(self, obj) -> str:
        return self._abs("api-me-referral-code-poster-pdf")


class MgmCodeSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="二维码指向的公开落地页")
    png_url = serializers.SerializerMethodField()
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ReferralCode
        fields = [
            "id",
            "token",
            "intermediary_kind",
            "intermediary_name",
            "intermediary_contact",
            "created_at",
            "revoked_at",
            "is_active",
            "url",
            "png_url",
        ]

    def get_url(self, obj) -> str:
        return referral_url(obj.token)

    def get_png_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(reverse("api-me-mgm-code-png", args=[obj.pk]))


class MgmCodeCreateSerializer(serializers.Serializer):
    intermediary_kind = serializers.ChoiceField(
        choices=IntermediaryKind.choices, error_messages={"invalid_choice": _("中介类型“{input}”无效"), "required": _("请选择中介类型")}
    )
    intermediary_name = serializers.CharField(
        max_length=100, error_messages={"blank": _("请填写中介名称"), "required": _("请填写中介名称")}
    )
    intermediary_contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


def _image(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _my_poster_args(staff) -> dict:
    campaign = campaign_active_on()
    return {
        "name": staff.name,
        "outlet": staff.institution.name,
        "campaign_name": campaign.name if campaign else "",
        "tagline": campaign.tagline if campaign else "",
    }


class MyReferralCodeView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="我的推荐码（首次调用时生成）", responses=ReferralCodeSerializer)
    def get(self, request):
        code = referral_code_get_or_issue(staff=self.staff, issued_by=request.user)
        return Response(ReferralCodeSerializer(code, context={"request": request}).data)


class MyReferralCodeReissueView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="重新生成推荐码（旧码立即失效）", request=None, responses={201: ReferralCodeSerializer})
    def post(self, request):
        code = referral_code_issue(staff=self.staff, issued_by=request.user)
        return Response(ReferralCodeSerializer(code, context={"request": request}).data, status=status.HTTP_201_CREATED)


class _MyCodeImageView(StaffAPIView):
    def code(self) -> ReferralCode:
        return referral_code_get_or_issue(staff=self.staff, issued_by=self.request.user)


class MyReferralCodePngView(_MyCodeImageView):
    @extend_schema(tags=[TAG], summary="我的推荐码二维码（PNG）", responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request):
        return _image(referral_qr_png(self.code().token), "image/png", "referral-qr.png")


class MyReferralCodeSvgView(_MyCodeImageView):
    @extend_schema(tags=[TAG], summary="我的推荐码二维码（SVG，适合印刷）", responses={(200, "image/svg+xml"): OpenApiTypes.BINARY})
    def get(self, request):
        return _image(referral_qr_svg(self.code().token), "image/svg+xml", "referral-qr.svg")


class MyReferralPosterView(_MyCodeImageView):
    @extend_schema(tags=[TAG], summary="我的推荐海报（A6，PNG）", responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request):
        png = poster_png(url=referral_url(self.code().token), **_my_poster_args(self.staff))
        return _image(png, "image/png", "referral-poster.png")


class MyReferralPosterPdfView(_MyCodeImageView):
    @extend_schema(tags=[TAG], summary="我的推荐海报（A6，PDF）", responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def get(self, request):
        pdf = poster_pdf(url=referral_url(self.code().token), **_my_poster_args(self.staff))
        return _image(pdf, "application/pdf", "referral-poster.pdf")


class MyMgmCodesView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="我的二级码（MGM）列表", responses=MgmCodeSerializer(many=True))
    def get(self, request):
        codes = mgm_codes_of(staff=self.staff)
        return Response(MgmCodeSerializer(codes, many=True, context={"request": request}).data)

    @extend_schema(tags=[TAG], summary="为中介生成二级码（MGM）", request=MgmCodeCreateSerializer, responses={201: MgmCodeSerializer})
    def post(self, request):
        payload = MgmCodeCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        code = mgm_code_create(staff=self.staff, by=request.user, **payload.validated_data)
        return Response(MgmCodeSerializer(code, context={"request": request}).data, status=status.HTTP_201_CREATED)


class _MyMgmCodeView(StaffAPIView):
    def mgm_code(self, pk: int) -> ReferralCode:
        # Only the caller's own codes: anyone else's is "not found".
        return get_object_or_404(mgm_codes_of(staff=self.staff), pk=pk)


class MyMgmCodeRevokeView(_MyMgmCodeView):
    @extend_schema(
        tags=[TAG],
        summary="作废二级码（MGM）",
        request=None,
        responses={200: MgmCodeSerializer, 404: OpenApiResponse(description="不是本人的二级码")},
    )
    def post(self, request, pk: int):
        code = referral_code_revoke(code=self.mgm_code(pk), by=request.user)
        return Response(MgmCodeSerializer(code, context={"request": request}).data)


class MyMgmCodePngView(_MyMgmCodeView):
    @extend_schema(tags=[TAG], summary="二级码（MGM）二维码（PNG）", responses={(200, "image/png"): OpenApiTypes.BINARY})
    def get(self, request, pk: int):
        code = self.mgm_code(pk)
        if not code.is_active:
            raise ApplicationError(gettext("该二级码已作废，不能再下载二维码，请重新生成"), code="code_revoked")
        return _image(referral_qr_png(code.token), "image/png", f"mgm-{code.pk}.png")
