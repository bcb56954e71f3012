"""System administration of the organisation.

Saves go through the services, so the admin cannot break what they keep true: an institution's
materialised path (and its subtree's), and a person's assignment history on a transfer. Personal
identifiers are shown masked only; the audit log cannot be edited by anyone."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import clock, services
from .errors import ApplicationError
from .models import (
    AuditLog,
    CalendarDay,
    Institution,
    Staff,
    StaffAssignment,
    User,
    WeChatBindCode,
    WeChatBinding,
    join_positions,
)
from .pii import mask_mobile


class InstitutionAdminForm(forms.ModelForm):
    class Meta:
        model = Institution
        fields = ["code", "name", "kind", "parent"]

    def clean(self):
        # The services' rules as form errors, so a wrong parent is a message, not a server error.
        data = super().clean()
        parent, kind = data.get("parent"), data.get("kind")
        code = data.get("code") or self.instance.code
        try:
            if self.instance.pk and parent is not None and parent.path.startswith(self.instance.path):
                raise ApplicationError(gettext("机构 %(code)s 不能移动到自己的下级机构之下") % {"code": code})
            if kind:
                services.validate_institution_parent(kind=kind, parent=parent, code=code)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    form = InstitutionAdminForm
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]
    readonly_fields = ["path", "depth"]
    list_select_related = ["parent"]
    ordering = ["path"]

    def get_readonly_fields(self, request, obj=None):
        # The code is part of every descendant's path and of every import file: fixed once created.
        return [*self.readonly_fields, "code"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        # The path of the institution and of everything below it is kept by the services.
        if change:
            services.institution_update(institution=obj, name=obj.name, kind=obj.kind, parent=obj.parent)
        else:
            created = services.institution_create(code=obj.code, name=obj.name, kind=obj.kind, parent=obj.parent)
            obj.pk, obj.path, obj.depth = created.pk, created.path, created.depth
            obj._state.adding = False

    def has_delete_permission(self, request, obj=None):
        # Activity is credited to institutions for ever; a closed institution stays in the tree.
        return False


class StaffAssignmentInline(admin.TabularInline):
    """The transfer history, read-only: history is never rewritten (SPEC §2)."""

    model = StaffAssignment
    fields = ["institution", "valid_from", "valid_to"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-valid_from"]

    def has_add_permission(self, request, obj=None):
        return False


class WeChatBindingInline(admin.TabularInline):
    """Deleting the binding here is how a person changes the WeChat account they sign in with."""

    model = WeChatBinding
    fields = ["openid", "bound_at"]
    readonly_fields = fields
    extra = 0
    verbose_name = verbose_name_plural = _("微信绑定")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ["employee_no", "name", "masked_mobile", "institution", "employment_type", "active_from", "active_to"]
    list_filter = ["employment_type", "institution__kind", "active_to"]
    search_fields = ["employee_no", "name"]
    raw_id_fields = ["institution", "user"]
    list_select_related = ["institution"]
    # The clear mobile is editable on the form (HR corrects it), the list shows it masked; the ID
    # number exists only in masked form and as a keyed hash, which is never shown.
    exclude = ["id_hash"]
    readonly_fields = ["id_masked"]
    inlines = [StaffAssignmentInline, WeChatBindingInline]

    @admin.display(description=_("手机号"))
    def masked_mobile(self, obj):
        return mask_mobile(obj.mobile) if obj.mobile else ""

    def save_model(self, request, obj, form, change):
        obj.positions = join_positions(obj.positions.split(";"))
        if not change:
            super().save_model(request, obj, form, change)
            StaffAssignment.objects.get_or_create(staff=obj, valid_from=obj.active_from, defaults={"institution": obj.institution})
            return
        new_institution = obj.institution
        if "institution" in form.changed_data:
            # A move is a transfer from today, recorded in the history, not an edit of the past.
            obj.institution = Staff.objects.get(pk=obj.pk).institution
            super().save_model(request, obj, form, change)
            services.staff_transfer(staff=obj, institution=new_institution, effective=clock.today())
        else:
            super().save_model(request, obj, form, change)
        services.audit(user=request.user, action="staff.admin_change", obj=obj, fields=sorted(form.changed_data))


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "scope_institution", "is_staff", "is_superuser", "is_active", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "scope_institution__kind"]
    raw_id_fields = ["scope_institution"]
    list_select_related = ["scope_institution"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("管理范围"), {"fields": ["scope_institution"], "description": _("该用户可查看的机构及其全部下级；留空则只能查看本人数据。")}),
    ]
    add_fieldsets = [*BaseUserAdmin.add_fieldsets, (_("管理范围"), {"fields": ["scope_institution"]})]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working", "note"]
    list_filter = ["is_working"]
    date_hierarchy = "date"
    search_fields = ["note"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown in the admin, written only elsewhere: logs, and records whose pages and services check
    scope, versions and all-or-nothing saves that an admin form would skip (targets, campaigns)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["user__username", "object_id", "action"]
    date_hierarchy = "at"
    list_select_related = ["user"]


@admin.register(WeChatBinding)
class WeChatBindingAdmin(admin.ModelAdmin):
    list_display = ["staff", "openid", "bound_at"]
    search_fields = ["staff__employee_no", "staff__name", "openid"]
    raw_id_fields = ["staff"]
    readonly_fields = ["staff", "openid", "bound_at"]
    list_select_related = ["staff"]

    def has_add_permission(self, request):
        return False  # bindings are made by the employee with a bind code, never typed in


@admin.register(WeChatBindCode)
class WeChatBindCodeAdmin(ReadOnlyAdmin):
    """Who issued which code when (the code itself is not stored)."""

    list_display = ["staff", "issued_by", "issued_at", "expires_at", "used_at"]
    exclude = ["code_hash"]
    search_fields = ["staff__employee_no"]
    list_select_related = ["staff", "issued_by"]


# Every sign-in form shares one throttle: the admin's too.
from .forms import AdminLoginForm  # noqa: E402

admin.site.login_form = AdminLoginForm
