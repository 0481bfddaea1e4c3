"""Transcription jobs as staff and facilitation see them: start one (where the policy allows), follow it, retry it.

A job is run by a Celery worker (`media_tools.tasks`, which runs `media_tools.pipeline`). Automatic transcription of a
new recording starts in one place, `media_tools.signals` (on facilitation's `recording_added`); staff buttons call
`start_transcription` directly.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from facilitation.models import Recording
from facilitation.policy import Action, authorize

from .models import TranscriptionJob
from .pipeline import stale_before
from .tasks import transcribe_recording


class JobRefused(Exception):
    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = reasons


ALREADY_ACTIVE = _lazy("This recording is already being transcribed: follow the job that is queued or running.")


def start_transcription(
    recording: Recording, actor, *, engine: str | None = None, language: str | None = None
) -> TranscriptionJob:
    """Queue a job if the actor may start it, everyone heard consents to transcription, and no job of the recording is
    queued or running (one at a time: two would make two machine drafts). The recording's row is locked while this
    is checked, and the database refuses a second active job anyway (`one_active_job_per_recording`)."""
    decision = authorize(actor, Action.TRANSCRIBE, recording)
    if not decision:
        raise JobRefused(decision.reasons)
    try:
        with transaction.atomic():
            Recording.objects.select_for_update().filter(pk=recording.pk).first()
            if active_job(recording) is not None:
                raise JobRefused([ALREADY_ACTIVE])
            job = TranscriptionJob.objects.create(
                recording=recording,
                engine=engine or settings.WHISPER_ENGINE,
                language=language or recording.language or "auto",
                requested_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError as error:  # another request won the race
        raise JobRefused([ALREADY_ACTIVE]) from error
    # robust: a broker error must not stop later commit callbacks (they keep committed files); staff can retry.
    transaction.on_commit(lambda: enqueue(job), robust=True)
    return job


def active_job(recording: Recording) -> TranscriptionJob | None:
    """The recording's queued or running job, if there is one (there is at most one)."""
    return TranscriptionJob.objects.filter(recording=recording, status__in=TranscriptionJob.ACTIVE).first()


def enqueue(job: TranscriptionJob) -> None:
    transcribe_recording.delay(job.pk)


def is_stuck(job: TranscriptionJob) -> bool:
    """Active, but nobody is working on it: its worker died (running, silent) or its message was lost (queued)."""
    if job.status == TranscriptionJob.Status.RUNNING:
        return job.heartbeat_at is None or job.heartbeat_at < stale_before()
    if job.status == TranscriptionJob.Status.QUEUED:
        return (job.heartbeat_at or job.created_at) < stale_before()
    return False


def is_retryable(job: TranscriptionJob) -> bool:
    return job.status in (TranscriptionJob.Status.FAILED, TranscriptionJob.Status.CANCELLED) or is_stuck(job)


def retry(job: TranscriptionJob, actor) -> TranscriptionJob:
    """A failed, cancelled or stuck job can be tried again (as a new job, so the failure stays on record).

    A stuck job is first marked failed, so a worker that wakes up on it later finds it closed and stores nothing.
    """
    if job.is_active:
        with transaction.atomic():
            job = TranscriptionJob.objects.select_for_update().get(pk=job.pk)
            if not is_stuck(job):
                raise JobRefused([_("The job is still running.")])
            TranscriptionJob.objects.filter(pk=job.pk).update(
                status=TranscriptionJob.Status.FAILED,
                error=_("The worker stopped responding; the job was started again."),
                finished_at=timezone.now(),
            )
    return start_transcription(job.recording, actor, engine=job.engine, language=job.language)
