from django.urls import path

from . import api, api_training

urlpatterns = [
    path("me/targets", api.MyTargetsView.as_view(), name="api-me-targets"),
    path("me/contests", api.MyContestsView.as_view(), name="api-me-contests"),
    path("me/scorecard", api.MyScorecardView.as_view(), name="api-me-scorecard"),
    path("me/cards", api_training.MyCardsView.as_view(), name="api-me-cards"),
    path("me/materials", api_training.MyMaterialsView.as_view(), name="api-me-materials"),
    path("me/materials/<int:pk>/complete", api_training.MyMaterialCompleteView.as_view(), name="api-me-material-complete"),
    path("me/materials/<int:pk>/exam", api_training.MyExamView.as_view(), name="api-me-material-exam"),
    path("targets/children", api.ChildTargetsView.as_view(), name="api-target-children"),
]
