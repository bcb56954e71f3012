"""System administration of delivery: the extra recipients per institution (mailboxes, WeCom group
robots), and the delivery log, read-only (it is the record of what was sent)."""

from __future__ import annotations

from django.contrib import admin

from .models import Delivery, DeliveryRecipient
from .wecom import robot_name


@admin.register(DeliveryRecipient)
class DeliveryRecipientAdmin(admin.ModelAdmin):
    list_display = ["institution", "email", "robot", "note", "active"]
    list_filter = ["active"]
    search_fields = ["institution__code", "institution__name", "email", "note"]
    autocomplete_fields = ["institution"]

    @admin.display(description="企业微信群机器人")
    def robot(self, obj: DeliveryRecipient) -> str:
        # The URL carries the robot's key: the list shows its name, the edit form the URL itself.
        return robot_name(obj.wecom_webhook_url) if obj.wecom_webhook_url else "—"


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "key", "scope", "channel", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["recipient", "key", "scope__code", "scope__name"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
