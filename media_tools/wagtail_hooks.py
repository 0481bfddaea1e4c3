from django.db.models import OuterRef, Subquery
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.widgets import ListingButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from facilitation import policy
from facilitation.dashboard import DASHBOARD_ITEMS_HOOK, DashboardItem
from facilitation.evaluation.indicators import RECORDING_MEASURES_HOOK
from facilitation.models import Recording
from facilitation.policy import Action, may

from . import editor, evaluation, views
from .jobs import active_job
from .models import Transcript, TranscriptionJob
from .viewsets import JobPermissionPolicy, TranscriptionJobViewSet

register_permission_policy(TranscriptionJob, JobPermissionPolicy(TranscriptionJob))
register_snippet(TranscriptionJobViewSet)


@hooks.register("register_admin_urls")
def register_transcription_urls():
    return [
        path("transcription/start/<int:recording_id>/", views.start_job, name="media_tools_start"),
        path("transcription/jobs/<int:job_id>/", views.job_detail, name="media_tools_job"),
        path("transcription/jobs/<int:job_id>/retry/", views.retry_job, name="media_tools_retry"),
        path("transcripts/<int:transcript_id>/", views.transcript_editor, name="media_tools_transcript"),
        path("transcripts/<int:transcript_id>/autosave/", editor.autosave, name="media_tools_transcript_autosave"),
        path(
            "transcripts/<int:transcript_id>/retranscribe/",
            editor.retranscribe,
            name="media_tools_transcript_retranscribe",
        ),
        path("transcripts/<int:transcript_id>/export/<str:fmt>/", views.export_transcript, name="media_tools_export"),
        path("transcripts/<int:transcript_id>/excerpt/", editor.make_excerpt, name="media_tools_make_excerpt"),
    ]


@hooks.register("register_snippet_listing_buttons")
def recording_buttons(snippet, user, next_url=None):
    """media_tools' buttons on the recordings listing: transcribe (or follow the job), open the latest transcript."""
    if not isinstance(snippet, Recording):
        return
    if may(user, Action.TRANSCRIBE, snippet):
        job = active_job(snippet)
        if job is None:
            yield ListingButton(_("Transcribe"), reverse("media_tools_start", args=[snippet.pk]), priority=22)
        else:  # one job at a time: follow the one that is queued or running
            yield ListingButton(_("Transcription in progress"), reverse("media_tools_job", args=[job.pk]), priority=22)
    latest = snippet.transcripts.order_by("-revision").first()
    if latest and may(user, Action.VIEW_TRANSCRIPT, latest):
        reviewed, total = latest.review_counts()
        label = _("Transcript (%(percent)s%% reviewed)") % {"percent": round(100 * reviewed / total) if total else 0}
        yield ListingButton(label, reverse("media_tools_transcript", args=[latest.pk]), priority=25)


@hooks.register(DASHBOARD_ITEMS_HOOK)
def transcripts_to_correct(user):
    """The facilitator's dashboard line: recordings whose latest transcript is still the machine draft."""
    latest = Transcript.objects.filter(recording=OuterRef("recording")).order_by("-revision").values("pk")[:1]
    drafts = Transcript.objects.filter(pk=Subquery(latest), is_machine_draft=True, recording__deleted_at__isnull=True)
    drafts = policy.scope(user, drafts)
    count = drafts.count()
    if not count:
        return []
    if count == 1:
        url = reverse("media_tools_transcript", args=[drafts.get().pk])
    else:
        url = reverse("wagtailsnippets_media_tools_transcriptionjob:list") + f"?status={TranscriptionJob.Status.DONE}"
    return [DashboardItem(_("Transcripts waiting for correction"), count, url, 50)]


hooks.register(RECORDING_MEASURES_HOOK, evaluation.transcribed_recordings)  # "Recordings transcribed" column
