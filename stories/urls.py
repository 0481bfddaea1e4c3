from django.urls import path

from . import views

app_name = "stories"

urlpatterns = [
    path("audio/story/<int:page_id>/", views.published_story_audio, name="story_audio"),
    path("audio/excerpt/<int:page_id>/", views.published_excerpt_audio, name="excerpt_audio"),
]
