from django.urls import include, path

from . import views

app_name = "retail_credit"

urlpatterns = [
    path("", views.CapacityView.as_view(), name="capacity"),
    path("people/<str:employee_no>/", views.PersonView.as_view(), name="capacity-person"),
    path("me/", views.MyCapacityView.as_view(), name="capacity-mine"),
    path("warnings/", views.WarningsView.as_view(), name="capacity-warnings"),
    path("grading/", views.GradingView.as_view(), name="capacity-grading"),
    path("scheme/", views.SchemeView.as_view(), name="capacity-scheme"),
    path("", include("retail_credit.field_urls")),  # three visits, weekly plans, pairing
]
