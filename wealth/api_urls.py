from django.urls import path

from . import api

urlpatterns = [
    path("me/wealth/today", api.MyWealthTodayView.as_view(), name="api-me-wealth-today"),
    path("me/wealth/summary", api.MyWealthPeriodView.as_view(), name="api-me-wealth-summary"),
    path("me/wealth/calls", api.MyCallsView.as_view(), name="api-me-wealth-calls"),
    path("me/wealth/visits", api.MyVisitsView.as_view(), name="api-me-wealth-visits"),
    path("me/wealth/follow-ups", api.MyFollowUpsView.as_view(), name="api-me-wealth-follow-ups"),
    path("me/wealth/prospects", api.MyProspectsView.as_view(), name="api-me-wealth-prospects"),
    path("me/wealth/do-not-call", api.MyDoNotCallView.as_view(), name="api-me-wealth-do-not-call"),
    path("me/wealth/call-list", api.MyCallListView.as_view(), name="api-me-wealth-call-list"),
    path("wealth/morning", api.MeetingAPIView.as_view(), name="api-wealth-morning"),
    path("wealth/evening", api.MeetingAPIView.as_view(evening=True), name="api-wealth-evening"),
]
