from django.contrib.auth import views as auth_views
from django.urls import path

from . import views
from .importing.views import ImportUploadView

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/institutions/", views.InstitutionTreeView.as_view(), name="org_institutions"),
    path("org/institutions/<str:slug>/", views.InstitutionDetailView.as_view(), name="org_institution_detail"),
    path("org/staff/", views.StaffListView.as_view(), name="org_staff"),
    path("org/staff/<str:employee_no>/", views.StaffDetailView.as_view(), name="org_staff_detail"),
    path("org/staff/<str:employee_no>/wechat-bind-code/", views.StaffBindCodeView.as_view(), name="org_staff_bind_code"),
    path("org/import/", ImportUploadView.as_view(), name="import-upload"),
]
