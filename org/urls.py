from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .importing.views import ImportUploadView

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/import/", ImportUploadView.as_view(), name="import-upload"),
]
