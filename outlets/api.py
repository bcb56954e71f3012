"""Mini-program endpoints: my points with the per-product breakdown, band and rank; my VIP
customers with due contacts, and logging a contact. Another employee's VIP answers 404."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from org import clock, pii
from org.api.base import StaffAPIView
from org.api.pagination import StandardPagination
from org.api.schema import errors, paginated
from org.periods import Period
from org.scoping import object_for

from .models import ContactKind, VipContact
from .selectors.points import assessment_year, band_for, points_breakdown, rule_in_force, staff_points
from .selectors.rankings import quarter_ranking
from .selectors.vip import manager_vips
from .services.vip import vip_contact_record

TAG = "网点营销"


class LineSerializer(serializers.Serializer):
    product = serializers.CharField()
    name = serializers.CharField()
    basis = serializers.CharField()
    rate = serializers.DecimalField(max_digits=10, decimal_places=2)
    version = serializers.IntegerField(help_text="计分表版本")
    sales = serializers.IntegerField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    points = serializers.DecimalField(max_digits=16, decimal_places=2)
    arithmetic = serializers.CharField()


class MyPointsView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="我的产品积分：按产品的明细（计分表版本与算式）、年度档位与比例、季度支行内排名",
        parameters=[OpenApiParameter("period", str, description="月 YYYY-MM、季度 2025-Q1 或年 2025；默认本季度")],
        responses={200: inline_serializer("MyPoints", {
            "period": serializers.CharField(), "total": serializers.DecimalField(max_digits=16, decimal_places=2),
            "table_version": serializers.CharField(), "lines": LineSerializer(many=True), "not_counted": serializers.ListField(),
            "band": serializers.DictField(), "rank": serializers.DictField(allow_null=True),
        }), **errors(400, 401)},
    )
    def get(self, request):
        today = clock.today()
        text = request.query_params.get("period") or Period.containing(today, "quarter").code
        period = Period.parse(text[:20], field="period")
        breakdown = points_breakdown(staff=self.staff, period=period, until=today)
        year, until = assessment_year(today)
        rule = rule_in_force(until)
        year_points = staff_points(year, [self.staff.pk], until=until)[self.staff.pk]
        band = band_for(year_points, rule)
        quarter = Period.containing(today, "quarter")
        row = quarter_ranking(quarter=quarter, root=self.staff.institution).by_staff().get(self.staff.pk)
        return Response({
            "period": period.code, "total": str(_money(breakdown.total)), "table_version": breakdown.table_label,
            "lines": LineSerializer(breakdown.lines, many=True).data,
            "not_counted": [{**n, "sold_on": n["sold_on"].isoformat()} for n in breakdown.not_counted],
            "band": {"year_points": str(year_points), "label": band.label, "ratio": str(band.ratio), "edges": band.edges, "rule_version": rule.label, "until": until.isoformat()},
            "rank": None if row is None else {
                "quarter": quarter.code, "rank": row.rank, "of": row.of, "sub_branch": row.sub_branch_name, "ranked": row.ranked, "note": row.note,
                "by": "本季度产品积分，支行内排名，并列同名次",
            },
        })


class MyVipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_no = serializers.CharField(source="customer.customer_no")
    name = serializers.SerializerMethodField()
    mobile = serializers.CharField(source="customer.mobile", help_text="本人维护客户的手机号（用于拨打）")
    mobile_masked = serializers.SerializerMethodField()
    deposit_balance = serializers.DecimalField(source="customer.deposit_balance", max_digits=16, decimal_places=2, allow_null=True)
    source = serializers.CharField()
    since = serializers.DateField()
    last_contact = serializers.DateField(allow_null=True)
    contact_due = serializers.BooleanField(help_text="超过规则天数未联系")
    balance_alert = serializers.BooleanField(help_text="流失预警：存款低于贵宾门槛")

    def get_name(self, obj) -> str:
        return obj.customer.name

    def get_mobile_masked(self, obj) -> str:
        return pii.mask_mobile(obj.customer.mobile) if obj.customer.mobile else ""


class VipContactCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices, error_messages={"invalid_choice": gettext_lazy("请选择电话、拜访、短信、祝福、财富诊断或客户活动")})
    contacted_on = serializers.DateField(required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class VipContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = VipContact
        fields = ["id", "kind", "contacted_on", "note"]


class MyVipsView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="我维护的贵宾客户：最近联系日期、应联系（超过规则天数未联系）与流失预警",
        parameters=[OpenApiParameter("due", bool, description="只看应联系或有预警的客户"), OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: paginated(MyVipSerializer), **errors(401)},
    )
    def get(self, request):
        from django.db.models import Q

        qs, _rule = manager_vips(staff=self.staff, today=clock.today())
        if request.query_params.get("due") in ("1", "true"):
            qs = qs.filter(Q(contact_due=True) | Q(balance_alert=True))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(MyVipSerializer(page, many=True).data)


class MyVipContactView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="登记对贵宾客户的联系（电话、拜访、短信、祝福、财富诊断、客户活动）",
                   request=VipContactCreateSerializer, responses={201: VipContactSerializer, **errors(400, 401, 404)})
    def post(self, request, pk: int):
        vip = object_for(manager_vips(staff=self.staff, today=clock.today())[0], "贵宾客户", pk=pk)
        body = VipContactCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        contact = vip_contact_record(by=request.user, vip=vip, kind=data["kind"], contacted_on=data.get("contacted_on") or clock.today(), note=data.get("note", ""))
        return Response(VipContactSerializer(contact).data, status=status.HTTP_201_CREATED)


def _money(value) -> Decimal:
    """A sum from the database as a 2-place Decimal (SQLite answers a float for a sum of decimals)."""
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))
