from django.urls import path

from . import api

urlpatterns = [
    path("me/targets", api.MyTargetsView.as_view(), name="api-me-targets"),
    path("me/contests", api.MyContestsView.as_view(), name="api-me-contests"),
    path("me/scorecard", api.MyScorecardView.as_view(), name="api-me-scorecard"),
    path("targets/children", api.ChildTargetsView.as_view(), name="api-target-children"),
]
