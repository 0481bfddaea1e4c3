"""The consent sweep: reconcile everything with the current consent state (celery beat runs it every night)."""

from django.core.management.base import BaseCommand

from facilitation.models import Participant
from facilitation.reconcile import reconcile


class Command(BaseCommand):
    help = (
        "Take down whatever the current consent no longer covers (stories, jobs, transcripts, exports, files). "
        "Catches expiries: review dates passed, 18th birthdays reached."
    )

    def add_arguments(self, parser):
        parser.add_argument("--participant", action="append", type=int, help="Only these participant ids.")

    def handle(self, *args, **options):
        ids = options.get("participant")
        people = list(Participant.objects.filter(pk__in=ids)) if ids else None
        report = reconcile(people, reason="consent sweep")
        for line in report.actions:
            self.stdout.write(line)
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"Consent reconciled: {len(report.actions)} action(s)."))
