from django.urls import path

from . import views

app_name = "outlets"

urlpatterns = [
    path("points/", views.PointsView.as_view(), name="points"),
    path("points/staff/<str:employee_no>/", views.PersonPointsView.as_view(), name="person"),
    path("points/table/", views.PointsTableView.as_view(), name="table"),
    path("points/payroll.xlsx", views.PayrollView.as_view(), name="payroll"),
    path("elite/", views.EliteView.as_view(), name="elite"),
    path("grades/", views.GradesView.as_view(), name="grades"),
    path("grades/<int:pk>/override/", views.GradeOverrideView.as_view(), name="grade-override"),
    path("vips/", views.VipAlertsView.as_view(), name="vips"),
    path("inspections/", views.InspectionsView.as_view(), name="inspections"),
    path("inspections/new/", views.InspectionFormView.as_view(), name="inspection-new"),
    path("inspections/<int:pk>/", views.InspectionDetailView.as_view(), name="inspection"),
    path("inspections/photos/<int:pk>/", views.InspectionPhotoView.as_view(), name="inspection-photo"),
]
