from rest_framework import serializers

from org.models import Institution, Position, Staff


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

    def get_institution_path(self, obj) -> list[dict]:
        return InstitutionBriefSerializer(self.context["institution_path"], many=True).data

    def get_positions(self, obj) -> list[dict]:
        labels = dict(Position.choices)
        return [{"code": c, "label": labels.get(c, c)} for c in obj.position_list]
