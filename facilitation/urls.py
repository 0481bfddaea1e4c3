from django.urls import path

from . import views

app_name = "facilitation"

urlpatterns = [
    path("private/recordings/<int:pk>/", views.recording_file, name="recording_file"),
    path("private/recordings/<int:pk>/download/", views.recording_file, {"download": True}, name="recording_download"),
]
