"""Admin views for transcription: start and follow jobs, edit a transcript beside its audio, export it."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.base import ContentFile
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facilitation.formats import headed
from facilitation.models import LANGUAGE_CHOICES, Recording
from facilitation.policy import Action, authorize, may
from facilitation.views import not_found

from . import editor
from .exports import FORMATS, render, transcript_segments
from .jobs import ALREADY_ACTIVE, JobRefused, active_job, is_retryable, is_stuck, retry, start_transcription
from .models import Segment, Transcript, TranscriptExport, TranscriptionJob


def start_job(request, recording_id: int):
    recording = get_object_or_404(Recording.objects.select_related("family__site"), pk=recording_id)
    if not may(request.user, Action.FOLLOW_TRANSCRIPTION, recording):
        return not_found(request)
    running = active_job(recording)
    if request.method != "POST":
        decision = may(request.user, Action.TRANSCRIBE, recording)
        title = _("Transcribe %(recording)s") % {"recording": recording}
        return TemplateResponse(
            request,
            "media_tools/start_job.html",
            {
                "recording": recording,
                "decision": decision,
                "running": running,
                "languages": Recording._meta.get_field("language").choices,
                **headed(title, (_("Recordings"), reverse("wagtailsnippets_facilitation_recording:list"))),
            },
        )
    if running is not None:  # one job at a time: the form was open in two tabs, or the list was stale
        messages.warning(request, str(ALREADY_ACTIVE))
        return redirect("media_tools_job", running.pk)
    try:
        job = start_transcription(recording, request.user, language=request.POST.get("language") or None)
    except JobRefused as refused:
        messages.error(
            request, _("Transcription cannot start: %(reasons)s") % {"reasons": " ".join(map(str, refused.reasons))}
        )
        return redirect("wagtailsnippets_facilitation_recording:list")
    messages.success(request, _("Transcription queued."))
    return redirect("media_tools_job", job.pk)


@require_POST
def retry_job(request, job_id: int):
    """Try a failed, cancelled or stuck job again (a stuck one: its worker died; no need to wait for the sweep)."""
    job = get_object_or_404(TranscriptionJob, pk=job_id)
    if not may(request.user, Action.TRANSCRIBE, job.recording):
        return not_found(request)
    if not is_retryable(job):
        messages.error(request, _("The job is still running."))
        return redirect("media_tools_job", job.pk)
    try:
        new_job = retry(job, request.user)
    except JobRefused as refused:
        messages.error(request, " ".join(refused.reasons))
        return redirect("media_tools_job", job.pk)
    return redirect("media_tools_job", new_job.pk)


def _job_state(job: TranscriptionJob) -> dict:
    transcript = Transcript.objects.filter(job=job).values_list("pk", flat=True).first()
    return {
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": round(job.progress * 100),
        "segments": job.segments_done,
        "error": job.error,
        "stuck": is_stuck(job),
        "retryable": is_retryable(job),
        "transcript_url": reverse("media_tools_transcript", args=[transcript]) if transcript else None,
    }


def job_detail(request, job_id: int):
    job = get_object_or_404(TranscriptionJob.objects.select_related("recording__family__site"), pk=job_id)
    if not may(request.user, Action.FOLLOW_TRANSCRIPTION, job.recording):
        return not_found(request)
    if request.headers.get("Accept") == "application/json" or request.GET.get("format") == "json":
        return JsonResponse(_job_state(job))
    title = _("Transcription job #%(id)s") % {"id": job.pk}
    return TemplateResponse(
        request,
        "media_tools/job_detail.html",
        {
            "job": job,
            "state": _job_state(job),
            **headed(title, (_("Transcription jobs"), reverse("wagtailsnippets_media_tools_transcriptionjob:list"))),
        },
    )


def transcript_editor(request, transcript_id: int):
    """Audio beside segments, for correction at a transcriber's speed (see transcript_editor.js).

    Saving keeps the machine draft: the person's edits go to their working revision (media_tools.editor).
    """
    transcript = get_object_or_404(Transcript.objects.select_related("recording__family__site"), pk=transcript_id)
    action = Action.EDIT_TRANSCRIPT if request.method == "POST" else Action.VIEW_TRANSCRIPT
    if not authorize(request.user, action, transcript):
        return not_found(request)
    segments = list(transcript.segments.all())
    if request.method == "POST":
        try:
            items = editor.segments_from_form(request.POST, segments)
        except editor.Invalid as error:
            messages.error(request, str(error))
            return redirect("media_tools_transcript", transcript.pk)
        new = editor.save_revision(transcript, items, request.user)
        messages.success(request, _("Saved as revision %(n)s. The machine draft is kept.") % {"n": new.revision})
        return redirect("media_tools_transcript", new.pk)
    revisions = Transcript.objects.filter(recording=transcript.recording).order_by("-revision")
    low = sum(1 for s in segments if s.is_low_confidence)
    return TemplateResponse(
        request,
        "media_tools/transcript_editor.html",
        {
            "transcript": transcript,
            "segments": segments,
            "revisions": revisions,
            "speakers": Segment.Speaker.choices,
            "formats": sorted(FORMATS),
            "audio_url": reverse("facilitation:recording_file", args=[transcript.recording_id]),
            "review": editor.review_state(transcript),
            "low_count": low,
            "gap_count": sum(1 for s in segments if s.kind == Segment.Kind.GAP),
            "retranscribe_languages": [(c, n) for c, n in LANGUAGE_CHOICES if c in editor.RETRANSCRIBE_LANGUAGES],
            "editor_config": {
                "autosaveUrl": reverse("media_tools_transcript_autosave", args=[transcript.pk]),
                "retranscribeUrl": reverse("media_tools_transcript_retranscribe", args=[transcript.pk]),
                "canRetranscribe": bool(may(request.user, Action.TRANSCRIBE, transcript.recording)),
            },
            **headed(
                _("Transcript, revision %(n)s") % {"n": transcript.revision},
                (_("Recordings"), reverse("wagtailsnippets_facilitation_recording:list")),
            ),
        },
    )


def export_transcript(request, transcript_id: int, fmt: str):
    transcript = get_object_or_404(Transcript.objects.select_related("recording__family__site"), pk=transcript_id)
    if fmt not in FORMATS or not authorize(request.user, Action.EXPORT_TRANSCRIPT, transcript, detail={"format": fmt}):
        return not_found(request)
    content = render(
        fmt,
        transcript_segments(transcript),
        meta={
            "engine": transcript.engine,
            "model": transcript.model_name,
            "revision": transcript.revision,
            "language": transcript.language,
        },
    )
    # Kept as a derived file, so a withdrawal of the archive consent can find and delete it.
    export = TranscriptExport(transcript=transcript, format=fmt, created_by=request.user)
    export.file.save(f"export.{fmt}", ContentFile(content.encode("utf-8")), save=True)
    response = HttpResponse(content, content_type=f"{FORMATS[fmt]}; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="transcript-{transcript.recording_id}-r{transcript.revision}.{fmt}"'
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
