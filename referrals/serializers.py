"""Serializers of the staff-facing referral endpoints.

Personal information is always masked here (SPEC §8): name `张*`, mobile `138****1234`, ID
`110***********1234`. The clear values never leave the server through these answers.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from org import pii

from .models import Application, Dispute, Earning, PayoutSheet, ReferralProduct


def product_name(serializer, code: str) -> str:
    """The product's Chinese name, looked up once per answer (the context is shared by a list)."""
    names = serializer.context.get("_product_names")
    if names is None:
        names = dict(ReferralProduct.objects.values_list("code", "name"))
        if isinstance(serializer.context, dict):
            serializer.context["_product_names"] = names
    return names.get(code, code)


class StaffBriefSerializer(serializers.Serializer):
    employee_no = serializers.CharField()
    name = serializers.CharField()


class EarningBriefSerializer(serializers.ModelSerializer):
    status = serializers.CharField(
        read_only=True, help_text="pending 待确认 / confirmed 已确认 / paid 已发放 / reversed 已冲回 / none 无收益"
    )
    status_label = serializers.CharField(source="get_status_display")
    incentive_version = serializers.IntegerField(source="incentive.version", allow_null=True, default=None)

    class Meta:
        model = Earning
        fields = ["status", "status_label", "amount", "explanation", "incentive_version", "confirmed_at", "reversed_at"]


class ApplicationSerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True, help_text="submitted / approved / rejected / disbursed / withdrawn")
    product_name = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    customer_name = serializers.SerializerMethodField()
    customer_mobile = serializers.SerializerMethodField()
    customer_id = serializers.CharField(source="customer_id_masked")
    staff = serializers.SerializerMethodField()
    institution = serializers.CharField(source="institution.name", allow_null=True, default=None)
    relationship_manager = serializers.SerializerMethodField()
    rule_version = serializers.IntegerField(source="rule.version", allow_null=True, default=None)
    flag_label = serializers.CharField(source="get_flag_display")
    flag_status_label = serializers.CharField(source="get_flag_status_display")
    first_touch_application_id = serializers.CharField(source="first_touch.application_id", allow_null=True, default=None)
    earning = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "application_id",
            "product",
            "product_name",
            "status",
            "status_label",
            "status_at",
            "customer_name",
            "customer_mobile",
            "customer_id",
            "staff",
            "institution",
            "relationship_manager",
            "attribution_note",
            "first_touch_application_id",
            "rule_version",
            "submitted_at",
            "approved_at",
            "rejected_at",
            "reject_reason",
            "disbursed_at",
            "disbursed_amount",
            "withdrawn_at",
            "flag",
            "flag_label",
            "flag_status",
            "flag_status_label",
            "earning",
        ]

    def get_product_name(self, obj) -> str:
        return product_name(self, obj.product)

    def get_customer_name(self, obj) -> str:
        return pii.mask_name(obj.customer_name)

    def get_customer_mobile(self, obj) -> str:
        return pii.mask_mobile(obj.customer_mobile) if obj.customer_mobile else ""

    @extend_schema_field(StaffBriefSerializer(allow_null=True))
    def get_staff(self, obj):
        return {"employee_no": obj.staff.employee_no, "name": obj.staff.name} if obj.staff_id else None

    @extend_schema_field(StaffBriefSerializer(allow_null=True))
    def get_relationship_manager(self, obj):
        rm = obj.relationship_manager
        return {"employee_no": rm.employee_no, "name": rm.name} if rm else None

    @extend_schema_field(EarningBriefSerializer(allow_null=True))
    def get_earning(self, obj):
        earning = getattr(obj, "earning", None)  # RelatedObjectDoesNotExist is an AttributeError
        return EarningBriefSerializer(earning).data if earning else None


class MyReferralSerializer(ApplicationSerializer):
    role = serializers.CharField(
        help_text="credited 归属本人；relationship_manager 本人管户的客户；referred_credited_elsewhere 经本人推荐码但按首触归属他人"
    )
    is_relationship_manager = serializers.SerializerMethodField()

    class Meta(ApplicationSerializer.Meta):
        fields = [*ApplicationSerializer.Meta.fields, "role", "is_relationship_manager"]

    def get_is_relationship_manager(self, obj) -> bool:
        return obj.role == "relationship_manager"

    @extend_schema_field(EarningBriefSerializer(allow_null=True))
    def get_earning(self, obj):
        # Another employee's earning is theirs to see, not the relationship manager's.
        if obj.role != "credited":
            return None
        return super().get_earning(obj)


class EarningLineSerializer(serializers.ModelSerializer):
    application_id = serializers.CharField(source="application.application_id")
    product = serializers.CharField(source="application.product")
    application_status = serializers.CharField(source="application.status")
    status = serializers.CharField(read_only=True, help_text="pending / confirmed / paid / reversed / none")
    customer_name = serializers.SerializerMethodField()
    disbursed_amount = serializers.DecimalField(source="application.disbursed_amount", max_digits=16, decimal_places=2, allow_null=True)
    status_label = serializers.CharField(source="get_status_display")
    incentive_version = serializers.IntegerField(source="incentive.version", allow_null=True, default=None)
    paid_in_month = serializers.CharField(source="paid_in.month", allow_null=True, default=None)
    deducted_in_month = serializers.CharField(source="deducted_in.month", allow_null=True, default=None)
    month = serializers.SerializerMethodField()

    class Meta:
        model = Earning
        fields = [
            "application_id",
            "product",
            "application_status",
            "customer_name",
            "disbursed_amount",
            "month",
            "status",
            "status_label",
            "amount",
            "explanation",
            "incentive_version",
            "confirmed_at",
            "reversed_at",
            "paid_in_month",
            "deducted_in_month",
        ]

    def get_customer_name(self, obj) -> str:
        return pii.mask_name(obj.application.customer_name)

    def get_month(self, obj) -> str:
        from org import clock

        return f"{clock.local(obj.booked_at):%Y-%m}" if getattr(obj, "booked_at", None) else ""


class EarningMonthSerializer(serializers.Serializer):
    month = serializers.CharField()
    lines = serializers.IntegerField()
    pending = serializers.DecimalField(max_digits=16, decimal_places=2)
    confirmed = serializers.DecimalField(max_digits=16, decimal_places=2)
    paid = serializers.DecimalField(max_digits=16, decimal_places=2)
    reversed = serializers.DecimalField(max_digits=16, decimal_places=2)


class RankScopeSerializer(serializers.Serializer):
    name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True, help_text="与通报“转介”表同一口径的名次；无进件且无有效推荐码者不参与排名（null）")
    participants = serializers.IntegerField()


class RankSerializer(serializers.Serializer):
    period = serializers.CharField()
    code = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    applications = serializers.IntegerField()
    branch = RankScopeSerializer(allow_null=True)
    bank = RankScopeSerializer()


class DisputeCreateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, error_messages={"required": gettext_lazy("请填写申诉理由"), "blank": gettext_lazy("请填写申诉理由")})


class DisputeSerializer(serializers.ModelSerializer):
    application_id = serializers.CharField(source="application.application_id")
    raised_by = StaffBriefSerializer()
    status = serializers.CharField(read_only=True, help_text="open 待处理 / upheld 申诉成立 / dismissed 申诉驳回")
    status_label = serializers.CharField(source="get_status_display")
    credited_staff = serializers.SerializerMethodField()
    resolved_by = serializers.CharField(source="resolved_by.username", allow_null=True, default=None)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "application_id",
            "raised_by",
            "reason",
            "raised_at",
            "status",
            "status_label",
            "credited_staff",
            "resolved_by",
            "resolved_at",
            "resolution_note",
        ]

    @extend_schema_field(StaffBriefSerializer(allow_null=True))
    def get_credited_staff(self, obj):
        staff = obj.application.staff
        return {"employee_no": staff.employee_no, "name": staff.name} if staff else None


class FlagReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(
        choices=[("cleared", "核查放行"), ("confirmed", "确认违规")], error_messages={"invalid_choice": gettext_lazy("核查结论应为 cleared 或 confirmed")}
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class DisputeResolveSerializer(serializers.Serializer):
    upheld = serializers.BooleanField()
    note = serializers.CharField(max_length=500, error_messages={"required": gettext_lazy("请填写处理说明"), "blank": gettext_lazy("请填写处理说明")})
    reassign_to = serializers.CharField(required=False, allow_blank=True, default="", help_text="改判归属的员工号（申诉成立时可选）")


class PayoutSheetSerializer(serializers.ModelSerializer):
    branch = serializers.CharField(source="branch.name")

    class Meta:
        model = PayoutSheet
        fields = ["id", "branch", "month", "generated_at", "total", "paid_at"]
