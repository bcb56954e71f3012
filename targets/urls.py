from django.urls import path

from . import views, views_checklists

app_name = "targets"

urlpatterns = [
    path("grid/", views.GridView.as_view(), name="grid"),
    path("actions/", views.LaggardActionsView.as_view(), name="actions"),
    path("contests/", views.ContestListView.as_view(), name="contests"),
    path("contests/<int:pk>/", views.ContestDetailView.as_view(), name="contest"),
    path("scorecards/", views.ScorecardsView.as_view(), name="scorecards"),
    path("meetings/", views.MeetingPackView.as_view(), name="meetings"),
    path("checklists/", views_checklists.ChecklistsView.as_view(), name="checklists"),
    path("checklists/<int:pk>/", views_checklists.ChecklistTaskView.as_view(), name="checklist"),
    path("checklists/items/<int:pk>/", views_checklists.ChecklistItemView.as_view(), name="checklist-item"),
    path("checklists/items/<int:pk>/evidence", views_checklists.ChecklistEvidenceView.as_view(), name="checklist-evidence"),
]
