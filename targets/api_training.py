"""Mini-program endpoints of product cards, training materials and exams (`/api/v1/me/…`)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from org.api.base import StaffAPIView
from org.api.schema import errors
from org.errors import ApplicationError
from org.scoping import object_for

from .models import MaterialKind
from .training import cards_for, exam_submit, material_complete, materials_for

TAG = "营销工具与培训"


class CardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    product = serializers.CharField()
    highlights = serializers.CharField()
    target_customers = serializers.CharField()
    pitch = serializers.CharField()
    objections = serializers.CharField()


class MaterialSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    version = serializers.IntegerField()
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=MaterialKind.choices)
    file_url = serializers.SerializerMethodField()
    pass_mark = serializers.IntegerField()
    questions = serializers.IntegerField(source="n_questions")
    completed_at = serializers.DateTimeField(source="read_at", allow_null=True)
    best_score = serializers.IntegerField(allow_null=True)
    passed = serializers.SerializerMethodField()

    def get_file_url(self, obj) -> str:
        return reverse("targets:material-file", args=[obj.pk])

    def get_passed(self, obj) -> bool:
        return obj.best_score is not None and obj.best_score >= obj.pass_mark


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    text = serializers.CharField()
    options = serializers.ListField(child=serializers.CharField())
    multiple = serializers.BooleanField()


class AnswerSerializer(serializers.Serializer):
    answers = serializers.DictField(child=serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=7), max_length=8),
                                    help_text="题目 id → 所选选项序号（从 0 开始）")


class AttemptSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    passed = serializers.BooleanField()
    best_score = serializers.IntegerField()


class MyCardsView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="适用于我的营销小卡片（每个编号的最新版本）", responses={200: CardSerializer(many=True), **errors(401)})
    def get(self, request):
        return Response(CardSerializer(cards_for(staff=self.staff), many=True).data)


class MyMaterialsView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="适用于我的培训资料，含是否学完、最好成绩", responses={200: MaterialSerializer(many=True), **errors(401)})
    def get(self, request):
        return Response(MaterialSerializer(materials_for(staff=self.staff), many=True).data)


class MyMaterialCompleteView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="记录学完（视频播放结束或浏览到末页时调用）", request=None,
                   responses={201: inline_serializer("MaterialRead", {"completed_at": serializers.DateTimeField()}), **errors(401, 404)})
    def post(self, request, pk: int):
        material = object_for(materials_for(staff=self.staff), "培训资料", pk=pk)
        read = material_complete(staff=self.staff, material=material)
        return Response({"completed_at": read.completed_at}, status=status.HTTP_201_CREATED)


class MyExamView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="通关测试题目（不含答案）", responses={200: QuestionSerializer(many=True), **errors(401, 404)})
    def get(self, request, pk: int):
        material = object_for(materials_for(staff=self.staff), "培训资料", pk=pk)
        return Response(QuestionSerializer(material.questions.all(), many=True).data)

    @extend_schema(tags=[TAG], summary="交卷：每题选项完全正确才得分，得分 = 答对题数 ÷ 总题数 × 100", request=AnswerSerializer,
                   responses={201: AttemptSerializer, **errors(400, 401, 404)})
    def post(self, request, pk: int):
        material = object_for(materials_for(staff=self.staff), "培训资料", pk=pk)
        body = AnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        answers = {}
        for key, picks in body.validated_data["answers"].items():
            if not str(key).isdigit():
                raise ApplicationError(_("题目“%(key)s”不存在") % {"key": key})
            answers[int(key)] = picks
        attempt = exam_submit(staff=self.staff, material=material, answers=answers)
        best = materials_for(staff=self.staff).get(pk=material.pk).best_score
        return Response({"score": attempt.score, "passed": attempt.passed, "best_score": best}, status=status.HTTP_201_CREATED)
