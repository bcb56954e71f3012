from django.urls import path

from . import views_dashboard

app_name = "referrals"

urlpatterns = [
    path("dashboard/", views_dashboard.DashboardView.as_view(), name="dashboard"),
    path("dashboard/funnel/", views_dashboard.FunnelView.as_view(), name="dashboard-funnel"),
    path("dashboard/behind/", views_dashboard.BehindView.as_view(), name="dashboard-behind"),
    path("dashboard/honours/", views_dashboard.HonoursView.as_view(), name="dashboard-honours"),
]
