"""Retention: a family that left the programme keeps its recordings, transcripts and photos for
RETENTION_AFTER_LEAVING_DAYS, then they are deleted (`manage.py purge_retention`, daily from celery beat).

It goes through the same path as a withdrawal: `reconcile()` first, for the family's people, so every story built
from their material goes offline with a page-history entry (the policy refuses a story whose people's family is past
its retention: `policy.retention_passed`) and its images go with it; then media_tools deletes transcripts, exports
and jobs (`recordings_purging`), the audio files and the recording rows are deleted, and the family's photos.
A recording row a story page still names as its source (the page's provenance, kept offline) stays as an empty
tombstone: no file, no title, "retention period passed" as its reason. Consent records stay: they are the proof
of what was agreed. Every deletion is in the audit log; running it again does nothing more.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Family, Recording, SubmissionPhoto
from .policy import SYSTEM, audit
from .reconcile import delete_photos, reconcile
from .signals import recordings_purging

REASON = "retention period passed"


@dataclass
class PurgeReport:
    family: Family
    recordings: int = 0
    photos: int = 0
    lines: list[str] = field(default_factory=list)


def families_due(on: datetime.date | None = None):
    """Families whose retention period has passed (the SQL form of `policy.retention_passed`)."""
    on = on or timezone.localdate()
    cutoff = on - datetime.timedelta(days=settings.RETENTION_AFTER_LEAVING_DAYS)
    return Family.objects.filter(left_on__isnull=False, left_on__lt=cutoff).select_related("site__region")


def recordings_of(family: Family):
    """Recordings the family is in (theirs, or anyone of theirs heard), not yet reduced to a retention tombstone."""
    return (
        Recording.objects.filter(Q(family=family) | Q(speakers__family=family))
        .exclude(deletion_reason=REASON, file="")
        .distinct()
        .select_related("family__site__region")
    )


def photos_of(family: Family):
    return SubmissionPhoto.objects.filter(
        Q(submission__family=family) | Q(submission__participants__family=family)
    ).distinct()


def purge_family(family: Family, *, actor=None, dry_run: bool = False) -> PurgeReport:
    actor = actor or SYSTEM
    recordings = list(recordings_of(family))
    photos = list(photos_of(family))
    report = PurgeReport(family=family, recordings=len(recordings), photos=len(photos))
    if dry_run:
        report.lines.append(
            _("%(family)s: %(recordings)s recording(s) and %(photos)s photo(s) would be deleted.")
            % {"family": family.code, "recordings": len(recordings), "photos": len(photos)}
        )
        for _receiver, lines in recordings_purging.send(
            sender=Family, family=family, recordings=recordings, actor=actor, dry_run=True
        ):
            report.lines.extend(lines or [])
        return report
    with transaction.atomic():
        people = list(family.participants.all())
        # Stories built from their material go offline first, while the recordings they name still exist.
        report.lines.extend(reconcile(people, actor=actor, reason=REASON).actions)
        for _receiver, lines in recordings_purging.send(
            sender=Family, family=family, recordings=recordings, actor=actor, dry_run=False
        ):
            report.lines.extend(lines or [])
        for recording in recordings:
            report.lines.append(_purge_recording(recording, family, actor))
        report.lines.extend(delete_photos(photos, actor))
        if recordings or photos:
            audit(
                actor,
                "family.retention_purge",
                family,
                True,
                detail={"recordings": len(recordings), "photos": len(photos), "left_on": str(family.left_on)},
            )
    return report


def _purge_recording(recording: Recording, family: Family, actor) -> str:
    recording_id = recording.pk
    audit(actor, "family.retention_purge", recording, True, detail={"family": family.code, "reason": REASON})
    recording.purge_file(reason=REASON)
    try:
        with transaction.atomic():
            recording.delete()
    except ProtectedError:
        # A story page names it as its source: the row stays as an empty tombstone of that provenance.
        Recording.objects.filter(pk=recording_id).update(title="")
        return _("Recording #%(id)s: audio deleted (kept as the source of an offline story).") % {"id": recording_id}
    return _("Recording #%(id)s deleted.") % {"id": recording_id}


def purge_due(*, on: datetime.date | None = None, actor=None, dry_run: bool = False) -> list[PurgeReport]:
    return [purge_family(family, actor=actor, dry_run=dry_run) for family in families_due(on)]
