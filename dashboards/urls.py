"""Mounted at "" by minqing/urls.py: the home page is "/", the rest lives under "/dashboards/"."""

from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboards/metrics/", views.metrics_page, name="metrics"),
    path("dashboards/metrics.json", views.metrics_json, name="metrics_json"),
    path("dashboards/metrics/cases/", views.metric_cases, name="metric_cases"),
    path("dashboards/hotspots/", views.hotspots_page, name="hotspots"),
    path("dashboards/supervision/", views.supervision, name="supervision"),
    path("dashboards/supervision/print/", views.supervision, {"printable": True}, name="supervision_print"),
    path("dashboards/reports/", views.reports, name="reports"),
    path("dashboards/reports/<int:pk>/", views.report_status, name="report_status"),
    path("dashboards/reports/<int:pk>/download/", views.report_download, name="report_download"),
]
