"""The families' submission as a draft in the visitor's session, then one atomic step that stores it all.

Uploaded audio is checked (intake) and kept in private storage under drafts/ until the family gives consent; a draft
that is never finished is removed by `purge_submission_drafts`. Nothing is created in the programme's records before
the consent step succeeds, and an error at that step rolls everything back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from media_tools.audio import sniff_audio
from media_tools.images import clean_image
from media_tools.intake import check_upload

from ..models import (
    ConsentFormVersion,
    ConsentRecord,
    Invitation,
    Participant,
    Recording,
    Scope,
    Submission,
    SubmissionPhoto,
    private_storage,
)
from ..policy import SYSTEM, Action, may
from ..reconcile import batched
from ..signals import recording_added

SESSION_KEY = "sbg_family_draft"


def load_draft(request, invitation: Invitation) -> dict:
    draft = request.session.get(SESSION_KEY)
    if not draft or draft.get("invitation") != invitation.pk:
        draft = {"invitation": invitation.pk, "existing": [], "new": [], "audio": [], "photos": [], "story": {}}
    return draft


def save_draft(request, draft: dict) -> None:
    request.session[SESSION_KEY] = draft
    request.session.modified = True
    if not request.user.is_authenticated:
        # A family may pause for a day or two: the draft lives as long as its files are kept, not staff's idle limit
        # (SESSION_COOKIE_AGE). Never for a signed-in session (two_factor.TwoFactorMiddleware keeps those short).
        request.session.set_expiry(int(settings.SUBMISSION_DRAFT_HOURS * 3600))


def store_draft_audio(uploaded) -> dict:
    """Check an uploaded file is real audio within the limits, and keep it in private storage as a draft."""
    info = check_upload(uploaded)
    name = private_storage().save(f"drafts/{uuid.uuid4().hex}.{info.suggested_extension}", uploaded)
    return _draft_item(name, info)


def store_draft_audio_path(path) -> dict:
    """The same for a file that arrived in pieces (families.uploads): checked whole, then kept as a draft."""
    info = sniff_audio(
        path,
        max_bytes=settings.AUDIO_MAX_BYTES,
        max_seconds=settings.AUDIO_MAX_SECONDS,
        min_seconds=settings.AUDIO_MIN_SECONDS,
    )
    with open(path, "rb") as handle:
        name = private_storage().save(f"drafts/{uuid.uuid4().hex}.{info.suggested_extension}", File(handle))
    return _draft_item(name, info)


def _draft_item(name: str, info) -> dict:
    return {
        "path": name,
        "format": info.format,
        "codec": info.codec,
        "duration": round(info.duration, 1),
        "size": info.size,
        "sha256": info.sha256,
    }


def store_draft_photo(uploaded) -> dict:
    clean = clean_image(uploaded, max_bytes=settings.IMAGE_MAX_BYTES, max_pixels=settings.IMAGE_MAX_PIXELS)
    name = private_storage().save(f"drafts/{uuid.uuid4().hex}.jpg", ContentFile(clean.data))
    return {"path": name, "width": clean.width, "height": clean.height}


def drop_missing_files(draft: dict) -> bool:
    """Take out of the draft the files the purge of abandoned drafts removed (`purge_submission_drafts`, 48 hours),
    while the session that lists them lasts longer: True when one was missing (the family must send it again)."""
    storage = private_storage()
    missing = False
    for kind in ("audio", "photos"):
        kept = [item for item in draft.get(kind, []) if storage.exists(item["path"])]
        missing = missing or len(kept) != len(draft.get(kind, []))
        draft[kind] = kept
    return missing


def discard_draft_files(draft: dict) -> None:
    storage = private_storage()
    for item in draft.get("audio", []) + draft.get("photos", []):
        if storage.exists(item["path"]):
            storage.delete(item["path"])


def people(draft: dict, invitation: Invitation) -> list[dict]:
    """Everyone in the story: registered participants and the new ones, with a stable key for the consent forms."""
    found = {str(p.pk): p for p in invitation.family.participants.filter(pk__in=draft["existing"])}
    result = [
        {"key": f"p{pk}", "participant": p, "role": p.role, "label": p.get_role_display(), "code": p.code}
        for pk, p in found.items()
    ]
    for index, person in enumerate(draft["new"]):
        label = dict(Participant.Role.choices).get(person["role"], person["role"])
        result.append(
            {
                "key": f"n{index}",
                "participant": None,
                "role": person["role"],
                "label": f"{label} {person['name']}".strip(),
                "new": person,
                "code": "",
            }
        )
    return result


@dataclass
class Receipt:
    reference: str
    withdrawal_key: str
    codes: list[str]
    transcribing: bool  # everyone heard consented: transcribed once a facilitator accepts the submission


@transaction.atomic
def complete(invitation: Invitation, draft: dict, consents: dict[str, dict]) -> Receipt:
    """Create participants, consent records, recordings, photos and the submission; use up the invitation.

    Everything is reconciled once, at the end (`reconcile.batched`), not after each record.
    """
    with batched(reason="family submission"):
        return _complete(invitation, draft, consents)


def _complete(invitation: Invitation, draft: dict, consents: dict[str, dict]) -> Receipt:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_open:
        raise PermissionError("invitation no longer open")
    form_version = ConsentFormVersion.current()
    story = draft["story"]
    submission = Submission(
        invitation=invitation,
        family=invitation.family,
        title=story.get("title", ""),
        description=story.get("description", ""),
        language=story.get("language", "kk"),
    )
    key = submission.issue_secrets()
    submission.save()
    participants = []
    for person in people(draft, invitation):
        participant = person["participant"]
        if participant is None:
            participant = Participant.objects.create(
                family=invitation.family,
                role=person["role"],
                age_band=person["new"]["age_band"],
                real_name=person["new"]["name"],
                preferred_language=story.get("language", "kk"),
            )
        consent = consents[person["key"]]
        is_child = participant.is_child
        ConsentRecord.objects.create(
            participant=participant,
            form_version=form_version,
            form_language=consent["language"],
            given_by=ConsentRecord.GivenBy.GUARDIAN if is_child else ConsentRecord.GivenBy.PARTICIPANT,
            guardian_relation=consent.get("guardian_relation", ""),
            child_assent=consent.get("child_assent", "n/a") if is_child else ConsentRecord.Assent.NOT_APPLICABLE,
            publish_languages=consent.get("publish_languages", []),
            method=ConsentRecord.Method.DIGITAL,
            review_on=participant.eighteenth_birthday() or (timezone.localdate() + timezone.timedelta(days=5 * 365)),
            note="family submission " + submission.reference,
            **{scope.value: bool(consent.get(scope.value)) for scope in Scope},
        )
        participants.append(participant)
    submission.participants.set(participants)
    recordings = []
    for item in draft["audio"]:
        recording = Recording(
            family=invitation.family,
            session=invitation.session,
            source=Recording.Source.FAMILY,
            submission=submission,
            title=story.get("title", ""),
            language=story.get("language", "auto"),
            original_format=item["format"],
            codec=item["codec"],
            duration_seconds=item["duration"],
            size_bytes=item["size"],
            checksum=item["sha256"],
        )
        _move_from_drafts(recording.file, item["path"], f"upload.{item['format']}")
        recording.save()
        recording.speakers.set(participants)
        recordings.append(recording)
    for item in draft["photos"]:
        photo = SubmissionPhoto(submission=submission, width=item["width"], height=item["height"])
        _move_from_drafts(photo.image, item["path"], "photo.jpg")
        photo.save()
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    # Nothing is transcribed before a facilitator has accepted the submission (submission_review.accept): whoever
    # used the link, the people and the recordings are checked by someone who knows the family first.
    transcribing = any(may(SYSTEM, Action.TRANSCRIBE, recording) for recording in recordings)
    return Receipt(submission.reference, key, [p.code for p in participants], transcribing)


def _move_from_drafts(fieldfile, draft_path: str, name: str) -> None:
    """Out of drafts/ (which is swept for abandoned uploads) into the model's own place in private storage."""
    storage = private_storage()
    with storage.open(draft_path, "rb") as handle:
        fieldfile.save(name, handle, save=False)
    # robust: a failing clean-up must not stop the callbacks after it (they keep the committed files, see storage.py).
    transaction.on_commit(lambda: storage.delete(draft_path) if storage.exists(draft_path) else None, robust=True)


def announce_recordings(recordings: list[Recording]) -> bool:
    """Send `recording_added` for each accepted recording: media_tools transcribes it by itself only where everyone
    heard consented to it. True when transcription started for any of them."""
    started = False
    for recording in recordings:
        responses = recording_added.send(sender=Recording, recording=recording, actor=SYSTEM)
        started = any(response for _receiver, response in responses) or started
    return started
