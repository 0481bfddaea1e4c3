from celery import shared_task
from celery.signals import worker_ready


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def transcribe_recording(job_id: int) -> str:
    from .jobs import run_job

    return run_job(job_id)


@worker_ready.connect
def pick_up_jobs_left_by_a_dead_worker(**kwargs) -> None:
    from .jobs import recover_stale_jobs

    recover_stale_jobs()
