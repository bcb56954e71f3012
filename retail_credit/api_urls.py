from django.urls import include, path

urlpatterns = [
    path("", include("retail_credit.field_api_urls")),  # me/field-visits, me/weekly-plan
]
