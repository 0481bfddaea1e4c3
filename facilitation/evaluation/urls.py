"""The evaluators' screens, under /admin/evaluation/ (registered by facilitation's `register_admin_urls` hook)."""

from django.urls import path

from . import views

app_name = "evaluation"

urlpatterns = [
    path("", views.session_log, name="session_log"),
    path("session-log.csv", views.session_log_export, name="session_log_csv"),
    path("session-log.xlsx", views.session_log_export, {"fmt": "xlsx"}, name="session_log_xlsx"),
    path("indicators/", views.indicator_dashboard, name="indicators"),
    path("indicators.csv", views.indicator_export, name="indicators_csv"),
    path("indicators.xlsx", views.indicator_export, {"fmt": "xlsx"}, name="indicators_xlsx"),
]
