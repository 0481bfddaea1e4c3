"""Remove what crashes and abandoned work left behind (run by `run_platform` at start-up and by celery beat)."""

from datetime import timedelta

from django.core.management import call_command
from django.core.management.base import BaseCommand

from media_tools.leftovers import sweep_leftovers


class Command(BaseCommand):
    help = (
        "Delete stale temporary upload files under FILE_UPLOAD_TEMP_DIR, abandoned family drafts and private files "
        "that no record refers to."
    )

    def add_arguments(self, parser):
        parser.add_argument("--temp-minutes", type=float, default=15, help="age of a stale temporary file")
        parser.add_argument("--orphan-minutes", type=float, default=60, help="age of an unreferenced private file")
        parser.add_argument(
            "--draft-hours",
            type=float,
            default=None,
            help="age of an abandoned family draft (default SUBMISSION_DRAFT_HOURS)",
        )

    def handle(self, *args, temp_minutes, orphan_minutes, draft_hours, verbosity, **options):
        report = sweep_leftovers(temp_age=timedelta(minutes=temp_minutes), orphan_age=timedelta(minutes=orphan_minutes))
        call_command("purge_submission_drafts", hours=draft_hours, verbosity=verbosity, stdout=self.stdout)
        if verbosity:
            self.stdout.write(
                f"Removed {len(report.temp_removed)} temporary file(s) and "
                f"{len(report.orphans_removed)} unreferenced private file(s)."
            )
