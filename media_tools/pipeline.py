"""Running one transcription job, in a Celery worker: claim it, keep its heartbeat, run the engine, ask the consent
policy again after every chunk, and store the result.

A withdrawal mid-job stops it and its partial output is discarded (segments are only written once the whole recording
is done). Starting, retrying and refusing jobs is `media_tools.jobs`; the Celery tasks and sweeps are
`media_tools.tasks`. This module imports neither.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from facilitation.models import Recording
from facilitation.policy import SYSTEM, Action, audit, authorize, may

from .engines import Cancelled, Engine, get_engine
from .models import Segment, Transcript, TranscriptionJob
from .tempfiles import local_copy

logger = logging.getLogger(__name__)

# Progress is written at most this often (seconds), so a long job does not hammer the database.
PROGRESS_INTERVAL = 1.0


def model_path_for(engine: str) -> Path:
    return Path(settings.WHISPER_OPENAI_CHECKPOINT if engine == "openai" else settings.WHISPER_MODEL_PATH)


def load_engine(engine: str) -> Engine:
    """The engine for this worker process (loaded once, then reused for every job)."""
    # Auto-detection only chooses among the programme's languages: the base model otherwise mislabels
    # Kazakh and Russian speech as other languages.
    options = {"candidate_languages": ("kk", "ru", "en")}
    if engine == "faster" and settings.WHISPER_CPU_THREADS:
        options["cpu_threads"] = settings.WHISPER_CPU_THREADS
    return get_engine(engine, model_path_for(engine), **options)


def stale_before() -> datetime:
    """A running job whose heartbeat is older than this has no live worker (the heartbeat beats while it runs)."""
    return timezone.now() - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS)


class Superseded(Exception):
    """Another worker took the job over (this one was thought dead): this run stops and stores nothing."""


def _still_allowed(job: TranscriptionJob, attempt: int) -> list[str]:
    row = TranscriptionJob.objects.filter(pk=job.pk).values_list("status", "attempts").first()
    if row is None or row[0] != TranscriptionJob.Status.RUNNING:
        return [_("The job was cancelled.")]
    if row[1] != attempt:
        raise Superseded()
    recording = Recording.objects.get(pk=job.recording_id)
    decision = may(SYSTEM, Action.TRANSCRIBE, recording)
    return [] if decision else decision.reasons


class _Heartbeat(threading.Thread):
    """Beats while the engine works (a chunk can take longer than the stale threshold), from its own connection."""

    def __init__(self, job_id: int, attempt: int):
        super().__init__(name=f"heartbeat-job-{job_id}", daemon=True)
        self.job_id, self.attempt = job_id, attempt
        self.finished = threading.Event()

    def run(self) -> None:
        try:
            while not self.finished.wait(settings.TRANSCRIPTION_HEARTBEAT_SECONDS):
                TranscriptionJob.objects.filter(
                    pk=self.job_id, status=TranscriptionJob.Status.RUNNING, attempts=self.attempt
                ).update(heartbeat_at=timezone.now())
        except Exception:  # noqa: BLE001 (a missed beat only makes the job look stale sooner)
            logger.exception("Heartbeat of job %s stopped", self.job_id)
        finally:
            connection.close()

    def stop(self) -> None:
        self.finished.set()
        self.join(timeout=10)


def _claim(job: TranscriptionJob) -> int | None:
    """Mark the job running for this worker; the attempt number is this run's claim. None: someone else has it."""
    now = timezone.now()
    free = Q(status=TranscriptionJob.Status.QUEUED) | Q(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before()), status=TranscriptionJob.Status.RUNNING
    )
    claimed = TranscriptionJob.objects.filter(free, pk=job.pk).update(
        status=TranscriptionJob.Status.RUNNING,
        progress=0.0,
        segments_done=0,
        error="",
        started_at=now,
        heartbeat_at=now,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    return TranscriptionJob.objects.values_list("attempts", flat=True).get(pk=job.pk)


def run_job(job_id: int) -> str:
    """Run one job to its end. Returns the final status.

    Safe to call again for the same job, at any time and from any number of workers: only the run that claimed the
    job last may store its transcript, so a job redelivered after a crash gives exactly one transcript.
    """
    job = TranscriptionJob.objects.select_related("recording").filter(pk=job_id).first()
    if job is None:
        return "missing"
    if job.status in (TranscriptionJob.Status.DONE, TranscriptionJob.Status.CANCELLED, TranscriptionJob.Status.FAILED):
        return job.status
    decision = authorize(SYSTEM, Action.TRANSCRIBE, job.recording, detail={"job": job.pk})
    if not decision:
        job.cancel(reason="; ".join(decision.reasons))
        return TranscriptionJob.Status.CANCELLED
    attempt = _claim(job)
    if attempt is None:  # running elsewhere (a live heartbeat), or closed meanwhile
        return TranscriptionJob.objects.values_list("status", flat=True).get(pk=job.pk)
    job.refresh_from_db()
    mine = TranscriptionJob.objects.filter(pk=job.pk, status=TranscriptionJob.Status.RUNNING, attempts=attempt)
    state = {"last_write": 0.0, "segments": 0}

    def on_progress(fraction: float, new_segments) -> bool:
        state["segments"] += len(new_segments)
        now = time.monotonic()
        if now - state["last_write"] >= PROGRESS_INTERVAL or fraction >= 1.0:
            state["last_write"] = now
            mine.update(progress=min(fraction, 1.0), segments_done=state["segments"], heartbeat_at=timezone.now())
        try:
            reasons = _still_allowed(job, attempt)
        except Superseded:
            state["superseded"] = True
            return False
        if reasons:
            state["reasons"] = reasons
            return False
        return True

    language = None if job.language in ("", "auto") else job.language
    heartbeat = _Heartbeat(job.pk, attempt)
    heartbeat.start()
    try:
        engine = load_engine(job.engine)
        # A path for the decoder: the local folder's own, or a copy from the bucket removed when the block ends.
        with local_copy(job.recording.file.storage, job.recording.file.name, prefix=f"sbg-job-{job.pk}-") as audio:
            result = engine.transcribe(str(audio), language=language, on_progress=on_progress)
    except Cancelled:
        if state.get("superseded"):
            return TranscriptionJob.objects.values_list("status", flat=True).get(pk=job.pk)
        reasons = state.get("reasons") or [_("Cancelled.")]
        job.cancel(reason="; ".join(str(r) for r in reasons))  # no-op if already cancelled
        audit(SYSTEM, "transcription.discarded", job.recording, True, detail={"job": job.pk})
        return TranscriptionJob.Status.CANCELLED
    except Exception as error:  # a clear failed state, retryable from the admin
        logger.exception("Transcription job %s failed", job.pk)
        mine.update(
            status=TranscriptionJob.Status.FAILED, error=f"{type(error).__name__}: {error}", finished_at=timezone.now()
        )
        return TranscriptionJob.Status.FAILED
    finally:
        heartbeat.stop()
    return _store_result(job, result, attempt)


@transaction.atomic
def _store_result(job: TranscriptionJob, result, attempt: int) -> str:
    # The job row is locked: a second worker on the same job waits here, then finds it done (or not its own).
    current = TranscriptionJob.objects.select_for_update().get(pk=job.pk)
    if current.attempts != attempt or Transcript.objects.filter(job=job).exists():
        return current.status
    # One last consent check, inside the transaction that writes the transcript.
    if _still_allowed(job, attempt):
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
        confidence=result.confidence,
        guard_events=result.guard_events,
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
            avg_logprob=s.avg_logprob,
            no_speech_prob=s.no_speech_prob,
            kind=s.kind,
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
