from django.urls import path

from . import api

urlpatterns = [
    path("me/points", api.MyPointsView.as_view(), name="api-me-points"),
    path("me/vips", api.MyVipsView.as_view(), name="api-me-vips"),
    path("me/vips/<int:pk>/contacts", api.MyVipContactView.as_view(), name="api-me-vip-contact"),
]
