"""Withdrawing consent: a new record, then everything the remaining consent no longer covers is taken down at once.

Saving the record runs `facilitation.reconcile.reconcile` (stories unpublished, jobs cancelled, transcripts, exports
and recordings deleted, decided on the current consent state); this module gathers one report of what was done.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from .models import ConsentFormVersion, ConsentRecord, Participant, Scope, SubmissionPhoto
from .policy import Artefact, audit, taken_back_on_withdrawal
from .reconcile import delete_photos, reconcile
from .signals import consent_withdrawn


@dataclass
class WithdrawalReport:
    record: ConsentRecord
    withdrawn: set[str]
    actions: list[str] = field(default_factory=list)


@transaction.atomic
def withdraw_consent(
    participant: Participant,
    scopes: set[str] | None,
    *,
    given_by: str,
    actor=None,
    method: str = ConsentRecord.Method.DIGITAL,
    note: str = "",
) -> WithdrawalReport:
    """Withdraw `scopes` (None: all) for one participant, effective immediately. A child's withdrawal is a "no"."""
    previous = participant.consent_records.order_by("-recorded_at", "-id").first()
    all_scopes = {s.value for s in Scope}
    withdrawn = set(all_scopes if scopes is None else scopes) & all_scopes
    record = ConsentRecord(
        participant=participant,
        kind=ConsentRecord.Kind.WITHDRAWAL,
        form_version=previous.form_version if previous else _current_form(),
        form_language=previous.form_language if previous else participant.preferred_language,
        given_by=given_by,
        guardian_relation=previous.guardian_relation if previous else "",
        child_assent=_assent_after(participant, previous, given_by, withdrawn == all_scopes),
        publish_languages=list(previous.publish_languages) if previous else [],
        withdrawn_scopes=sorted(withdrawn),
        method=method,
        given_on=timezone.localdate(),
        review_on=previous.review_on if previous else None,
        note=note,
        recorded_by=actor if getattr(actor, "pk", None) else None,
    )
    for scope in all_scopes:
        setattr(record, scope, bool(previous and getattr(previous, scope)) and scope not in withdrawn)
    record.save()
    report = WithdrawalReport(record=record, withdrawn=withdrawn)
    audit(actor, "consent.withdraw", record, True, detail={"scopes": sorted(withdrawn), "given_by": given_by})

    # Saving the record reconciled everything depending on the participant (facilitation.reconcile).
    reconciled = getattr(record, "reconcile_report", None) or reconcile([participant], actor=actor)
    report.actions.extend(reconciled.actions)
    for _receiver, lines in consent_withdrawn.send(
        sender=Participant, participant=participant, withdrawn=withdrawn, actor=actor
    ):
        report.actions.extend(lines or [])
    if Artefact.PHOTO in taken_back_on_withdrawal(withdrawn):
        # Taking back "publish photos" on the withdrawal screen means "take my photos back": the family's photos go
        # even though archiving them alone would still be covered (policy.TAKEN_BACK_ON_WITHDRAWAL).
        report.actions.extend(
            delete_photos(SubmissionPhoto.objects.filter(submission__participants=participant).distinct(), actor)
        )
    return report


def _assent_after(participant: Participant, previous, given_by: str, everything: bool) -> str:
    if not participant.is_child:
        return ConsentRecord.Assent.NOT_APPLICABLE
    if given_by == ConsentRecord.GivenBy.PARTICIPANT and everything:
        return ConsentRecord.Assent.NO  # the child's own "no" always wins
    return previous.child_assent if previous else ConsentRecord.Assent.NO


def _current_form():
    return ConsentFormVersion.current() or ConsentFormVersion.objects.order_by("-effective_from").first()
