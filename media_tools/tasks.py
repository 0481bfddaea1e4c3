"""The Celery side of transcription: the task that runs one job, and the sweep that queues again the jobs a dead
worker left running (every minute by celery beat, and when a worker starts)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import TranscriptionJob
from .pipeline import run_job, stale_before

logger = logging.getLogger(__name__)

# A job a worker died on this many times is failed (retryable from the admin) instead of killing the next worker.
MAX_ATTEMPTS = 3


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def transcribe_recording(job_id: int) -> str:
    return run_job(job_id)


def requeue_stale_jobs() -> list[int]:
    """Jobs a dead worker left running (no heartbeat for TRANSCRIPTION_STALE_SECONDS) are queued again.

    A job that has already killed MAX_ATTEMPTS workers is failed with its reason instead (staff can retry it), so one
    bad file cannot take every worker down in turn.
    """
    requeued = []
    for job in TranscriptionJob.objects.filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before()), status=TranscriptionJob.Status.RUNNING
    ):
        silent = TranscriptionJob.objects.filter(
            Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before()),
            pk=job.pk,
            status=TranscriptionJob.Status.RUNNING,
            attempts=job.attempts,
        )
        if job.attempts >= MAX_ATTEMPTS:
            silent.update(
                status=TranscriptionJob.Status.FAILED,
                error=_("The worker stopped %(count)s times on this recording.") % {"count": job.attempts},
                finished_at=timezone.now(),
            )
            continue
        if silent.update(status=TranscriptionJob.Status.QUEUED, heartbeat_at=timezone.now()):
            logger.warning("Transcription job %s had no live worker: queued again", job.pk)
            transcribe_recording.delay(job.pk)
            requeued.append(job.pk)
    return requeued


@shared_task(ignore_result=True)
def recover_stale_jobs() -> list[int]:
    """Run every minute by celery beat: jobs left running by a dead worker are queued again."""
    return requeue_stale_jobs()


@worker_ready.connect
def pick_up_jobs_left_by_a_dead_worker(**kwargs) -> None:
    requeue_stale_jobs()
