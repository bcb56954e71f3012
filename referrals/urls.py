from django.urls import path

from . import views_applications, views_campaigns, views_codes, views_dashboard, views_lists

app_name = "referrals"

urlpatterns = [
    path("dashboard/", views_dashboard.DashboardView.as_view(), name="dashboard"),
    path("dashboard/funnel/", views_dashboard.FunnelView.as_view(), name="dashboard-funnel"),
    path("dashboard/behind/", views_dashboard.BehindView.as_view(), name="dashboard-behind"),
    path("dashboard/honours/", views_dashboard.HonoursView.as_view(), name="dashboard-honours"),
    # Stock-customer lists (存量客户名单).
    path("lists/", views_lists.ListsView.as_view(), name="lists"),
    path("lists/mine/", views_lists.MyListView.as_view(), name="my-list"),
    path("lists/<str:code>/", views_lists.ListDetailView.as_view(), name="list"),
    # Codes and posters (R1).
    path("codes/", views_codes.CodesListView.as_view(), name="codes"),
    path("codes/posters.zip", views_codes.PosterArchiveView.as_view(), name="codes-archive"),
    path("codes/staff/<int:pk>/issue", views_codes.CodeIssueView.as_view(), name="codes-issue"),
    path("codes/staff/<int:pk>/revoke", views_codes.CodeRevokeView.as_view(), name="codes-revoke"),
    path("me/poster.png", views_codes.MyPosterView.as_view(), name="my-poster"),
    path("me/code/issue", views_codes.MyCodeIssueView.as_view(), name="my-code-issue"),
    path("me/code/name-display", views_codes.MyCodeNameDisplayView.as_view(), name="my-code-name-display"),
    path("codes/staff/<int:pk>/poster.png", views_codes.CodePosterView.as_view(), name="codes-poster"),
    # Campaigns, applications, disputes and payout sheets (R2).
    path("campaigns/", views_campaigns.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/new/", views_campaigns.CampaignCreateView.as_view(), name="campaign-create"),
    path("campaigns/<int:pk>/", views_campaigns.CampaignDetailView.as_view(), name="campaign-detail"),
    path("campaigns/<int:pk>/edit/", views_campaigns.CampaignUpdateView.as_view(), name="campaign-edit"),
    path("campaigns/<int:pk>/incentives/new/", views_campaigns.IncentiveCreateView.as_view(), name="campaign-incentive-add"),
    path("applications/", views_applications.ApplicationListView.as_view(), name="applications"),
    path("applications/<str:application_id>/review", views_applications.ApplicationReviewView.as_view(), name="application-review"),
    path("disputes/", views_applications.DisputeListView.as_view(), name="disputes"),
    path("disputes/<int:pk>/resolve", views_applications.DisputeResolveView.as_view(), name="dispute-resolve"),
    path("payouts/", views_applications.PayoutListView.as_view(), name="payouts"),
    path("payouts/<int:pk>/download", views_applications.PayoutDownloadView.as_view(), name="payout-download"),
    path("payouts/<int:pk>/confirm", views_applications.PayoutConfirmView.as_view(), name="payout-confirm"),
]
