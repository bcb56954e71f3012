from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("grid/", views.GridView.as_view(), name="grid"),
    path("actions/", views.LaggardActionsView.as_view(), name="actions"),
]
