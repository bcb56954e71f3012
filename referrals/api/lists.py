"""Mini-program endpoints of an employee's stock-customer lists (`/api/v1/me/lists…`): my customers
on open lists with the last outcome and the next contact date, and recording a contact. A customer
not assigned to the caller answers 404, like anything outside a scope."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from org import pii
from org.api.base import StaffAPIView
from org.api.pagination import StandardPagination
from org.api.schema import errors, paginated
from org.scoping import object_for

from ..models import ContactOutcome, ListContact
from ..selectors.lists import my_customers
from ..services.lists import NOTE_MAX, list_contact_record

TAG = "存量客户名单"


class MyListCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    list_code = serializers.CharField(source="customer_list.code")
    list_name = serializers.CharField(source="customer_list.name")
    list_end_date = serializers.DateField(source="customer_list.end_date")
    customer_no = serializers.CharField()
    name = serializers.CharField()
    mobile = serializers.CharField(help_text="本人名单客户的手机号（用于拨打）")
    mobile_masked = serializers.SerializerMethodField()
    last_outcome = serializers.ChoiceField(choices=ContactOutcome.choices, allow_null=True)
    last_contact_at = serializers.DateTimeField(source="last_at", allow_null=True)
    next_contact_on = serializers.DateField(allow_null=True)
    contacts = serializers.IntegerField(source="contacts_count")

    def get_mobile_masked(self, obj) -> str:
        return pii.mask_mobile(obj.mobile)


class ContactCreateSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices, error_messages={"invalid_choice": gettext_lazy("请选择联系结果：未接通、无意向、有意向或已进件")})
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX)
    next_contact_on = serializers.DateField(required=False, allow_null=True)


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = ListContact
        fields = ["id", "at", "outcome", "note", "next_contact_on"]


class MyListCustomersView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="我的名单客户（进行中的名单），含最近联系结果和下次联系日期",
        parameters=[OpenApiParameter("due", bool, description="只看今天及以前应联系的客户"), OpenApiParameter("page", int), OpenApiParameter("page_size", int)],
        responses={200: paginated(MyListCustomerSerializer), **errors(401, 404)},
    )
    def get(self, request):
        from django.db.models import Q

        from org import clock

        qs = my_customers(staff=self.staff)
        if request.query_params.get("due") in ("1", "true"):
            qs = qs.filter(Q(next_contact_on__lte=clock.today()) | Q(last_outcome__isnull=True))
        paginator = StandardPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(MyListCustomerSerializer(page, many=True).data)


class MyListContactView(StaffAPIView):
    @extend_schema(
        tags=[TAG],
        summary="登记对名单客户的联系结果（未接通 / 无意向 / 有意向 / 已进件）",
        request=ContactCreateSerializer,
        responses={201: ContactSerializer, **errors(400, 401, 404)},
    )
    def post(self, request, pk: int):
        customer = object_for(my_customers(staff=self.staff), "客户", pk=pk)
        body = ContactCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        contact = list_contact_record(by=request.user, customer=customer, **body.validated_data)
        return Response(ContactSerializer(contact).data, status=status.HTTP_201_CREATED)
