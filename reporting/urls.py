from django.urls import path

from . import views, views_daily, views_league

app_name = "reporting"

urlpatterns = [
    path("circulars/", views.CircularListView.as_view(), name="circulars"),
    path("circulars/<int:pk>/download/", views.CircularDownloadView.as_view(), name="circular-download"),
    path("circulars/generate/", views.CircularGenerateView.as_view(), name="circular-generate"),
    path("circulars/mine/", views.MyCircularView.as_view(), name="circular-mine"),
    path("league/", views_league.LeagueView.as_view(), name="league"),
    path("daily/", views_daily.DailyReportView.as_view(), name="daily"),
    path("deliveries/", views.DeliveryListView.as_view(), name="deliveries"),
    path("deliveries/<int:pk>/resend/", views.DeliveryResendView.as_view(), name="delivery-resend"),
]
