from django.urls import include, path

from . import api

urlpatterns = [
    path("integrations/loans", api.LoansWebhookView.as_view(), name="api-loans-webhook"),
    path("me/capacity", api.MyCapacityView.as_view(), name="api-me-capacity"),
    path("", include("retail_credit.field_api_urls")),  # me/field-visits, me/weekly-plan
]
