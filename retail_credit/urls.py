from django.urls import include, path

app_name = "retail_credit"

urlpatterns = [
    path("", include("retail_credit.field_urls")),  # three visits, weekly plans, pairing
]
