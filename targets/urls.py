from django.urls import path

from . import views

app_name = "targets"

urlpatterns = [
    path("grid/", views.GridView.as_view(), name="grid"),
    path("actions/", views.LaggardActionsView.as_view(), name="actions"),
    path("contests/", views.ContestListView.as_view(), name="contests"),
    path("contests/<int:pk>/", views.ContestDetailView.as_view(), name="contest"),
    path("scorecards/", views.ScorecardsView.as_view(), name="scorecards"),
]
