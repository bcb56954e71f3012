from django.urls import path

from .api import applications as applications_api
from .api import codes, lists, me, webhook

urlpatterns = [
    # Codes (R1): the employee's personal code, its images, and second-level (MGM) codes.
    path("me/referral-code", codes.MyReferralCodeView.as_view(), name="api-me-referral-code"),
    path("me/referral-code/reissue", codes.MyReferralCodeReissueView.as_view(), name="api-me-referral-code-reissue"),
    path("me/referral-code/qr.png", codes.MyReferralCodePngView.as_view(), name="api-me-referral-code-png"),
    path("me/referral-code/qr.svg", codes.MyReferralCodeSvgView.as_view(), name="api-me-referral-code-svg"),
    path("me/referral-code/poster.png", codes.MyReferralPosterView.as_view(), name="api-me-referral-code-poster"),
    path("me/referral-code/poster.pdf", codes.MyReferralPosterPdfView.as_view(), name="api-me-referral-code-poster-pdf"),
    path("me/mgm-codes", codes.MyMgmCodesView.as_view(), name="api-me-mgm-codes"),
    path("me/mgm-codes/<int:pk>/revoke", codes.MyMgmCodeRevokeView.as_view(), name="api-me-mgm-code-revoke"),
    path("me/mgm-codes/<int:pk>/qr.png", codes.MyMgmCodePngView.as_view(), name="api-me-mgm-code-png"),
    # Applications, earnings, rank, disputes (R2).
    path("integrations/loan-events", webhook.LoanEventsWebhookView.as_view(), name="api-loan-events"),
    path("me/referrals", me.MyReferralsView.as_view(), name="api-me-referrals"),
    path("me/referrals/<str:application_id>/dispute", me.MyReferralDisputeView.as_view(), name="api-me-referral-dispute"),
    path("me/earnings", me.MyEarningsView.as_view(), name="api-me-earnings"),
    path("me/rank", me.MyRankView.as_view(), name="api-me-rank"),
    # Stock-customer lists.
    path("me/list-customers", lists.MyListCustomersView.as_view(), name="api-me-list-customers"),
    path("me/list-customers/<int:pk>/contacts", lists.MyListContactView.as_view(), name="api-me-list-contact"),
    path("referrals/applications/", applications_api.ApplicationListView.as_view(), name="api-referral-applications"),
    path(
        "referrals/applications/<str:application_id>/review", applications_api.ApplicationReviewView.as_view(), name="api-referral-review"
    ),
    path("referrals/disputes/", applications_api.DisputeListView.as_view(), name="api-referral-disputes"),
    path("referrals/disputes/<int:pk>/resolve", applications_api.DisputeResolveView.as_view(), name="api-referral-dispute-resolve"),
]
