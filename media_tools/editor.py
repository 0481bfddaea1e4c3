"""The transcript editor's server side: saving (and autosaving) revisions, and transcribing one stretch again.

A person's edits never touch the machine draft: the first save of an editing session adds a revision, and later
saves by the same person within :data:`WORKING_REVISION_MINUTES` update that revision (autosave every few seconds
would otherwise bury the history under hundreds of revisions). Anyone else's save, or a save after a pause, adds a
new one.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from facilitation.excerpts import ExcerptRefused, create_excerpt
from facilitation.policy import Action, authorize, may
from facilitation.views import not_found

from .audio import iter_audio_blocks
from .engines.base import SAMPLE_RATE, transcribe_stretch_audio
from .guards import mean_confidence
from .models import Segment, Transcript
from .pipeline import load_engine
from .tempfiles import local_copy

WORKING_REVISION_MINUTES = 30
MAX_SEGMENTS = 20000
MAX_TEXT = 5000
RETRANSCRIBE_LANGUAGES = ("kk", "ru", "en")
MAX_RETRANSCRIBE_SECONDS = 120.0


class Invalid(ValueError):
    pass


def _number(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError) as error:
        raise Invalid(_("A segment has no valid time.")) from error
    if not np.isfinite(number) or number < 0:
        raise Invalid(_("A segment has no valid time."))
    return round(number, 3)


def clean_segments(items: Any, previous: list[Segment]) -> list[dict[str, Any]]:
    """Check what the browser sent (split and merged segments included); raises :class:`Invalid`."""
    if not isinstance(items, list) or len(items) > MAX_SEGMENTS:
        raise Invalid(_("The transcript could not be read."))
    speakers = {value for value, _label in Segment.Speaker.choices}
    kinds = {value for value, _label in Segment.Kind.choices}
    words_by_span = {(round(s.start, 3), round(s.end, 3)): s.words for s in previous}
    cleaned = []
    last_start = 0.0
    for item in items:
        if not isinstance(item, dict):
            raise Invalid(_("The transcript could not be read."))
        start, end = _number(item.get("start")), _number(item.get("end"))
        if end < start or start + 0.001 < last_start:
            raise Invalid(_("Segments must be in order, each ending after it starts."))
        last_start = start
        text = str(item.get("text") or "").strip()[:MAX_TEXT]
        speaker = item.get("speaker") if item.get("speaker") in speakers else ""
        language = item.get("language") if item.get("language") in RETRANSCRIBE_LANGUAGES else ""
        kind = item.get("kind") if item.get("kind") in kinds else Segment.Kind.SPEECH
        if kind == Segment.Kind.GAP and text:
            kind = Segment.Kind.SPEECH  # a person filled the gap
        confidence = item.get("confidence")
        cleaned.append(
            {
                "start": start,
                "end": end,
                "text": text,
                "speaker": speaker,
                "language": language,
                "kind": kind,
                "reviewed": bool(item.get("reviewed")),
                "confidence": _number(confidence) if confidence not in (None, "") else None,
                "words": words_by_span.get((start, end), []),
            }
        )
    return cleaned


def segments_from_form(data, previous: list[Segment]) -> list[dict[str, Any]]:
    """Without JavaScript the editor posts one field per segment (no split or merge)."""
    if data.get("segments_json"):
        try:
            return clean_segments(json.loads(data["segments_json"]), previous)
        except json.JSONDecodeError as error:
            raise Invalid(_("The transcript could not be read.")) from error
    speakers = {value for value, _label in Segment.Speaker.choices}
    items = []
    for s in previous:
        text = data.get(f"text-{s.index}", s.text).strip()[:MAX_TEXT]
        speaker = data.get(f"speaker-{s.index}", s.speaker)
        items.append(
            {
                "start": s.start,
                "end": s.end,
                "text": text,
                "speaker": speaker if speaker in speakers else "",
                "language": s.language,
                "kind": Segment.Kind.SPEECH if text else s.kind,
                "reviewed": data.get(f"reviewed-{s.index}") == "on",
                "confidence": s.confidence,
                "words": s.words,
                "avg_logprob": s.avg_logprob,
                "no_speech_prob": s.no_speech_prob,
            }
        )
    return items


def _is_working_revision(transcript: Transcript, user) -> bool:
    latest = Transcript.objects.filter(recording_id=transcript.recording_id).order_by("-revision").first()
    return (
        not transcript.is_machine_draft
        and latest is not None
        and latest.pk == transcript.pk
        and transcript.created_by_id == getattr(user, "pk", None)
        and transcript.created_at >= timezone.now() - timedelta(minutes=WORKING_REVISION_MINUTES)
    )


@transaction.atomic
def save_revision(transcript: Transcript, items: list[dict[str, Any]], user) -> Transcript:
    """Store ``items`` as this person's working revision (see the module docstring); returns it."""
    transcript = Transcript.objects.select_for_update().get(pk=transcript.pk)
    if _is_working_revision(transcript, user):
        target = transcript
        target.segments.all().delete()
    else:
        latest = Transcript.objects.filter(recording=transcript.recording).order_by("-revision").first()
        target = Transcript.objects.create(
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
            confidence=transcript.confidence,
            guard_events=transcript.guard_events,
            created_by=user,
        )
    Segment.objects.bulk_create(
        Segment(
            transcript=target,
            index=i,
            start=item["start"],
            end=item["end"],
            text=item["text"],
            language=item["language"],
            speaker=item["speaker"],
            kind=item["kind"],
            reviewed=item["reviewed"],
            confidence=item["confidence"],
            avg_logprob=item.get("avg_logprob"),
            no_speech_prob=item.get("no_speech_prob"),
            words=item["words"],
        )
        for i, item in enumerate(items)
    )
    return target


def review_state(transcript: Transcript) -> dict[str, Any]:
    reviewed, total = transcript.review_counts()
    return {"reviewed": reviewed, "total": total, "percent": round(100 * reviewed / total) if total else 0}


@require_POST
def autosave(request, transcript_id: int):
    """The editor's autosave (JSON in, JSON out); the same rules as the Save button."""
    transcript = get_object_or_404(Transcript.objects.select_related("recording__family__site"), pk=transcript_id)
    if not authorize(request.user, Action.EDIT_TRANSCRIPT, transcript):
        return not_found(request)
    previous = list(transcript.segments.all())
    try:
        body = json.loads(request.body or b"{}")
        items = clean_segments(body.get("segments"), previous)
    except (json.JSONDecodeError, AttributeError):
        return JsonResponse({"error": _("The transcript could not be read.")}, status=400)
    except Invalid as error:
        return JsonResponse({"error": str(error)}, status=400)
    saved = save_revision(transcript, items, request.user)
    return JsonResponse(
        {
            "id": saved.pk,
            "revision": saved.revision,
            "url": reverse("media_tools_transcript", args=[saved.pk]),
            "autosave_url": reverse("media_tools_transcript_autosave", args=[saved.pk]),
            "retranscribe_url": reverse("media_tools_transcript_retranscribe", args=[saved.pk]),
            "saved_at": timezone.localtime().strftime("%H:%M:%S"),
            "message": _("Saved as revision %(n)s at %(time)s.")
            % {"n": saved.revision, "time": timezone.localtime().strftime("%H:%M")},
            **review_state(saved),
        }
    )


@require_POST
def make_excerpt(request, transcript_id: int):
    """The ticked segments (by start time, which survives splits and merges) become an excerpt for a story, reviewed
    in facilitation's excerpt screen. The policy decides (CREATE_EXCERPT: every segment reviewed, none empty)."""
    transcript = get_object_or_404(Transcript.objects.select_related("recording__family__site"), pk=transcript_id)
    if not may(request.user, Action.VIEW_TRANSCRIPT, transcript):
        return not_found(request)
    by_start = {round(s.start, 3): s for s in transcript.segments.all()}
    try:
        starts = {round(float(value), 3) for value in request.POST.getlist("start")}
    except ValueError:
        starts = set()
    chosen = [by_start[start] for start in sorted(starts) if start in by_start]
    if len(chosen) != len(starts):
        messages.error(request, _("Some ticked segments are not saved yet: save the transcript and try again."))
        return redirect("media_tools_transcript", transcript.pk)
    payload = [
        {
            "index": s.index,
            "start": s.start,
            "end": s.end,
            "text": s.text,
            "words": s.words,
            "language": s.language,
            "reviewed": s.reviewed,
        }
        for s in chosen
    ]
    try:
        excerpt = create_excerpt(transcript.recording, payload, request.user, revision=transcript.revision)
    except ExcerptRefused as refused:
        messages.error(request, _("No excerpt was made: %(reasons)s") % {"reasons": " ".join(refused.reasons)})
        return redirect("media_tools_transcript", transcript.pk)
    return redirect("facilitation_excerpt", excerpt.pk)


def _decode_stretch(path: str, start: float, end: float) -> np.ndarray:
    first, last = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
    pieces, position = [], 0
    for block in iter_audio_blocks(path, block_seconds=60.0):
        block_end = position + len(block)
        if block_end > first:
            pieces.append(block[max(first - position, 0) : max(min(last - position, len(block)), 0)])
        position = block_end
        if position >= last:
            break
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


@require_POST
def retranscribe(request, transcript_id: int):
    """Transcribe one stretch again in a language a person chose; returns the text, stores nothing.

    The person sees the new text in the segment and keeps it by saving (autosave does), like any edit.
    """
    transcript = get_object_or_404(Transcript.objects.select_related("recording__family__site"), pk=transcript_id)
    if not authorize(request.user, Action.EDIT_TRANSCRIPT, transcript):
        return not_found(request)
    recording = transcript.recording
    decision = may(request.user, Action.TRANSCRIBE, recording)
    if not decision:
        return JsonResponse({"error": " ".join(str(r) for r in decision.reasons)}, status=403)
    try:
        body = json.loads(request.body or b"{}")
        start, end = _number(body.get("start")), _number(body.get("end"))
        language = body.get("language")
    except (json.JSONDecodeError, AttributeError, Invalid):
        return JsonResponse({"error": _("The transcript could not be read.")}, status=400)
    if language not in RETRANSCRIBE_LANGUAGES or not (0 <= start < end) or end - start > MAX_RETRANSCRIBE_SECONDS:
        return JsonResponse({"error": _("Choose a stretch of at most two minutes and a language.")}, status=400)
    with local_copy(recording.file.storage, recording.file.name, prefix="sbg-stretch-") as path:
        audio = _decode_stretch(str(path), start, end)
    engine = load_engine(getattr(settings, "WHISPER_ENGINE", "faster"))
    segments = transcribe_stretch_audio(engine, audio, start, language)
    text = " ".join(s.text.strip() for s in segments if s.text.strip())
    return JsonResponse(
        {
            "text": text,
            "language": language,
            "confidence": mean_confidence(segments),
            "empty_message": _("Nothing was recognised in this stretch.") if not text else "",
        }
    )
