"""Public pages of referral codes, mounted at the site root (no sign-in): `/r/<token>`."""

from django.urls import path

from . import public_views

app_name = "referrals_public"

urlpatterns = [
    # Before the token route: "privacy" is not a token (tokens are 32 characters).
    path("r/privacy", public_views.privacy, name="privacy"),
    path("r/<str:token>", public_views.scan, name="scan"),
    path("r/<str:token>/lead", public_views.lead, name="lead"),
    path("r/<str:token>/thanks", public_views.thanks, name="thanks"),
]
