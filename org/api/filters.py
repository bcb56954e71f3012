"""Query filters of the organisation's list endpoints and pages (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q

from org import clock
from org.models import EmploymentType, Institution, InstitutionKind, Position, Staff


class StaffFilter(django_filters.FilterSet):
    institution = django_filters.CharFilter(method="filter_institution", label="机构号（含下级机构）")
    position = django_filters.ChoiceFilter(choices=Position.choices, method="filter_position", label="岗位")
    employment_type = django_filters.ChoiceFilter(choices=EmploymentType.choices, label="用工类型")
    active = django_filters.BooleanFilter(method="filter_active", label="今日在职")
    q = django_filters.CharFilter(method="filter_q", label="员工号或姓名")

    class Meta:
        model = Staff
        fields = ["institution", "position", "employment_type", "active", "q"]

    def filter_institution(self, queryset, name, value):
        # The whole subtree: a manager filtering on a sub-branch wants its outlets' staff too.
        # The path is looked up inside the same query, and the queryset is already scoped, so an
        # institution outside the caller's scope simply yields nothing.
        path = Institution.objects.filter(code=value.strip()).values("path")[:1]
        return queryset.filter(institution__path__startswith=path) if value.strip() else queryset

    def filter_position(self, queryset, name, value):
        return queryset.with_position(value)

    def filter_active(self, queryset, name, value):
        active = Staff.objects.active_on(clock.today()).values("pk")
        return queryset.filter(pk__in=active) if value else queryset.exclude(pk__in=active)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(employee_no__icontains=value) | Q(name__icontains=value))


class InstitutionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=InstitutionKind.choices, label="机构类型")
    parent = django_filters.CharFilter(field_name="parent__code", label="上级机构号")
    q = django_filters.CharFilter(method="filter_q", label="机构号或名称")

    class Meta:
        model = Institution
        fields = ["kind", "parent", "q"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value)) if value else queryset
