"""Remove uploads of family submissions that were never finished (no consent was given for them), and resumable
uploads nobody finished sending (facilitation.families.uploads)."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from facilitation.families.uploads import sweep_abandoned_uploads
from facilitation.models import private_storage


class Command(BaseCommand):
    help = "Delete draft uploads older than --hours (default SUBMISSION_DRAFT_HOURS, 48) from private storage."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=float, default=None)
        parser.add_argument("--upload-hours", type=float, default=None, help="age of an untouched unfinished upload")

    def handle(self, *args, hours, upload_hours=None, **options):
        swept = sweep_abandoned_uploads(None if upload_hours is None else datetime.timedelta(hours=upload_hours))
        self.stdout.write(f"Removed {swept} unfinished upload(s).")
        storage = private_storage()
        hours = settings.SUBMISSION_DRAFT_HOURS if hours is None else hours
        cutoff = timezone.now() - datetime.timedelta(hours=hours)
        try:  # a bucket has no folders: "drafts" never "exists" there, but its objects can be listed
            drafts = storage.listdir("drafts")[1]
        except FileNotFoundError:
            drafts = []
        if not drafts:
            self.stdout.write("No drafts.")
            return
        removed = 0
        for name in drafts:
            path = f"drafts/{name}"
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed += 1
        self.stdout.write(self.style.SUCCESS(f"Removed {removed} abandoned draft upload(s)."))
