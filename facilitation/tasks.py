"""Periodic work of the facilitation app, run by celery beat (schedule in settings.CELERY_BEAT_SCHEDULE)."""

from celery import shared_task
from django.core.management import call_command

from . import notifications


@shared_task(ignore_result=True)
def sweep_consent() -> None:
    """Expiries (review dates, 18th birthdays) happen with no request: reconcile everything that depends on consent."""
    call_command("reconcile_consent", verbosity=0)


@shared_task(ignore_result=True)
def purge_submission_drafts() -> None:
    """Family drafts nobody finished are deleted after 48 hours; stale temporary files and private files no
    record refers to (what a crash leaves) go too."""
    call_command("sweep_leftovers", verbosity=0)


@shared_task(ignore_result=True)
def send_daily_digests() -> None:
    """Each member of staff's "what needs me", by e-mail once a day (notifications.send_daily_digests)."""
    notifications.send_daily_digests()


@shared_task(ignore_result=True)
def purge_retention() -> None:
    """Recordings, transcripts and photos of families who left more than RETENTION_AFTER_LEAVING_DAYS ago."""
    call_command("purge_retention", verbosity=0)
