"""Subject-access export: everything held about one family, as a zip of JSON and their own files (audited)."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from facilitation.subject_access import FamilyNotFound, export_family, family_by_code


class Command(BaseCommand):
    help = (
        "Write everything the platform holds about one family (people with real names, consent records, sessions, "
        "recordings, transcripts, submissions, stories, audit events, and their own files) to a zip. Other families' "
        "data is never included. The export is written to the audit log."
    )

    def add_arguments(self, parser):
        parser.add_argument("family", help="The family's code, e.g. AKT-014.")
        parser.add_argument("--output", required=True, help="Where to write the zip (written atomically).")
        parser.add_argument("--by", help="Username of the administrator who asked for it (for the audit log).")

    def handle(self, *args, **options):
        try:
            family = family_by_code(options["family"])
        except FamilyNotFound as error:
            raise CommandError(f"No family with the code {options['family']}.") from error
        actor = None
        if options.get("by"):
            actor = get_user_model().objects.filter(username=options["by"]).first()
            if actor is None:
                raise CommandError(f"No user {options['by']}.")
        output = Path(options["output"]).resolve()
        try:
            manifest = export_family(family, output, actor=actor)
        except PermissionError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(f"{family.code}: {len(manifest['files'])} file(s) exported to {output}.")
            )
