"""Pages of the three visits (三走访), weekly plans and pairing (结对子), included by retail_credit.urls."""

from django.urls import path

from . import views_field

urlpatterns = [
    path("field-visits/", views_field.FieldVisitsView.as_view(), name="field-visits"),
    path("plans/", views_field.PlansView.as_view(), name="plans"),
    path("plans/problems/<int:pk>/answer/", views_field.PlanAnswerView.as_view(), name="plan-answer"),
    path("pairings/", views_field.PairingsView.as_view(), name="pairings"),
    path("pairings/<int:pk>/end/", views_field.PairingEndView.as_view(), name="pairing-end"),
    path("my-field/", views_field.MyFieldView.as_view(), name="my-field"),
]
