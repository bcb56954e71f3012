"""Mini-program endpoints of the field work (`/api/v1/me/field-visits`, `/api/v1/me/weekly-plan`):
my visits of a day or a week with the daily counts against "one of each kind a day" and the leads
through the MGM codes I promoted; logging a visit; my plan of a week, filed again by PUT. Only the
caller's own records; rules live in retail_credit.services.field."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from org import clock
from org.api.base import StaffAPIView
from org.api.schema import errors
from org.periods import Period

from .models import FieldVisit, VisitKind
from .selectors.field import code_leads, person_days
from .services.field import DAILY_RULE, MAX_PROBLEMS, date_field, field_visit_log, own_mgm_codes, weekly_plan_file

TAG = "零售信贷产能"
MAX_LIST = 500


def visits_period(params) -> Period:
    """`?date=YYYY-MM-DD` (one day, the default today) or `?week=2024-W12`."""
    if params.get("week"):
        return Period.parse(params["week"], "week", field="week")
    day = date_field(params["date"], label=_("日期")) if params.get("date") else clock.today()
    code = f"{day:%Y-%m-%d}"
    return Period(day, day, "day", code)


def plan_week(text: str | None) -> Period:
    """`2024-W12`; by default next week (the plan is filed ahead)."""
    if text:
        return Period.parse(text, "week", field="week")
    return Period.containing(clock.today(), "week").next()


def code_json(code) -> dict:
    return {"id": code.pk, "kind": code.intermediary_kind, "kind_label": code.get_intermediary_kind_display(), "name": code.intermediary_name}


def visit_json(v: FieldVisit) -> dict:
    return {
        "id": v.pk, "date": v.visited_on, "kind": v.kind, "kind_label": v.get_kind_display(), "place": v.place, "sales_status": v.sales_status,
        "product": v.product, "mgm_code": code_json(v.mgm_code) if v.mgm_code_id else None, "note": v.note,
    }


def day_json(d) -> dict:
    return {"date": d.date, **d.counts, "met": d.met, "missing": d.missing}


def visits_body(staff, period: Period) -> dict:
    days = person_days(staff=staff, period=period)
    totals = {k: sum(d.counts[k] for d in days) for k in VisitKind.values}
    visits = (
        FieldVisit.objects.filter(staff=staff, visited_on__range=(period.start, period.end)).select_related("mgm_code")
        .order_by("-visited_on", "-created_at")[:MAX_LIST]
    )
    codes = code_leads(staff=staff, period=period)
    return {
        "period": period.code, "start": period.start, "end": period.end, "rule": DAILY_RULE,
        "days": [day_json(d) for d in days], "totals": {**totals, "total": sum(totals.values())},
        "days_met": sum(d.met for d in days), "days_counted": len(days),
        "visits": [visit_json(v) for v in visits],
        "leads": {
            "scans": sum(c.scan_count for c in codes), "applications": sum(c.application_count for c in codes),
            "codes": [{**code_json(c), "scans": c.scan_count, "applications": c.application_count, "visits": c.visit_count} for c in codes],
        },
        "mgm_codes": [code_json(c) for c in own_mgm_codes(staff=staff).order_by("pk")],
    }


class FieldVisitInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=VisitKind.choices, help_text="property 楼盘 / agency 中介 / merchant 商户")
    visited_on = serializers.CharField(required=False, allow_blank=True, help_text="YYYY-MM-DD，默认今天；最多补登 31 天")
    place = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="走访对象（楼盘、中介或商户名称），不超过 100 字")
    sales_status = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text="楼盘销售情况（走访楼盘必填）")
    product = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text="推荐的产品（走访商户必填）")
    mgm_code = serializers.CharField(required=False, allow_blank=True, allow_null=True, help_text="推广的本人二级码 id（走访中介、商户必填）")
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False, help_text="备注，不超过 300 字")


class MyFieldVisitsView(StaffAPIView):
    @extend_schema(
        tags=[TAG], summary="我的三走访：某日或某周的走访、每日楼盘/中介/商户各 1 个是否达标、推广二级码带来的扫码与进件",
        parameters=[OpenApiParameter("date", str, description="YYYY-MM-DD，默认今天"), OpenApiParameter("week", str, description="2024-W12")],
        responses={200: dict, **errors(400, 401)},
    )
    def get(self, request):
        return Response(visits_body(self.staff, visits_period(request.query_params)))

    @extend_schema(tags=[TAG], summary="登记一次走访（楼盘：销售情况；中介：推广本人二级码；商户：推荐产品及本人二级码）",
                   request=FieldVisitInSerializer, responses={201: dict, **errors(400, 401)})
    def post(self, request):
        body = FieldVisitInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        visit = field_visit_log(
            staff=self.staff, kind=d["kind"], visited_on=d.get("visited_on") or clock.today(), place=d["place"],
            sales_status=d.get("sales_status", ""), product=d.get("product", ""), mgm_code=d.get("mgm_code"), note=d.get("note", ""),
        )
        day = person_days(staff=self.staff, period=Period(visit.visited_on, visit.visited_on, "day", f"{visit.visited_on:%Y-%m-%d}"))
        return Response({"visit": visit_json(visit), "day": day_json(day[0]) if day else None, "rule": DAILY_RULE}, status=status.HTTP_201_CREATED)


def plan_body(staff, week: Period) -> dict:
    from .selectors.field import my_plan

    plan = my_plan(staff=staff, week=week)
    problems = list(plan.problems.all()) if plan else []
    return {
        "week": week.code, "week_start": week.start, "week_end": week.end, "filed": plan is not None,
        "plan": plan.plan if plan else "", "filed_at": plan.filed_at if plan else None, "max_problems": MAX_PROBLEMS,
        "problems": [
            {"id": p.pk, "text": p.text, "answer": p.answer, "answered_at": p.answered_at,
             "answered_by": answerer_name(p.answered_by) if p.answered_by_id else ""}
            for p in problems
        ],
    }


def answerer_name(user) -> str:
    staff = getattr(user, "staff", None)
    return staff.name if staff is not None else user.get_username()


class WeeklyPlanInSerializer(serializers.Serializer):
    week = serializers.CharField(required=False, allow_blank=True, help_text="2024-W13；默认 ?week= 或下周")
    plan = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="走访计划，不超过 2000 字")
    problems = serializers.ListField(child=serializers.CharField(allow_blank=True, trim_whitespace=False), required=False, max_length=100,
                                     help_text="需协调解决的问题，最多 10 个，每个不超过 500 字")


class MyWeeklyPlanView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="我的周营销计划（默认下周）及问题的答复", parameters=[OpenApiParameter("week", str, description="2024-W13")],
                   responses={200: dict, **errors(400, 401)})
    def get(self, request):
        return Response(plan_body(self.staff, plan_week(request.query_params.get("week"))))

    @extend_schema(tags=[TAG], summary="填报本周或下周的计划；再次填报替换计划和问题（原样保留的问题保留答复）",
                   parameters=[OpenApiParameter("week", str, description="2024-W13")], request=WeeklyPlanInSerializer, responses={200: dict, **errors(400, 401)})
    def put(self, request):
        body = WeeklyPlanInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        week = plan_week(d.get("week") or request.query_params.get("week"))
        weekly_plan_file(staff=self.staff, week_start=week.start, plan=d["plan"], problems=d.get("problems", []))
        return Response(plan_body(self.staff, week))
