"""Django admin for the referral programme's rule data (head office's system administrators).

Rule tables (ReferralRule, IncentiveRule) are versioned: the admin adds new versions and never
lets a version that earnings already name be edited or deleted. Personal information stays
masked here too: applications show the masked ID and no clear mobile or name in lists.
"""

from django.contrib import admin

from org import pii
from org.admin import ReadOnlyAdmin

from .models import (
    Application,
    Campaign,
    Dispute,
    Earning,
    IncentiveRule,
    PayoutSheet,
    ReferralProduct,
    ReferralRule,
    ResponsiblePerson,
)


class ThroughThePagesAdmin(ReadOnlyAdmin):
    """Read-only here: campaigns, incentive versions, weekly targets and 包保责任人 are written only
    through their pages (/referrals/campaigns/), whose services check product overlap, version order,
    placement and scope. An admin save skipped those checks (issue 7 §2), so the admin shows them
    and links to the page instead of writing them."""


class VersionedAdmin(admin.ModelAdmin):
    """A version in use is history: it can be read, not rewritten."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or not self.in_use(obj))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not self.in_use(obj))

    def in_use(self, obj) -> bool:
        return False


@admin.register(ReferralRule)
class ReferralRuleAdmin(VersionedAdmin):
    list_display = ["version", "effective_from", "attribution_window_days", "clawback_days", "burst_limit", "burst_window_minutes", "note"]

    def in_use(self, obj) -> bool:
        return Application.objects.filter(rule=obj).exists()


class IncentiveRuleInline(admin.TabularInline):
    model = IncentiveRule
    extra = 0
    fields = ["version", "effective_from", "rate", "cap_per_loan", "flat_bonus_per_approved"]

    def has_change_permission(self, request, obj=None):
        return False  # add a new version instead

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Campaign)
class CampaignAdmin(ThroughThePagesAdmin):
    list_display = ["code", "name", "start_date", "end_date"]
    search_fields = ["code", "name"]
    filter_horizontal = ["products"]
    inlines = [IncentiveRuleInline]


@admin.register(IncentiveRule)
class IncentiveRuleAdmin(ThroughThePagesAdmin):
    list_display = ["campaign", "version", "effective_from", "rate", "cap_per_loan", "flat_bonus_per_approved"]
    list_filter = ["campaign"]


@admin.register(ReferralProduct)
class ReferralProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "is_active"]


@admin.register(ResponsiblePerson)
class ResponsiblePersonAdmin(ThroughThePagesAdmin):
    list_display = ["campaign", "institution", "staff"]
    raw_id_fields = ["institution", "staff"]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["application_id", "product", "status", "masked_customer", "staff", "institution", "submitted_at", "flag", "flag_status"]
    list_filter = ["status", "flag_status", "product"]
    search_fields = ["application_id"]
    exclude = ["customer_id_hash", "customer_name", "customer_mobile"]
    readonly_fields = [f.name for f in Application._meta.fields if f.name not in ("customer_id_hash", "customer_name", "customer_mobile")]
    list_select_related = ["staff", "institution"]

    @admin.display(description="客户")
    def masked_customer(self, obj):
        return f"{pii.mask_name(obj.customer_name)} {pii.mask_mobile(obj.customer_mobile) if obj.customer_mobile else ''}".strip()

    def has_add_permission(self, request):
        return False  # applications come from the loan system only


@admin.register(Earning)
class EarningAdmin(admin.ModelAdmin):
    list_display = ["application", "staff", "institution", "amount", "status", "incentive"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Earning._meta.fields]
    list_select_related = ["application", "staff", "institution", "incentive__campaign"]

    def has_add_permission(self, request):
        return False


@admin.register(PayoutSheet)
class PayoutSheetAdmin(admin.ModelAdmin):
    list_display = ["branch", "month", "total", "generated_at", "paid_at"]
    readonly_fields = ["branch", "month", "generated_at", "generated_by", "total", "paid_at"]


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["application", "raised_by", "status", "raised_at", "resolved_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Dispute._meta.fields]
