from django.contrib import admin

from .models import Product, Rule


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    """Head office adds a new version effective from a day; figures name the version they used."""

    list_display = ["version", "effective_from", "calls_required", "visits_required", "products_required", "min_call_seconds", "not_called_days"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "active", "order"]
    list_editable = ["active", "order"]
