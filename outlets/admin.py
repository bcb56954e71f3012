"""Admin of outlet marketing. The rules (marketing rule: bands, rewards, exits, elite club; grade
rule; service rule: VIP threshold, contact interval, inspection quota, red flags) and the inspection
score sheet are versioned data an administrator adds as a new version with its effective date; a
published version is never changed (figures name it). Sales, points tables (published on their
own page with all-or-nothing checks), grades, VIPs and inspections are read-only here."""

from django.contrib import admin
from django.utils import timezone

from org.admin import ReadOnlyAdmin

from .models import (
    EliteMember,
    GradeRule,
    Inspection,
    InspectionItem,
    InspectionSheet,
    MarketingRule,
    OutletGrade,
    PointsTable,
    Sale,
    ServiceRule,
    VipCustomer,
)


class VersionAdmin(admin.ModelAdmin):
    """Add a new version; existing versions are shown, never edited or deleted."""

    readonly_fields = ["created_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_at = timezone.now()
        super().save_model(request, obj, form, change)


@admin.register(MarketingRule)
class MarketingRuleAdmin(VersionAdmin):
    list_display = ["version", "effective_from", "exit_bottom", "exit_quarters", "elite_share", "elite_cap", "note"]


@admin.register(GradeRule)
class GradeRuleAdmin(VersionAdmin):
    list_display = ["version", "effective_from", "cap", "note"]


@admin.register(ServiceRule)
class ServiceRuleAdmin(VersionAdmin):
    list_display = ["version", "effective_from", "vip_threshold", "no_contact_days", "inspection_quota", "flag_top", "penalty_bottom", "note"]


class InspectionItemInline(admin.TabularInline):
    model = InspectionItem
    extra = 8


@admin.register(InspectionSheet)
class InspectionSheetAdmin(VersionAdmin):
    list_display = ["version", "effective_from", "name"]
    inlines = [InspectionItemInline]


@admin.register(PointsTable)
class PointsTableAdmin(ReadOnlyAdmin):
    list_display = ["version", "effective_from", "note", "created_by", "created_at"]


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ["sale_id", "staff", "institution", "product", "quantity", "amount", "sold_on", "points"]
    search_fields = ["sale_id", "staff__employee_no"]
    raw_id_fields = ["staff", "institution", "rate"]


@admin.register(OutletGrade)
class OutletGradeAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "institution", "computed", "override", "attainment"]
    list_filter = ["quarter"]


@admin.register(EliteMember)
class EliteMemberAdmin(ReadOnlyAdmin):
    list_display = ["quarter", "rank", "staff", "institution", "points"]
    list_filter = ["quarter"]


@admin.register(VipCustomer)
class VipCustomerAdmin(ReadOnlyAdmin):
    list_display = ["customer", "source", "manager", "outlet", "since", "active"]
    raw_id_fields = ["customer", "manager", "outlet"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["inspected_on", "outlet", "inspector", "total", "max_total"]
