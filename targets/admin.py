from django.contrib import admin

from org.admin import ReadOnlyAdmin

from .models import MonthlyDistribution, Target, TargetChange


class TargetChangeInline(admin.TabularInline):
    model = TargetChange
    extra = 0
    can_delete = False
    readonly_fields = ["version", "value", "previous_value", "by", "at", "note"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Target)
class TargetAdmin(ReadOnlyAdmin):
    list_display = ["metric", "period", "context", "institution", "staff", "value", "version", "set_by", "set_at"]
    list_filter = ["metric", "period_kind", "context"]
    search_fields = ["period", "institution__code", "institution__name", "staff__employee_no", "staff__name"]
    raw_id_fields = ["institution", "staff"]
    inlines = [TargetChangeInline]


@admin.register(MonthlyDistribution)
class MonthlyDistributionAdmin(ReadOnlyAdmin):
    list_display = ["metric", "year", "set_by", "set_at"]
