from django.urls import include, path

from . import views

urlpatterns = [
    path("bench/floor/<int:pk>", views.floor, name="bench-floor"),
    path("", include("config.urls")),
]
