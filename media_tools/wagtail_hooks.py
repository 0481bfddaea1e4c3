from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.snippets.models import register_snippet

from facilitation.models import Recording
from facilitation.policy import Action, may

from . import views
from .viewsets import TranscriptionJobViewSet

register_snippet(TranscriptionJobViewSet)


@hooks.register("register_admin_urls")
def register_transcription_urls():
    return [
        path("transcription/start/<int:recording_id>/", views.start_job, name="media_tools_start"),
        path("transcription/jobs/<int:job_id>/", views.job_detail, name="media_tools_job"),
        path("transcription/jobs/<int:job_id>/retry/", views.retry_job, name="media_tools_retry"),
        path("transcripts/<int:transcript_id>/", views.transcript_editor, name="media_tools_transcript"),
        path("transcripts/<int:transcript_id>/export/<str:fmt>/", views.export_transcript, name="media_tools_export"),
    ]


@hooks.register("register_snippet_listing_buttons")
def recording_buttons(snippet, user, next_url=None):
    if not isinstance(snippet, Recording):
        return
    if may(user, Action.STREAM_RECORDING, snippet):
        yield ListingButton(_("Listen"), reverse("facilitation:recording_file", args=[snippet.pk]), priority=20)
    if may(user, Action.TRANSCRIBE, snippet):
        yield ListingButton(_("Transcribe"), reverse("media_tools_start", args=[snippet.pk]), priority=22)
    latest = snippet.transcripts.order_by("-revision").first()
    if latest and may(user, Action.VIEW_TRANSCRIPT, latest):
        yield ListingButton(_("Transcript"), reverse("media_tools_transcript", args=[latest.pk]), priority=25)


@hooks.register("after_create_snippet")
def transcribe_new_recordings(request, instance):
    """A newly uploaded recording is transcribed straight away, where everyone heard consents to it."""
    if isinstance(instance, Recording) and may(request.user, Action.TRANSCRIBE, instance):
        from .jobs import start_transcription

        start_transcription(instance, request.user)
