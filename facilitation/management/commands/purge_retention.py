"""Delete the recordings, transcripts and photos of families who left the programme longer ago than
RETENTION_AFTER_LEAVING_DAYS (celery beat runs it daily: facilitation.tasks.purge_retention)."""

from django.conf import settings
from django.core.management.base import BaseCommand

from facilitation.retention import purge_due


class Command(BaseCommand):
    help = (
        "Delete recordings (files and rows), transcripts and photos of families who left the programme more than "
        "RETENTION_AFTER_LEAVING_DAYS ago; stories built from them go offline. Audited; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only say what would be deleted.")

    def handle(self, *args, **options):
        dry_run = options["dry_run"]
        reports = purge_due(dry_run=dry_run)
        for report in reports:
            for line in report.lines:
                self.stdout.write(line)
        if options["verbosity"]:
            recordings = sum(r.recordings for r in reports)
            photos = sum(r.photos for r in reports)
            verb = "would be deleted" if dry_run else "deleted"
            self.stdout.write(
                self.style.SUCCESS(
                    f"Retention ({settings.RETENTION_AFTER_LEAVING_DAYS} days after leaving): {len(reports)} "
                    f"family(ies), {recordings} recording(s) and {photos} photo(s) {verb}."
                )
            )
