from django.urls import path

from . import views, views_checklists, views_training

app_name = "targets"

urlpatterns = [
    path("grid/", views.GridView.as_view(), name="grid"),
    path("actions/", views.LaggardActionsView.as_view(), name="actions"),
    path("contests/", views.ContestListView.as_view(), name="contests"),
    path("contests/<int:pk>/", views.ContestDetailView.as_view(), name="contest"),
    path("scorecards/", views.ScorecardsView.as_view(), name="scorecards"),
    path("meetings/", views.MeetingPackView.as_view(), name="meetings"),
    path("training/", views_training.TrainingView.as_view(), name="training"),
    path("training/cards/<int:pk>/", views_training.CardView.as_view(), name="card"),
    path("training/materials/<int:pk>/", views_training.MaterialView.as_view(), name="material"),
    path("training/materials/<int:pk>/file", views_training.MaterialFileView.as_view(), name="material-file"),
    path("training/coverage/", views_training.CoverageView.as_view(), name="coverage"),
    path("training/sessions/", views_training.SessionsView.as_view(), name="sessions"),
    path("training/sessions/<int:pk>/<str:which>", views_training.SessionFileView.as_view(), name="session-file"),
    path("checklists/", views_checklists.ChecklistsView.as_view(), name="checklists"),
    path("checklists/<int:pk>/", views_checklists.ChecklistTaskView.as_view(), name="checklist"),
    path("checklists/items/<int:pk>/", views_checklists.ChecklistItemView.as_view(), name="checklist-item"),
    path("checklists/items/<int:pk>/evidence", views_checklists.ChecklistEvidenceView.as_view(), name="checklist-evidence"),
]
