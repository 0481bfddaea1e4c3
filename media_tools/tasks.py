from celery import shared_task
from celery.signals import worker_ready


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def transcribe_recording(job_id: int) -> str:
    from .jobs import run_job

    return run_job(job_id)


@shared_task(ignore_result=True)
def recover_stale_jobs() -> list[int]:
    """Run every minute by celery beat: jobs left running by a dead worker are queued again."""
    from .jobs import recover_stale_jobs as recover

    return recover()


@worker_ready.connect
def pick_up_jobs_left_by_a_dead_worker(**kwargs) -> None:
    from .jobs import recover_stale_jobs as recover

    recover()
