"""Mini-program endpoints of the 2053 programme (`/api/v1/me/wealth/…`): today's progress, my week
or month with explanations, logging calls, visits and follow-ups, adding a pool prospect, marking a
customer do-not-call, my call list and my due follow-ups. Only the caller's own records."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from org import clock, pii
from org.api.base import ScopedAPIView, StaffAPIView
from org.api.schema import errors
from org.errors import ApplicationError
from org.models import Customer
from org.periods import Period
from org.scoping import object_for

from .models import Channel, Outcome
from .selectors.explain import due_follow_ups, explain, follow_up_rates, not_called, pool
from .services.activity import call_log, do_not_call_mark, follow_up_record, prospect_add, visit_register

TAG = "财富2053"
MAX_LIST = 200


def _period(text: str | None) -> Period:
    if not text:
        return Period.containing(clock.today(), "week")
    period = Period.parse(text)
    if period.kind not in ("week", "month"):
        raise ApplicationError(_("期间应为周（2024-W12）或月（2024-03）"))
    return period


def _explanation_json(exp) -> dict:
    return {
        "start": exp.start, "end": exp.end,
        "rule_versions": [{"version": r.version, "effective_from": r.effective_from, "calls": r.calls_required, "visits": r.visits_required,
                           "products": r.products_required, "min_call_seconds": r.min_call_seconds} for r in exp.rule_versions],
        "totals": {"effective_calls": exp.total_calls, "visits": exp.total_visits, "days_2053": exp.days_2053},
        "days": [{"date": d.date, "effective_calls": d.calls, "visits": d.visits, "products_per_visit": str(d.products_per_visit),
                  "is_2053": d.is_2053, "rule_version": d.rule.version if d.rule else None} for d in exp.days],
        "arithmetic": exp.arithmetic(),
        "calls": [{"call_id": c.call_id, "started_at": c.started_at, "customer_no": c.customer_no, "customer_name": c.customer_name, "phone": c.phone,
                   "duration_s": c.duration_s, "connected": c.connected, "channel": c.channel, "counted": c.counted, "reason": c.reason,
                   "reason_label": c.reason_label} for c in exp.calls],
        "calls_truncated": exp.truncated,
        "visits": exp.visits,
    }


class MyWealthTodayView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="今日2053进度（有效电访、面访、人均产品数，及计入与未计入的电访和原因）", responses={200: dict, **errors(401)})
    def get(self, request):
        today = clock.today()
        return Response(_explanation_json(explain(staff=self.staff, start=today, end=today)))


class MyWealthPeriodView(StaffAPIView):
    @extend_schema(
        tags=[TAG], summary="我的一周或一月：每个工作日的完成、达标天数、计入与未计入的电访（原因）、面访、规则版本与计算过程、接通率与成交率",
        parameters=[OpenApiParameter("period", str, description="2024-W12 或 2024-03；默认本周")], responses={200: dict, **errors(400, 401)},
    )
    def get(self, request):
        period = _period(request.query_params.get("period"))
        body = _explanation_json(explain(staff=self.staff, start=period.start, end=period.end))
        body["period"] = period.code
        body["rates"] = follow_up_rates(staff=self.staff, start=period.start, end=period.end)
        return Response(body)


class CallInSerializer(serializers.Serializer):
    customer_no = serializers.CharField(required=False, allow_blank=True, max_length=32)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    started_at = serializers.DateTimeField()
    duration_s = serializers.IntegerField(min_value=0, max_value=86400)
    connected = serializers.BooleanField()
    channel = serializers.ChoiceField(choices=[Channel.MOBILE, Channel.CALLBACK, Channel.LANDLINE])
    recording = serializers.FileField(required=False)
    recording_url = serializers.URLField(required=False, allow_blank=True, max_length=500)


class MyCallsView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="登记一通电话（手机或客户回拨；可附录音文件或录音地址）", request=CallInSerializer,
                   responses={201: dict, **errors(400, 401)})
    def post(self, request):
        body = CallInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        call = call_log(staff=self.staff, customer_no=d.get("customer_no", ""), phone=d.get("phone", ""), started_at=d["started_at"],
                        duration_s=d["duration_s"], connected=d["connected"], channel=d["channel"], recording=d.get("recording"),
                        recording_url=d.get("recording_url", ""))
        day = call.local_date
        exp = explain(staff=self.staff, start=day, end=day)
        line = next((c for c in exp.calls if c.call_id == call.call_id), None)
        return Response({"call_id": call.call_id, "counted": line.counted if line else False, "reason_label": line.reason_label if line else "",
                         "phone": call.phone_masked, "today_effective_calls": exp.total_calls}, status=status.HTTP_201_CREATED)


class VisitInSerializer(serializers.Serializer):
    card_number = serializers.CharField(required=False, allow_blank=True, max_length=40, help_text="读卡器读出的卡号（只用于匹配，不保存）")
    customer_no = serializers.CharField(required=False, allow_blank=True, max_length=32)
    products = serializers.ListField(child=serializers.CharField(max_length=32), required=False, max_length=20)
    pad_used = serializers.BooleanField(required=False, default=False)


class MyVisitsView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="登记面访（读卡或客户号；介绍的产品；是否使用营销垫板）", request=VisitInSerializer,
                   responses={201: dict, **errors(400, 401, 404)})
    def post(self, request):
        body = VisitInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        visit = visit_register(staff=self.staff, card_number=d.get("card_number", ""), customer_no=d.get("customer_no", ""),
                               products=d.get("products", []), pad_used=d["pad_used"])
        return Response({"id": visit.pk, "customer_no": visit.customer.customer_no, "customer_name": pii.mask_name(visit.customer.name),
                         "card": visit.card_masked, "products": sorted(visit.pitched.values_list("product__code", flat=True)),
                         "pad_used": visit.pad_used, "date": visit.local_date}, status=status.HTTP_201_CREATED)


class FollowUpInSerializer(serializers.Serializer):
    customer_no = serializers.CharField(max_length=32)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    product = serializers.CharField(required=False, allow_blank=True, max_length=32)
    next_action = serializers.CharField(required=False, allow_blank=True, max_length=200)
    next_date = serializers.DateField(required=False, allow_null=True)


def _follow_up_json(f) -> dict:
    return {"id": f.pk, "customer_no": f.customer.customer_no, "customer_name": pii.mask_name(f.customer.name), "outcome": f.outcome,
            "outcome_label": f.get_outcome_display(), "product": f.product.name if f.product_id else "", "next_action": f.next_action,
            "next_date": f.next_date}


class MyFollowUpsView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="我今天及之前到期的跟进", responses={200: dict, **errors(401)})
    def get(self, request):
        items = list(due_follow_ups(staff_ids=[self.staff.pk])[:MAX_LIST])
        return Response({"results": [_follow_up_json(f) for f in items]})

    @extend_schema(tags=[TAG], summary="记录跟进（未接通/无意向/有意向/已成交及产品，下一步与日期）", request=FollowUpInSerializer,
                   responses={201: dict, **errors(400, 401, 404)})
    def post(self, request):
        body = FollowUpInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        f = follow_up_record(staff=self.staff, customer_no=d["customer_no"], outcome=d["outcome"], product=d.get("product", ""),
                             next_action=d.get("next_action", ""), next_date=d.get("next_date"))
        return Response(_follow_up_json(f), status=status.HTTP_201_CREATED)


class ProspectInSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    mobile = serializers.CharField(max_length=20)


class MyProspectsView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="把潜在客户加入潜力客户外环池", request=ProspectInSerializer, responses={201: dict, **errors(400, 401)})
    def post(self, request):
        body = ProspectInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        c = prospect_add(staff=self.staff, name=body.validated_data["name"], mobile=body.validated_data["mobile"])
        return Response({"customer_no": c.customer_no, "name": pii.mask_name(c.name), "mobile": pii.mask_mobile(c.mobile)}, status=status.HTTP_201_CREATED)


class DoNotCallInSerializer(serializers.Serializer):
    customer_no = serializers.CharField(max_length=32)
    note = serializers.CharField(required=False, allow_blank=True, max_length=200)


class MyDoNotCallView(StaffAPIView):
    @extend_schema(tags=[TAG], summary="登记客户拒绝来电（本人管户客户或潜力客户）", request=DoNotCallInSerializer, responses={201: dict, **errors(400, 401, 404)})
    def post(self, request):
        body = DoNotCallInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        mine = Customer.objects.filter(manager__isnull=True) | Customer.objects.filter(manager=self.staff)
        customer = object_for(mine, "客户", customer_no=body.validated_data["customer_no"])
        mark = do_not_call_mark(customer=customer, by=self.staff, note=body.validated_data.get("note", ""))
        return Response({"customer_no": customer.customer_no, "recorded_on": mark.recorded_on}, status=status.HTTP_201_CREATED)


class MyCallListView(StaffAPIView):
    @extend_schema(
        tags=[TAG], summary="我的电访名单：N 天未有效电访的管户客户（不含拒绝来电），或潜力客户池",
        parameters=[OpenApiParameter("list", str, enum=["not_called", "pool"]), OpenApiParameter("days", int)],
        responses={200: dict, **errors(400, 401)},
    )
    def get(self, request):
        which = request.query_params.get("list", "not_called")
        if which == "pool":
            qs = pool()
        elif which == "not_called":
            raw = request.query_params.get("days") or ""
            days = None
            if raw:
                if not raw.isdigit() or not 1 <= int(raw) <= 366:
                    raise ApplicationError(_("天数应为 1–366 之间的整数"))
                days = int(raw)
            qs = not_called(staff=self.staff, days=days)
        else:
            raise ApplicationError(_("名单应为 not_called 或 pool"))
        items = list(qs[:MAX_LIST])
        return Response({"results": [{"customer_no": c.customer_no, "name": pii.mask_name(c.name), "mobile": pii.mask_mobile(c.mobile),
                                      "last_call": getattr(c, "last_call", None)} for c in items]})



class MeetingAPIView(ScopedAPIView):
    """晨会名单 / 夕会小结 of the caller's scope (managers; `?inst=` a node of it)."""

    evening = False

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        from rest_framework.exceptions import NotFound

        from org.scoping import is_manager

        if not is_manager(request.user):
            raise NotFound()

    @extend_schema(tags=[TAG], summary="晨会名单（今日每人目标、到期跟进）或夕会小结（今日完成、谁差多少）；管理人员，?inst= 为范围内机构",
                   parameters=[OpenApiParameter("inst", str)], responses={200: dict, **errors(401, 404)})
    def get(self, request):
        from org.scoping import scope_node

        from .selectors.reporting import meeting

        node = scope_node(request.user, request.query_params.get("inst"))
        got = meeting(scope=node, day=clock.today(), with_follow_ups=not self.evening)
        rule = got["rule"]
        return Response({"institution": node.code, "date": clock.today(), "rule_version": rule.version, "short": got["short"],
                         "people": [{**r, "products": str(r["products"])} for r in got["rows"]], "follow_ups": got["due"]})
