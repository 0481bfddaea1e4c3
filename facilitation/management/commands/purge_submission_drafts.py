"""Remove uploads of family submissions that were never finished (no consent was given for them)."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from facilitation.models import private_storage


class Command(BaseCommand):
    help = "Delete draft uploads older than --hours (default 48) from private storage."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=48)

    def handle(self, *args, hours, **options):
        storage = private_storage()
        cutoff = timezone.now() - datetime.timedelta(hours=hours)
        if not storage.exists("drafts"):
            self.stdout.write("No drafts.")
            return
        removed = 0
        for name in storage.listdir("drafts")[1]:
            path = f"drafts/{name}"
            if storage.get_modified_time(path) < cutoff:
                storage.delete(path)
                removed += 1
        self.stdout.write(self.style.SUCCESS(f"Removed {removed} abandoned draft upload(s)."))
