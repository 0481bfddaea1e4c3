"""A subject-access export: everything the platform holds about one family, as a zip of JSON and their own files.

What goes in is what is *about them*: the family, its people (real names included: it is their own data), every
consent record with its evidence, the sessions they attended as far as they concern them, their recordings and
submissions with their files, observation ratings of their children, safeguarding concerns about their children only,
and the audit events about any of it. Other families' data never goes in: a session's free text or a concern's note
is included only when everyone it is about belongs to this family, a recording's audio only when everyone heard in it
does, and other people are never named. media_tools (transcripts) and stories (stories built from their material)
add their parts through the `subject_access_requested` signal, so the dependencies keep running one way.

Files are read through the private storage API (`storage.open`, which works for the local folder and the S3 bucket
alike) and the zip is written to a temporary file beside the destination, then renamed: a half-written export never
exists under the requested name. Every export is written to the audit log (`family.export`).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import (
    AuditEvent,
    Concern,
    ConsentRecord,
    Family,
    Invitation,
    ObservationRating,
    Recording,
    StorySession,
    Submission,
)
from .policy import SYSTEM, Action, audit, may
from .signals import subject_access_requested

FORMAT_VERSION = 1


class FamilyNotFound(LookupError):
    pass


def family_by_code(code: str) -> Family:
    """`AKT-014` (region code and number, as printed everywhere) to the family; FamilyNotFound otherwise."""
    region, _sep, number = code.strip().upper().rpartition("-")
    if not region or not number.isdigit():
        raise FamilyNotFound(code)
    family = Family.objects.select_related("site__region").filter(site__region__code=region, number=int(number)).first()
    if family is None:
        raise FamilyNotFound(code)
    return family


@dataclass
class SubjectAccessBundle:
    """What an export holds: JSON sections by name, and files (read from their storage when the zip is written)."""

    family: Family
    participant_ids: set[int]
    sections: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[str, Any]] = field(default_factory=list)  # (path in the zip, FieldFile)
    audit_targets: set[tuple[str, str]] = field(default_factory=set)  # (target_type, target_id) of audit events

    def add_json(self, name: str, data: Any) -> None:
        self.sections[name] = data

    def add_file(self, arcname: str, fieldfile) -> str | None:
        """Include a stored file (any storage); returns its path in the zip, or None when there is no file."""
        if not fieldfile or not fieldfile.name:
            return None
        self.files.append((arcname, fieldfile))
        return arcname

    def about(self, obj) -> None:
        """Audit events whose target is `obj` belong in the export."""
        self.audit_targets.add((obj._meta.label_lower, str(obj.pk)))


def _suffix(name: str) -> str:
    return PurePosixPath(name).suffix.lower()[:8]


def _codes(people) -> list[str]:
    return [p.code for p in people]


def collect(family: Family) -> SubjectAccessBundle:
    people = list(family.participants.select_related("family__site__region").order_by("role", "index"))
    own = {p.pk for p in people}
    bundle = SubjectAccessBundle(family=family, participant_ids=own)
    bundle.about(family)

    def only_own(participants) -> bool:
        return all(p.pk in own for p in participants)

    bundle.add_json(
        "family",
        {
            "code": family.code,
            "site": family.site.name,
            "region": family.site.region.name or family.site.region.code,
            "ngo_partner": family.site.ngo_partner,
            "preferred_language": family.preferred_language,
            "created_at": family.created_at,
            "left_on": family.left_on,
        },
    )
    bundle.add_json(
        "participants",
        [
            {
                "code": p.code,
                "role": p.role,
                "real_name": p.real_name,
                "birth_year": p.birth_year,
                "age_band": p.age_band,
                "relation": p.relation,
                "preferred_language": p.preferred_language,
                "created_at": p.created_at,
            }
            for p in people
        ],
    )
    for p in people:
        bundle.about(p)

    consents = []
    for record in ConsentRecord.objects.filter(participant__in=people).select_related("participant", "form_version"):
        bundle.about(record)
        evidence = bundle.add_file(
            f"files/consent-evidence/{record.pk}{_suffix(record.evidence_file.name)}", record.evidence_file
        )
        consents.append(
            {
                "id": record.pk,
                "participant": record.participant.code,
                "kind": record.kind,
                "form_version": record.form_version.version,
                "form_language": record.form_language,
                "given_by": record.given_by,
                "guardian_relation": record.guardian_relation,
                "child_assent": record.child_assent,
                "scopes": sorted(record.scopes),
                "withdrawn_scopes": list(record.withdrawn_scopes),
                "publish_languages": list(record.publish_languages),
                "method": record.method,
                "given_on": record.given_on,
                "review_on": record.review_on,
                "note": record.note,
                "recorded_at": record.recorded_at,
                "evidence_file": evidence,
            }
        )
    bundle.add_json("consent_records", consents)

    # Recordings: their own ones with the audio when everyone heard is of this family; elsewhere, only that they are.
    recordings = []
    own_recording_ids: set[int] = set()
    for recording in (
        Recording.objects.filter(Q(family=family) | Q(speakers__in=people))
        .distinct()
        .select_related("family__site__region")
        .prefetch_related("speakers__family__site__region")
        .order_by("created_at", "pk")
    ):
        speakers = list(recording.speakers.all())
        theirs = recording.family_id == family.pk and only_own(speakers)
        entry = {
            "id": recording.pk,
            "created_at": recording.created_at,
            "source": recording.source,
            "people_heard": _codes(s for s in speakers if s.pk in own),
            "other_people_heard": not only_own(speakers),
        }
        if theirs:
            own_recording_ids.add(recording.pk)
            bundle.about(recording)
            entry.update(
                {
                    "title": recording.title,
                    "language": recording.language,
                    "session": recording.session_id,
                    "submission": recording.submission.reference if recording.submission_id else None,
                    "original_format": recording.original_format,
                    "codec": recording.codec,
                    "duration_seconds": recording.duration_seconds,
                    "size_bytes": recording.size_bytes,
                    "checksum": recording.checksum,
                    "deleted_at": recording.deleted_at,
                    "deletion_reason": recording.deletion_reason,
                    "file": bundle.add_file(
                        f"files/recordings/{recording.pk}{_suffix(recording.file.name)}", recording.file
                    ),
                }
            )
        else:
            entry["file"] = None
            entry["withheld"] = gettext(
                "Other people are heard in this recording: only that you were heard in it is listed."
            )
        recordings.append(entry)
    bundle.add_json("recordings", recordings)

    submissions = []
    for submission in (
        Submission.objects.filter(Q(family=family) | Q(participants__in=people))
        .distinct()
        .prefetch_related("participants__family__site__region", "photos")
    ):
        members = list(submission.participants.all())
        if submission.family_id != family.pk or not only_own(members):
            submissions.append(
                {
                    "reference": submission.reference,
                    "withheld": gettext("Sent by or with another family: not included."),
                }
            )
            continue
        bundle.about(submission)
        photos = []
        for photo in submission.photos.all():
            bundle.about(photo)
            photos.append(
                {
                    "id": photo.pk,
                    "width": photo.width,
                    "height": photo.height,
                    "file": bundle.add_file(
                        f"files/photos/{photo.pk}{_suffix(photo.image.name) or '.jpg'}", photo.image
                    ),
                }
            )
        submissions.append(
            {
                "reference": submission.reference,
                "title": submission.title,
                "description": submission.description,
                "language": submission.language,
                "people": _codes(members),
                "status": submission.status,
                "created_at": submission.created_at,
                "reviewed_at": submission.reviewed_at,
                "session": submission.session_id,
                "recordings": sorted(submission.recordings.values_list("pk", flat=True)),
                "photos": photos,
            }
        )
    bundle.add_json("submissions", submissions)
    bundle.add_json(
        "invitations",
        [
            {"created_at": i.created_at, "expires_at": i.expires_at, "used_at": i.used_at, "language": i.language}
            for i in Invitation.objects.filter(family=family).order_by("created_at")
        ],
    )

    # Sessions: the facts of the session, with only this family's people; free text only when it is about them alone.
    session_ids = set(StorySession.objects.filter(attendees__in=people).values_list("pk", flat=True))
    session_ids |= set(
        StorySession.objects.filter(Q(pairs__elder__in=people) | Q(pairs__child__in=people)).values_list(
            "pk", flat=True
        )
    )
    session_ids |= set(StorySession.objects.filter(ratings__child__in=people).values_list("pk", flat=True))
    sessions = []
    for session in (
        StorySession.objects.filter(pk__in=session_ids)
        .select_related("site")
        .prefetch_related("attendees__family__site__region", "pairs__elder", "pairs__child", "prompts_used")
        .order_by("starts_at")
    ):
        attendees = list(session.attendees.all())
        pairs = list(session.pairs.all())
        ratings = ObservationRating.objects.filter(session=session, child__in=people).select_related(
            "child__family__site__region"
        )
        # The notes may describe anyone the session involved: attendees and pairs, but also a child rated at it,
        # anyone heard in one of its recordings, and any child of a concern raised at it.
        involved = {a.pk for a in attendees} | {p.elder_id for p in pairs} | {p.child_id for p in pairs}
        involved |= set(ObservationRating.objects.filter(session=session).values_list("child_id", flat=True))
        involved |= set(
            Recording.speakers.through.objects.filter(recording__session=session).values_list(
                "participant_id", flat=True
            )
        )
        involved |= set(
            Concern.children.through.objects.filter(concern__session=session).values_list("participant_id", flat=True)
        )
        alone = involved <= own
        entry = {
            "id": session.pk,
            "site": session.site.name,
            "starts_at": session.starts_at,
            "duration_minutes": session.duration_minutes,
            "status": session.status,
            "session_guides_used": [str(guide) for guide in session.prompts_used.all()],
            "attended": _codes(a for a in attendees if a.pk in own),
            "pairs": [f"{p.elder.code} + {p.child.code}" for p in pairs if p.elder_id in own and p.child_id in own],
            "other_families_attended": not alone,
            "observation_ratings": [
                {"child": r.child.code, "engagement": r.engagement, "comfort": r.comfort, "belonging": r.belonging}
                for r in ratings
            ],
        }
        if alone:
            entry.update(
                {
                    "log": session.log,
                    "observations": session.observations,
                    "child_wished_to_stop": session.child_wished_to_stop,
                    "wish_respected": session.wish_respected,
                    "follow_up_actions": session.follow_up_actions,
                    "safeguarding_concern": session.safeguarding_concern,
                    "safeguarding_note": session.safeguarding_note,
                }
            )
        else:
            entry["withheld"] = gettext("The session's notes also describe other families: they are not included.")
        sessions.append(entry)
    bundle.add_json("sessions", sessions)

    concerns = []
    for concern in (
        Concern.objects.filter(children__in=people)
        .distinct()
        .prefetch_related("children__family__site__region", "updates")
    ):
        children = list(concern.children.all())
        entry = {
            "id": concern.pk,
            "raised_at": concern.raised_at,
            "status": concern.status,
            "children": _codes(c for c in children if c.pk in own),
        }
        if only_own(children):
            bundle.about(concern)
            entry["note"] = concern.note
            entry["follow_up"] = [{"at": u.at, "status": u.status, "note": u.note} for u in concern.updates.all()]
        else:
            entry["withheld"] = gettext("The concern is also about other children: its notes are not included.")
        concerns.append(entry)
    bundle.add_json("safeguarding_concerns", concerns)

    # media_tools (transcripts) and stories (stories built from their material) add their parts.
    subject_access_requested.send(
        sender=Family,
        family=family,
        bundle=bundle,
        participant_ids=own,
        recording_ids=own_recording_ids,
    )

    by_type: dict[str, set[str]] = {}
    for target_type, target_id in bundle.audit_targets:
        by_type.setdefault(target_type, set()).add(target_id)
    query = Q(pk__in=[])
    for target_type, ids in by_type.items():
        query |= Q(target_type=target_type, target_id__in=ids)
    events = AuditEvent.objects.filter(query).order_by("at", "id")
    bundle.add_json(
        "audit_events",
        [
            {
                "at": e.at,
                "who": e.actor_label,
                "action": e.action,
                "action_label": str(e.get_action_display()),
                "artefact": e.target_label,
                "allowed": e.allowed,
            }
            for e in events
        ],
    )
    return bundle


def write_zip(bundle: SubjectAccessBundle, output: Path) -> dict:
    """Write the bundle to `output` atomically (a temporary file in the same folder, then a rename)."""
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format_version": FORMAT_VERSION,
        "family": bundle.family.code,
        "exported_at": timezone.now(),
        "sections": sorted(f"{name}.json" for name in bundle.sections),
        "files": [],
    }
    handle, temp_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    os.close(handle)
    try:
        with zipfile.ZipFile(temp_name, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for name, data in sorted(bundle.sections.items()):
                archive.writestr(f"{name}.json", _dumps(data))
            for arcname, fieldfile in bundle.files:
                digest = hashlib.sha256()
                size = 0
                try:
                    source = fieldfile.storage.open(fieldfile.name, "rb")
                except (FileNotFoundError, OSError):
                    manifest["files"].append({"path": arcname, "missing": True})
                    continue
                with source, archive.open(arcname, "w", force_zip64=True) as target:
                    while chunk := source.read(1024 * 1024):
                        digest.update(chunk)
                        size += len(chunk)
                        target.write(chunk)
                manifest["files"].append({"path": arcname, "size": size, "sha256": digest.hexdigest()})
            archive.writestr("manifest.json", _dumps(manifest))
            archive.writestr("README.txt", README)
        os.chmod(temp_name, 0o600)  # real names and children's voices: readable by the exporting account only
        os.replace(temp_name, output)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp_name)
        raise
    return manifest


def export_family(family: Family, output: Path, *, actor=None) -> dict:
    """Collect, write and audit one export. Refused (PermissionError) unless the policy allows the actor."""
    actor = actor or SYSTEM
    decision = may(actor, Action.EXPORT_FAMILY, family)
    if not decision:
        audit(actor, Action.EXPORT_FAMILY, family, False, decision.reasons)
        raise PermissionError("; ".join(decision.reasons))
    with translation.override(family.preferred_language):  # the notes in the export, in the family's language
        manifest = write_zip(collect(family), Path(output))
    audit(actor, Action.EXPORT_FAMILY, family, True, detail={"files": len(manifest["files"]), "output": str(output)})
    return manifest


def _dumps(data) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2, default=str)


README = """Everything the Stories Between Generations platform holds about this family.

family.json, participants.json    the family and its people (real names included)
consent_records.json              every consent given, changed or withdrawn; the evidence under files/consent-evidence/
recordings.json                   recordings; the audio under files/recordings/ when only this family is heard
submissions.json                  what the family sent; photos under files/photos/
sessions.json                     sessions attended; notes only where no other family is described
safeguarding_concerns.json        concerns about the family's children only
transcripts.json                  transcripts of the family's recordings
stories.json                      stories made from the family's material
audit_events.json                 who opened, changed or deleted any of it, and when
manifest.json                     the files with their SHA-256

Other families' data is never included. Check safeguarding_concerns.json and sessions.json with the safeguarding
lead before handing the export over.
"""

__all__ = ["FamilyNotFound", "SubjectAccessBundle", "collect", "export_family", "family_by_code", "write_zip"]
