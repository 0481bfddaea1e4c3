"""The transcription pipeline as jobs: queued by the admin (or a family submission), run by a Celery worker.

Before starting and after every chunk, a job asks the consent policy again: a withdrawal mid-job stops it and its
partial output is discarded (segments are only written once the whole recording is done).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilitation.models import Recording
from facilitation.policy import SYSTEM, Action, audit, authorize, may

from .models import Segment, Transcript, TranscriptionJob

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds), so a long job does not hammer the database.
PROGRESS_INTERVAL = 1.0


class JobRefused(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons


def model_path_for(engine: str) -> Path:
    return Path(settings.WHISPER_OPENAI_CHECKPOINT if engine == "openai" else settings.WHISPER_MODEL_PATH)


def load_engine(engine: str):
    """The engine for this worker process (loaded once, then reused for every job)."""
    from .engines import get_engine

    # Auto-detection only chooses among the programme's languages: the base model otherwise mislabels
    # Kazakh and Russian speech as other languages.
    options = {"candidate_languages": ("kk", "ru", "en")}
    if engine == "faster" and settings.WHISPER_CPU_THREADS:
        options["cpu_threads"] = settings.WHISPER_CPU_THREADS
    return get_engine(engine, model_path_for(engine), **options)


def start_transcription(
    recording: Recording, actor, *, engine: str | None = None, language: str | None = None
) -> TranscriptionJob:
    """Queue a job if the actor may start it and everyone heard consents to transcription."""
    decision = authorize(actor, Action.TRANSCRIBE, recording)
    if not decision:
        raise JobRefused(decision.reasons)
    job = TranscriptionJob.objects.create(
        recording=recording,
        engine=engine or settings.WHISPER_ENGINE,
        language=language or recording.language or "auto",
        requested_by=actor if getattr(actor, "pk", None) else None,
    )
    transaction.on_commit(lambda: enqueue(job))
    return job


def enqueue(job: TranscriptionJob) -> None:
    from .tasks import transcribe_recording

    transcribe_recording.delay(job.pk)


def retry(job: TranscriptionJob, actor) -> TranscriptionJob:
    """A failed or cancelled job can be tried again (as a new job, so the failure stays on record)."""
    return start_transcription(job.recording, actor, engine=job.engine, language=job.language)


def _still_allowed(job: TranscriptionJob) -> list[str]:
    status = TranscriptionJob.objects.filter(pk=job.pk).values_list("status", flat=True).first()
    if status != TranscriptionJob.Status.RUNNING:
        return [_("The job was cancelled.")]
    recording = Recording.objects.get(pk=job.recording_id)
    decision = may(SYSTEM, Action.TRANSCRIBE, recording)
    return [] if decision else decision.reasons


def run_job(job_id: int) -> str:
    """Run one job to its end. Returns the final status. Safe to call again for the same job after a crash."""
    from .engines import Cancelled

    job = TranscriptionJob.objects.select_related("recording").filter(pk=job_id).first()
    if job is None:
        return "missing"
    if job.status in (TranscriptionJob.Status.DONE, TranscriptionJob.Status.CANCELLED, TranscriptionJob.Status.FAILED):
        return job.status
    decision = authorize(SYSTEM, Action.TRANSCRIBE, job.recording, detail={"job": job.pk})
    if not decision:
        job.cancel(reason="; ".join(decision.reasons))
        return TranscriptionJob.Status.CANCELLED
    TranscriptionJob.objects.filter(pk=job.pk).update(
        status=TranscriptionJob.Status.RUNNING,
        progress=0.0,
        segments_done=0,
        error="",
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        attempts=job.attempts + 1,
    )
    job.refresh_from_db()
    state = {"last_write": 0.0, "segments": 0}

    def on_progress(fraction: float, new_segments) -> bool:
        import time

        state["segments"] += len(new_segments)
        now = time.monotonic()
        if now - state["last_write"] >= PROGRESS_INTERVAL or fraction >= 1.0:
            state["last_write"] = now
            TranscriptionJob.objects.filter(pk=job.pk).update(
                progress=min(fraction, 1.0), segments_done=state["segments"], heartbeat_at=timezone.now()
            )
        reasons = _still_allowed(job)
        if reasons:
            state["reasons"] = reasons
            return False
        return True

    language = None if job.language in ("", "auto") else job.language
    try:
        engine = load_engine(job.engine)
        result = engine.transcribe(job.recording.file.path, language=language, on_progress=on_progress)
    except Cancelled:
        reasons = state.get("reasons") or [_("Cancelled.")]
        job.cancel(reason="; ".join(str(r) for r in reasons))  # no-op if already cancelled
        audit(SYSTEM, "transcription.discarded", job.recording, True, detail={"job": job.pk})
        return TranscriptionJob.Status.CANCELLED
    except Exception as error:  # a clear failed state, retryable from the admin
        logger.exception("Transcription job %s failed", job.pk)
        TranscriptionJob.objects.filter(pk=job.pk).update(
            status=TranscriptionJob.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        return TranscriptionJob.Status.FAILED
    return _store_result(job, result)


@transaction.atomic
def _store_result(job: TranscriptionJob, result) -> str:
    # One last consent check, inside the transaction that writes the transcript.
    if _still_allowed(job):
        job.cancel(reason=_("Consent changed before the transcript was saved."))
        return TranscriptionJob.Status.CANCELLED
    revision = (
        Transcript.objects.filter(recording=job.recording)
        .order_by("-revision")
        .values_list("revision", flat=True)
        .first()
        or 0
    ) + 1
    transcript = Transcript.objects.create(
        recording=job.recording,
        job=job,
        revision=revision,
        is_machine_draft=True,
        engine=result.engine,
        model_name=result.model_name,
        model_checksum=result.model_checksum,
        language=result.language or "",
        engine_settings=result.settings,
        timings=result.timings,
    )
    Segment.objects.bulk_create(
        Segment(
            transcript=transcript,
            index=i,
            start=s.start,
            end=s.end,
            text=s.text.strip(),
            language=s.language or "",
            confidence=s.confidence,
            words=[{"start": w.start, "end": w.end, "text": w.text, "p": w.probability} for w in s.words],
        )
        for i, s in enumerate(result.segments)
    )
    TranscriptionJob.objects.filter(pk=job.pk).update(
        status=TranscriptionJob.Status.DONE,
        progress=1.0,
        segments_done=len(result.segments),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    return TranscriptionJob.Status.DONE


def recover_stale_jobs() -> list[int]:
    """Jobs a dead worker left behind (running without progress, or queued but lost) are queued again."""
    stale = timezone.now() - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS)
    running = TranscriptionJob.objects.filter(status=TranscriptionJob.Status.RUNNING, heartbeat_at__lt=stale)
    ids = list(running.values_list("pk", flat=True))
    running.update(status=TranscriptionJob.Status.QUEUED)
    for job in TranscriptionJob.objects.filter(pk__in=ids):
        enqueue(job)
    return ids
