"""Mini-program endpoints of the three visits and the weekly plan, included by retail_credit.api_urls."""

from django.urls import path

from . import api_field

urlpatterns = [
    path("me/field-visits", api_field.MyFieldVisitsView.as_view(), name="api-me-field-visits"),
    path("me/weekly-plan", api_field.MyWeeklyPlanView.as_view(), name="api-me-weekly-plan"),
]
