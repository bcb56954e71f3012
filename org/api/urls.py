from django.urls import path

from . import views

urlpatterns = [
    path("me", views.MeView.as_view(), name="api-me"),
    path("auth/token", views.TokenLoginView.as_view(), name="api-auth-token"),
    path("auth/token/refresh", views.TokenRefreshView.as_view(), name="api-auth-token-refresh"),
    path("auth/token/revoke", views.TokenRevokeView.as_view(), name="api-auth-token-revoke"),
    path("auth/wechat", views.WeChatLoginView.as_view(), name="api-auth-wechat"),
    path("staff/", views.StaffListView.as_view(), name="api-staff-list"),
    path("staff/<str:employee_no>/", views.StaffDetailView.as_view(), name="api-staff-detail"),
    path("staff/<str:employee_no>/wechat-bind-code", views.StaffBindCodeView.as_view(), name="api-staff-bind-code"),
    path("institutions/", views.InstitutionListView.as_view(), name="api-institution-list"),
    path("institutions/<str:code>/", views.InstitutionDetailView.as_view(), name="api-institution-detail"),
]
