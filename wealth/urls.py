from django.urls import path

from . import views

app_name = "wealth"

urlpatterns = [
    path("", views.TeamView.as_view(), name="team-2053"),
    path("people/<str:employee_no>/", views.PersonView.as_view(), name="person-2053"),
    path("me/", views.MyView.as_view(), name="mine-2053"),
    path("call-list/", views.CallListView.as_view(), name="call-list"),
    path("do-not-call/", views.DoNotCallView.as_view(), name="do-not-call"),
    path("morning/", views.MeetingView.as_view(), name="morning-list"),
    path("evening/", views.MeetingView.as_view(evening=True), name="evening-summary"),
    path("spot-checks/", views.SpotCheckView.as_view(), name="spot-checks"),
    path("calls/<str:call_id>/recording", views.RecordingView.as_view(), name="call-recording"),
]
