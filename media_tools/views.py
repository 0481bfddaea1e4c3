"""Admin views for transcription: start and follow jobs, edit a transcript beside its audio, export it."""

from __future__ import annotations

from django.contrib import messages
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facilitation.models import Recording
from facilitation.policy import Action, authorize, may
from facilitation.views import not_found

from .exports import FORMATS, render, transcript_segments
from .jobs import JobRefused, is_retryable, is_stuck, retry, start_transcription
from .models import Segment, Transcript, TranscriptExport, TranscriptionJob


def start_job(request, recording_id: int):
    recording = get_object_or_404(Recording.objects.select_related("family__site"), pk=recording_id)
    if not may(request.user, Action.VIEW_RECORDING, recording) and not may(request.user, Action.TRANSCRIBE, recording):
        return not_found(request)
    if request.method != "POST":
        decision = may(request.user, Action.TRANSCRIBE, recording)
        return TemplateResponse(
            request,
            "media_tools/start_job.html",
            {
                "recording": recording,
                "decision": decision,
                "languages": Recording._meta.get_field("language").choices,
                "header_title": _("Transcribe %(recording)s") % {"recording": recording},
            },
        )
    try:
        job = start_transcription(recording, request.user, language=request.POST.get("language") or None)
    except JobRefused as refused:
        messages.error(request, _("Transcription cannot start: %(reasons)s") % {"reasons": " ".join(refused.reasons)})
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
    if not may(request.user, Action.VIEW_RECORDING, job.recording) and not may(
        request.user, Action.TRANSCRIBE, job.recording
    ):
        return not_found(request)
    if request.headers.get("Accept") == "application/json" or request.GET.get("format") == "json":
        return JsonResponse(_job_state(job))
    return TemplateResponse(
        request,
        "media_tools/job_detail.html",
        {"job": job, "state": _job_state(job), "header_title": _("Transcription job #%(id)s") % {"id": job.pk}},
    )


def transcript_editor(request, transcript_id: int):
    """Audio beside segments: click to play from a segment, edit in place; saving adds a revision."""
    transcript = get_object_or_404(Transcript.objects.select_related("recording__family__site"), pk=transcript_id)
    action = Action.EDIT_TRANSCRIPT if request.method == "POST" else Action.VIEW_TRANSCRIPT
    if not authorize(request.user, action, transcript):
        return not_found(request)
    segments = list(transcript.segments.all())
    if request.method == "POST":
        new = _save_revision(transcript, segments, request.POST, request.user)
        messages.success(request, _("Saved as revision %(n)s. The machine draft is kept.") % {"n": new.revision})
        return redirect("media_tools_transcript", new.pk)
    revisions = Transcript.objects.filter(recording=transcript.recording).order_by("-revision")
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
            "header_title": _("Transcript, revision %(n)s") % {"n": transcript.revision},
        },
    )


@transaction.atomic
def _save_revision(transcript: Transcript, segments: list[Segment], data, user) -> Transcript:
    latest = Transcript.objects.filter(recording=transcript.recording).order_by("-revision").first()
    new = Transcript.objects.create(
        recording=transcript.recording,
        job=transcript.job,
        revision=latest.revision + 1,
        based_on=transcript,
        is_machine_draft=False,
        engine=transcript.engine,
        model_name=transcript.model_name,
        model_checksum=transcript.model_checksum,
        language=transcript.language,
        engine_settings=transcript.engine_settings,
        timings=transcript.timings,
        created_by=user,
    )
    speakers = {value for value, _label in Segment.Speaker.choices}
    Segment.objects.bulk_create(
        Segment(
            transcript=new,
            index=s.index,
            start=s.start,
            end=s.end,
            language=s.language,
            confidence=s.confidence,
            words=s.words,
            text=data.get(f"text-{s.index}", s.text).strip(),
            speaker=data.get(f"speaker-{s.index}", s.speaker)
            if data.get(f"speaker-{s.index}", s.speaker) in speakers
            else "",
            reviewed=data.get(f"reviewed-{s.index}") == "on",
        )
        for s in segments
    )
    return new


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
