from django.urls import path

from . import api

urlpatterns = [
    path("league", api.LeagueAPIView.as_view(), name="api-league"),
    path("daily-report", api.DailyReportAPIView.as_view(), name="api-daily-report"),
]
