"""One reconciliation: after any change of consent, take down whatever the current consent state no longer covers.

`reconcile()` is the only way things come down for consent. It runs
- when any consent record is saved (a grant, a narrowing, a withdrawal), inside the same transaction;
- when the people heard in a recording or named in a family submission change;
- from the `reconcile_consent` management command, which celery beat runs as `facilitation.tasks.sweep_consent`,
  for everyone: expiries (a review date passed, an 18th birthday reached) happen with no request at all;
- from `withdraw_consent`, whose report lists what was done.

Every decision is the policy's, on the *current* state, never on which scopes a change named: stories (stories app)
and transcription jobs, transcripts and exports (media_tools) answer the `consent_changed` signal; this module deletes
the recordings' audio (someone heard said no to recording or archiving), their public copies (no longer allowed to be
heard) and family photos (someone in the submission said no to archiving).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.utils.translation import gettext as _

from .excerpts import purge_uncovered_excerpts
from .models import (
    ConsentRecord,
    Participant,
    Recording,
    StorySession,
    Submission,
    SubmissionPhoto,
    private_storage,
)
from .policy import Artefact, audit, keeping_recording_refused, must_take_down, needs, people_ids_of, recording_consent
from .signals import consent_changed, session_saved


@dataclass
class ReconcileReport:
    participants: list[int] | None
    actions: list[str] = field(default_factory=list)


@transaction.atomic
def reconcile(participants: Iterable[Participant] | None = None, *, actor=None, reason: str = "") -> ReconcileReport:
    """Re-evaluate everything depending on `participants` (None: everyone) and take down what is no longer covered."""
    people = None if participants is None else list({p.pk: p for p in participants}.values())
    report = ReconcileReport(participants=None if people is None else [p.pk for p in people])
    if people == []:
        return report
    # Recordings first: the receivers then decide on the state after it (a job on audio just deleted stops too).
    report.actions.extend(_purge_recordings(people, actor))
    report.actions.extend(_purge_photos(people, actor))
    report.actions.extend(purge_uncovered_excerpts(people, actor))  # excerpts: copies of transcripts, with audio
    for _receiver, lines in consent_changed.send(sender=Participant, participants=people, actor=actor, reason=reason):
        report.actions.extend(lines or [])
    return report


def _recordings_of(people: list[Participant] | None):
    recordings = Recording.objects.filter(deleted_at__isnull=True).exclude(file="")
    if people is not None:
        recordings = recordings.filter(speakers__in=people).distinct()
    return recordings.select_related("family__site__region")


def _purge_recordings(people: list[Participant] | None, actor) -> list[str]:
    lines = []
    storage = private_storage()
    for recording in _recordings_of(people):
        refused = keeping_recording_refused(recording)
        if refused:
            recording.purge_file(reason="consent withdrawn")
            audit(actor, "recording.delete", recording, True, refused, detail={"reason": "consent withdrawn"})
            lines.append(_("Recording #%(id)s deleted.") % {"id": recording.pk})
            continue
        copy = recording.published_copy_name()
        if storage.exists(copy) and recording_consent(recording, needs(Artefact.PUBLIC_AUDIO_COPY)):
            storage.delete(copy)
            audit(actor, "recording.delete_published_copy", recording, True, detail={"reason": "consent changed"})
            lines.append(_("Published copy of recording #%(id)s deleted.") % {"id": recording.pk})
    return lines


def _purge_photos(people: list[Participant] | None, actor) -> list[str]:
    """A family's photos are archive material: kept only while everyone in the submission consents to archiving.

    Publishing a photo is a separate matter (the story page and its images go down with the page).
    """
    lines = []
    submissions = Submission.objects.filter(photos__isnull=False)
    if people is not None:
        submissions = submissions.filter(participants__in=people)
    for submission in submissions.distinct().prefetch_related("participants"):
        if not must_take_down(Artefact.PHOTO, submission.participants.all()):
            continue
        lines.extend(delete_photos(SubmissionPhoto.objects.filter(submission=submission), actor))
    return lines


def delete_photos(photos, actor) -> list[str]:
    lines = []
    for photo in photos:
        photo_id = photo.pk
        audit(actor, "photo.delete", photo, True, detail={"photo": photo_id, "reason": "consent withdrawn"})
        photo.delete()
        lines.append(_("Photo #%(id)s deleted.") % {"id": photo_id})
    return lines


# --- When it runs --------------------------------------------------------------------------------------------------

_batch = threading.local()


@contextmanager
def batched(*, actor=None, reason: str = "") -> Iterator[None]:
    """Changes made inside run ONE reconciliation at the end, for everyone they touched.

    For code that writes many consent records, speakers and people at once (a family's submission): without it each
    write reconciles on its own, all while the transaction holds the database's write lock. Nothing is reconciled if
    the block raises (its transaction rolls back). Nested batches join the outermost one.
    """
    if getattr(_batch, "people", None) is not None:
        yield
        return
    _batch.people = {}
    try:
        yield
        people = list(_batch.people.values())
    finally:
        _batch.people = None
    reconcile(people, actor=actor, reason=reason)


def _reconcile_or_defer(people: list[Participant], *, actor=None, reason: str = "") -> ReconcileReport | None:
    pending = getattr(_batch, "people", None)
    if pending is None:
        return reconcile(people, actor=actor, reason=reason)
    pending.update({p.pk: p for p in people})
    return None


@receiver(post_save, sender=ConsentRecord, dispatch_uid="sbg_reconcile_on_consent")
def reconcile_on_consent(sender, instance: ConsentRecord, created: bool, raw: bool = False, **kwargs) -> None:
    """Any new record (grant, narrowing, withdrawal) takes effect at once; the report rides on the instance."""
    if raw or not created:
        return
    instance.reconcile_report = _reconcile_or_defer(
        [instance.participant], actor=instance.recorded_by, reason=f"consent record #{instance.pk}"
    )


@receiver(m2m_changed, sender=Recording.speakers.through, dispatch_uid="sbg_reconcile_on_speakers")
def reconcile_on_speakers(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if reverse:  # participant.recordings.add(...): the participant changed
        _reconcile_or_defer([instance], reason="speakers changed")
        return
    _reconcile_or_defer(list(instance.speakers.all()), reason=f"speakers of recording #{instance.pk} changed")


@receiver(m2m_changed, sender=Submission.participants.through, dispatch_uid="sbg_reconcile_on_submission_people")
def reconcile_on_submission_people(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    people = [instance] if reverse else list(instance.participants.all())
    _reconcile_or_defer(people, reason="people of a family submission changed")


@receiver(session_saved, dispatch_uid="sbg_reconcile_on_session")
def reconcile_on_session(sender, instance: StorySession, **kwargs) -> None:
    """Attendees and pairs are a story's source too: after they are written, not at post_save."""
    people = Participant.objects.filter(pk__in=people_ids_of("facilitation.storysession", instance.pk))
    _reconcile_or_defer(list(people), reason=f"session #{instance.pk} saved")


@receiver(post_save, sender=Participant, dispatch_uid="sbg_reconcile_on_participant")
def reconcile_on_participant(sender, instance: Participant, created: bool, raw: bool = False, **kwargs) -> None:
    """A corrected birth year or role changes what the participant's consent is worth."""
    if raw or created:
        return
    _reconcile_or_defer([instance], reason=f"participant {instance.code} changed")
