from django.urls import path

from . import views_codes, views_dashboard

app_name = "referrals"

urlpatterns = [
    path("dashboard/", views_dashboard.DashboardView.as_view(), name="dashboard"),
    path("dashboard/funnel/", views_dashboard.FunnelView.as_view(), name="dashboard-funnel"),
    path("dashboard/behind/", views_dashboard.BehindView.as_view(), name="dashboard-behind"),
    path("dashboard/honours/", views_dashboard.HonoursView.as_view(), name="dashboard-honours"),
    # Codes and posters (R1).
    path("codes/", views_codes.CodesListView.as_view(), name="codes"),
    path("codes/posters.zip", views_codes.PosterArchiveView.as_view(), name="codes-archive"),
    path("codes/staff/<int:pk>/issue", views_codes.CodeIssueView.as_view(), name="codes-issue"),
    path("codes/staff/<int:pk>/revoke", views_codes.CodeRevokeView.as_view(), name="codes-revoke"),
    path("codes/staff/<int:pk>/poster.png", views_codes.CodePosterView.as_view(), name="codes-poster"),
]
