"""Mini-program and manager endpoints of targets: my targets and attainment with time progress, my
contests with live rank; the targets of my children, and who is behind."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from org import clock
from org.api.base import ManagerOnlyMixin, ScopedAPIView, StaffAPIView
from org.api.schema import errors
from org.errors import ApplicationError
from org.periods import Period
from org.scoping import scope_node

from . import registry
from .selectors import attainment_rows

TAG = "目标与竞赛"
KINDS = ("week", "month", "quarter", "year")

class TargetFigureSerializer(serializers.Serializer):
    metric = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    period = serializers.CharField()
    actual = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="金额为元")
    target = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    attainment_pct = serializers.FloatField(allow_null=True)
    time_progress_pct = serializers.FloatField(help_text="序时进度（按工作日）")
    behind = serializers.BooleanField(help_text="落后序时进度")
    rule_version = serializers.CharField()
    code = serializers.CharField(required=False, help_text="下级机构号或员工号（管理端）")
    label = serializers.CharField(required=False)
    level = serializers.CharField(required=False, help_text="institution 或 staff")


def _period(request) -> Period:
    text = request.query_params.get("period")
    if text:
        return Period.parse(text, field="period")
    kind = request.query_params.get("kind", "month")
    if kind not in KINDS:
        raise ApplicationError(_("kind 应为 week、month、quarter 或 year"), fields={"kind": [_("取值无效")]})
    return Period.containing(clock.today(), kind)


def _figure(metric, row, period, version, **extra) -> dict:
    return {
        "metric": metric.code, "name": metric.name, "unit": metric.unit, "period": period.code,
        "actual": row.actual, "target": row.target, "attainment_pct": row.progress.pct,
        "time_progress_pct": row.progress.time_progress_pct, "behind": row.progress.behind, "rule_version": version, **extra,
    }


class MyTargetsView(StaffAPIView):
    @extend_schema(
        tags=[TAG], summary="我的各项指标：目标、完成、达成率与序时进度",
        parameters=[OpenApiParameter("kind", str, enum=list(KINDS), default="month"), OpenApiParameter("period", str, description="或指定期间 2026-W49 / 2026-12 / 2026-Q4 / 2026")],
        responses={200: TargetFigureSerializer(many=True), **errors(400, 401)},
    )
    def get(self, request):
        period = _period(request)
        out = []
        for metric in registry.metrics():
            if "person" not in metric.levels:
                continue
            rows, version = attainment_rows(metric=metric.code, period=period, at=clock.now(), staff=[self.staff])
            out.append(_figure(metric, rows[0], period, version))
        return Response(TargetFigureSerializer(out, many=True).data)


class MyContestsView(StaffAPIView):
    @extend_schema(
        tags=[TAG], summary="我参加的 PK 竞赛及实时排名",
        responses=inline_serializer("MyContest", {
            "id": serializers.IntegerField(), "name": serializers.CharField(), "metric": serializers.CharField(),
            "period": serializers.CharField(), "status": serializers.CharField(), "my_side": serializers.CharField(allow_null=True),
            "my_rank": serializers.IntegerField(allow_null=True), "sides": serializers.IntegerField(), "stakes": serializers.CharField(),
            "standings": serializers.ListField(child=serializers.DictField()),
        }, many=True),
    )
    def get(self, request):
        from .contests import contest_standings, contests_of_staff, entrant_of

        out = []
        for c in contests_of_staff(staff=self.staff)[:50]:
            standings = contest_standings(c)
            side = entrant_of(c, self.staff)
            mine = next((r for r in standings if r["name"] == side), None)
            out.append({
                "id": c.pk, "name": c.name, "metric": registry.get(c.metric).label(), "period": c.period, "status": c.status_label,
                "my_side": side, "my_rank": mine["rank"] if mine else None, "sides": len(standings), "stakes": c.stakes,
                "standings": [{k: (str(v) if v is not None and not isinstance(v, int | str) else v) for k, v in r.items()} for r in standings],
            })
        return Response(out)


class ChildTargetsView(ManagerOnlyMixin, ScopedAPIView):
    @extend_schema(
        tags=[TAG], summary="下级机构（或本机构人员）的目标、完成与序时进度；behind=1 只看落后的",
        parameters=[
            OpenApiParameter("metric", str, required=True), OpenApiParameter("inst", str, description="机构号，默认本人管理范围"),
            OpenApiParameter("kind", str, enum=list(KINDS), default="month"), OpenApiParameter("period", str),
            OpenApiParameter("behind", int, enum=[0, 1]),
        ],
        responses={200: TargetFigureSerializer(many=True), **errors(400, 401, 404)},
    )
    def get(self, request):
        from org.models import Institution, Staff

        code = request.query_params.get("metric") or ""
        metric = registry.get(code) if code else None
        if metric is None:
            raise ApplicationError(_("请指定 metric"), fields={"metric": [_("必填")]})
        node = scope_node(request.user, request.query_params.get("inst"))
        period = _period(request)
        children = list(Institution.objects.filter(parent=node).order_by("code"))
        if children:
            rows, version = attainment_rows(metric=metric.code, period=period, at=clock.now(), institutions=children)
            names = {c.pk: (c.code, c.name) for c in children}
        else:
            people = list(Staff.objects.filter(institution=node).active_on(clock.today()).order_by("employee_no"))
            rows, version = attainment_rows(metric=metric.code, period=period, at=clock.now(), staff=people)
            names = {p.pk: (p.employee_no, p.name) for p in people}
        only_behind = request.query_params.get("behind") == "1"
        out = [
            _figure(metric, r, period, version, code=names[r.key][0], label=names[r.key][1], level=r.kind)
            for r in rows if not only_behind or r.progress.behind
        ]
        return Response(TargetFigureSerializer(out, many=True).data)


class MyScorecardView(StaffAPIView):
    @extend_schema(
        tags=[TAG], summary="我的考核得分及计算过程（本月或指定月份/季度）",
        parameters=[OpenApiParameter("period", str, description="2026-12 或 2026-Q4，默认本月")],
        responses=inline_serializer("MyScore", {
            "role": serializers.CharField(), "scorecard": serializers.CharField(), "period": serializers.CharField(),
            "total": serializers.DecimalField(max_digits=10, decimal_places=2), "rank": serializers.IntegerField(allow_null=True),
            "participants": serializers.IntegerField(), "lines": serializers.ListField(child=serializers.CharField()),
        }, many=True),
    )
    def get(self, request):
        from org.models import Position
        from org.selectors import branch_of

        from .scorecards import role_staff, scorecard_for, scores

        text = request.query_params.get("period")
        period = Period.parse(text, field="period") if text else Period.containing(clock.today(), "month")
        if period.kind not in ("month", "quarter"):
            raise ApplicationError(_("考核期间应为月份或季度"), fields={"period": [_("应为月份或季度")]})
        staff = self.staff
        out = []
        labels = dict(Position.choices)
        for role in staff.position_list:
            card = scorecard_for(role=role, period=period)
            if card is None:
                continue
            # Ranked among the role's people of the same branch (the circular's 考核 sheet of the branch).
            branch = branch_of(institution=staff.institution) or staff.institution
            people = list(role_staff(role=role, under=branch, day=min(period.end, clock.today())))
            got = scores(scorecard=card, period=period, staff=people, explain={staff.pk})
            mine = next((s for s in got if s.subject.pk == staff.pk), None)
            if mine is None:
                continue
            out.append({"role": labels.get(role, role), "scorecard": f"{card.name} v{card.version}", "period": period.code,
                        "total": f"{mine.total:.2f}", "rank": mine.rank, "participants": len(got), "lines": mine.lines})
        return Response(out)
