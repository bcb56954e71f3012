from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from org.models import Institution, Position, Staff, StaffAssignment, WeChatBinding
from org.pii import mask_mobile


class InstitutionBriefSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Institution
        fields = ["code", "name", "kind", "kind_label"]


class PositionSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    institution = InstitutionBriefSerializer(read_only=True)
    institution_path = serializers.SerializerMethodField()
    positions = serializers.SerializerMethodField()
    employment_type_label = serializers.CharField(source="get_employment_type_display", read_only=True)

    class Meta:
        model = Staff
        fields = ["employee_no", "name", "employment_type", "employment_type_label", "institution", "institution_path", "positions", "tier"]

    @extend_schema_field(InstitutionBriefSerializer(many=True))
    def get_institution_path(self, obj):
        return InstitutionBriefSerializer(self.context["institution_path"], many=True).data

    @extend_schema_field(PositionSerializer(many=True))
    def get_positions(self, obj):
        labels = dict(Position.choices)
        return [{"code": c, "label": labels.get(c, c)} for c in obj.position_list]


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="机器可读的错误代码，如 invalid、not_found、throttled")
    message = serializers.CharField(help_text="给用户看的中文说明")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), help_text="按字段列出的错误")


# The body of every error answer (org.api.errors). A comment, not a docstring: a docstring would
# become the schema's (English) description of the component.
class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


class TokenLoginSerializer(serializers.Serializer):
    employee_no = serializers.CharField(max_length=150, help_text="员工号")
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="请求时放在 Authorization: Token <token> 中")
    expires_at = serializers.DateTimeField(help_text="不再使用时的失效时间（签发后最长 30 天，闲置 7 天即失效），到期前可调用刷新接口")


class WeChatLoginSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=128, help_text="小程序 wx.login() 得到的 code")
    bind_code = serializers.CharField(max_length=32, required=False, allow_blank=True, help_text="首次登录时主管提供的一次性绑定码")


class WeChatLoginResultSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()
    employee_no = serializers.CharField()
    newly_bound = serializers.BooleanField(help_text="本次登录是否完成了首次绑定")


class BindCodeSerializer(serializers.Serializer):
    bind_code = serializers.CharField(help_text="一次性绑定码，只显示这一次")
    expires_at = serializers.DateTimeField()


class StaffSerializer(serializers.ModelSerializer):
    # A person as a manager sees them. The mobile is masked unless the caller is a manager whose scope holds the person
    # (`context["pii_visible"]`, a callable decided by the view).

    institution = InstitutionBriefSerializer(read_only=True)
    mobile = serializers.SerializerMethodField()
    positions = serializers.SerializerMethodField()
    employment_type_label = serializers.CharField(source="get_employment_type_display", read_only=True)
    wechat_bound = serializers.SerializerMethodField()

    class Meta:
        model = Staff
        fields = [
            "employee_no",
            "name",
            "mobile",
            "institution",
            "positions",
            "employment_type",
            "employment_type_label",
            "active_from",
            "active_to",
            "tier",
            "wechat_bound",
        ]

    def get_mobile(self, obj) -> str:
        visible = self.context.get("pii_visible")
        if visible is not None and visible(obj):
            return obj.mobile
        return mask_mobile(obj.mobile) if obj.mobile else ""

    @extend_schema_field(PositionSerializer(many=True))
    def get_positions(self, obj):
        labels = dict(Position.choices)
        return [{"code": c, "label": labels.get(c, c)} for c in obj.position_list]

    def get_wechat_bound(self, obj) -> bool:
        # Annotated by the queryset (one query for the page), falling back to the relation.
        value = getattr(obj, "wechat_bound", None)
        if value is None:
            value = WeChatBinding.objects.filter(staff=obj).exists()
        return bool(value)


class AssignmentSerializer(serializers.ModelSerializer):
    institution = InstitutionBriefSerializer(read_only=True)

    class Meta:
        model = StaffAssignment
        fields = ["institution", "valid_from", "valid_to"]


class StaffDetailSerializer(StaffSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    id_masked = serializers.CharField(read_only=True)

    class Meta(StaffSerializer.Meta):
        fields = [*StaffSerializer.Meta.fields, "id_masked", "assignments"]


class InstitutionChildSerializer(InstitutionBriefSerializer):
    staff_count = serializers.IntegerField(read_only=True, help_text="辖内（含下级机构）在职员工数")

    class Meta(InstitutionBriefSerializer.Meta):
        fields = [*InstitutionBriefSerializer.Meta.fields, "staff_count"]


class InstitutionSerializer(InstitutionBriefSerializer):
    parent_code = serializers.CharField(source="parent.code", read_only=True, allow_null=True, default=None)
    staff_count = serializers.IntegerField(read_only=True, help_text="辖内（含下级机构）在职员工数")

    class Meta(InstitutionBriefSerializer.Meta):
        fields = [*InstitutionBriefSerializer.Meta.fields, "parent_code", "depth", "staff_count"]


class InstitutionDetailSerializer(InstitutionSerializer):
    path = serializers.SerializerMethodField()
    children = serializers.SerializerMethodField()

    class Meta(InstitutionSerializer.Meta):
        fields = [*InstitutionSerializer.Meta.fields, "path", "children"]

    @extend_schema_field(InstitutionBriefSerializer(many=True))
    def get_path(self, obj):
        return InstitutionBriefSerializer(self.context["path"], many=True).data

    @extend_schema_field(InstitutionChildSerializer(many=True))
    def get_children(self, obj):
        return InstitutionChildSerializer(self.context["children"], many=True).data
