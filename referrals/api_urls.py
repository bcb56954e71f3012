from django.urls import path

from .api import codes

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
]
