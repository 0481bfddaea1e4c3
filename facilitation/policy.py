"""The one place that answers "may this actor do this with this artefact?".

Every view, export, admin screen, hook and background task asks `may()` (or `authorize()`, which also writes the audit
log). Nothing about a child is seen, processed or published unless a role allows it *and* a valid consent from
everyone concerned covers exactly that use. Refusals carry reasons, for the audit log and for staff; the public only
ever sees a 404.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from . import roles
from .models import AuditEvent, ConsentRecord, Participant, Recording, Scope, Site, StorySession


class Action(StrEnum):
    VIEW_RECORDING = "recording.view"
    STREAM_RECORDING = "recording.stream"
    DOWNLOAD_RECORDING = "recording.download"
    LISTEN_PUBLISHED_AUDIO = "recording.listen_published"
    TRANSCRIBE = "recording.transcribe"
    VIEW_TRANSCRIPT = "transcript.view"
    EDIT_TRANSCRIPT = "transcript.edit"
    EXPORT_TRANSCRIPT = "transcript.export"
    PUBLISH_STORY = "story.publish"
    VIEW_PARTICIPANT = "participant.view"
    VIEW_REAL_NAME = "participant.view_real_name"
    MANAGE_CONSENT = "consent.manage"
    VIEW_SESSION = "session.view"
    EDIT_SESSION = "session.edit"
    VIEW_SAFEGUARDING_NOTE = "session.view_safeguarding_note"
    EXPORT_SESSION_LOG = "session.export_log"
    VIEW_EVALUATION = "evaluation.view"
    EXPORT_INDICATORS = "evaluation.export_indicators"
    STORE_RECORDING = "recording.store"  # adding or changing a recording: context `speakers`, `session`
    RAISE_CONCERN = "concern.raise"  # artefact: the session (or site) the concern is about
    VIEW_CONCERN = "concern.view"  # reading a concern's note and follow-up (never the facilitator who wrote it)
    HANDLE_CONCERN = "concern.handle"  # changing a concern's status with a follow-up note
    VIEW_FAMILY = "family.view"  # the family page: its people, consent, recordings, submissions, sessions, stories
    REVIEW_SUBMISSION = "submission.review"  # listen, look, accept or decline what a family sent
    VIEW_PHOTO = "photo.view"  # a photo a family sent, served privately
    VIEW_CONSENT_EVIDENCE = "consent.view_evidence"  # the scan or recording proving a consent record
    EXPORT_FAMILY = "family.export"  # a subject-access export: everything held about one family
    VIEW_EDITORIAL_MEDIA = "media.view"  # a Wagtail image (file, rendition) or document: context `shown_by`


# Actions whose every attempt, allowed or refused, goes to the audit log.
AUDITED = {
    Action.LISTEN_PUBLISHED_AUDIO,
    Action.VIEW_RECORDING,
    Action.STREAM_RECORDING,
    Action.DOWNLOAD_RECORDING,
    Action.TRANSCRIBE,
    Action.VIEW_TRANSCRIPT,
    Action.EDIT_TRANSCRIPT,
    Action.EXPORT_TRANSCRIPT,
    Action.EXPORT_SESSION_LOG,
    Action.EXPORT_INDICATORS,
    Action.VIEW_SAFEGUARDING_NOTE,
    Action.REVIEW_SUBMISSION,
    Action.VIEW_PHOTO,
    Action.VIEW_CONSENT_EVIDENCE,
    Action.RAISE_CONCERN,
    Action.VIEW_CONCERN,
    Action.HANDLE_CONCERN,
    Action.EXPORT_FAMILY,
}


class _System:
    """The platform itself acting (a transcription worker): passes role checks, never consent checks."""

    is_authenticated = True
    pk = None
    username = "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = _System()


@dataclass
class Decision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.allowed

    @classmethod
    def refuse(cls, *reasons: str) -> Decision:
        return cls(False, list(reasons))


# --- Roles -------------------------------------------------------------------------------------------------------


def role_names(actor: Any) -> set[str]:
    if actor is SYSTEM:
        return {"system"}
    if actor is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return set()
    if actor.is_superuser:
        return {roles.ADMINISTRATOR}
    cached = getattr(actor, "_sbg_roles", None)
    if cached is None:
        cached = set(actor.groups.values_list("name", flat=True)) & set(roles.ROLE_LABELS)
        actor._sbg_roles = cached
    return cached


def is_admin(actor: Any) -> bool:
    return roles.ADMINISTRATOR in role_names(actor)


def facilitates(actor: Any, site: Site) -> bool:
    return roles.FACILITATOR in role_names(actor) and site.facilitators.filter(pk=actor.pk).exists()


def sites_of(actor: Any):
    """The sites whose records this actor may work with (all of them for administrators)."""
    if is_admin(actor) or actor is SYSTEM:
        return Site.objects.all()
    if roles.FACILITATOR in role_names(actor):
        return Site.objects.filter(facilitators=actor)
    return Site.objects.none()


# Model permissions that open real names, recordings or safeguarding notes to whoever holds them, whatever their role.
SENSITIVE_PERMISSIONS = (
    "facilitation.view_participant",
    "facilitation.view_recording",
    "facilitation.view_safeguarding_note",
)


def requires_two_factor(actor: Any) -> bool:
    """Whether this account must confirm each sign-in with a one-time code: everyone who can see real names or
    recordings (administrators, facilitators, safeguarding leads, and anyone granted those permissions). Editors and
    evaluators work with published or pseudonymised material only."""
    if actor is SYSTEM or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return False
    if is_admin(actor) or role_names(actor) & {roles.FACILITATOR, roles.SAFEGUARDING}:
        return True
    return any(actor.has_perm(permission) for permission in SENSITIVE_PERMISSIONS)


# --- Scope -------------------------------------------------------------------------------------------------------
# One answer to "which rows may this actor work with?", used by the admin's lists, object views, choosers and every
# choice list of every write form. Editors' story choosers use `usable_for_stories` instead.

# Path from each site-scoped model (by label) to its facilitation Site. Labels, so media_tools need not be imported.
SITE_LOOKUPS: dict[str, str] = {
    "facilitation.site": "",
    "facilitation.family": "site",
    "facilitation.participant": "family__site",
    "facilitation.storysession": "site",
    "facilitation.recording": "family__site",
    "facilitation.consentrecord": "participant__family__site",
    "facilitation.submission": "family__site",
    "facilitation.invitation": "family__site",
    "facilitation.sessionpair": "session__site",
    "facilitation.observationrating": "session__site",
    "media_tools.transcriptionjob": "recording__family__site",
    "media_tools.transcript": "recording__family__site",
}

# Who a record is about, by model label: everyone whose consent decides whether it may be used in a story.
PEOPLE_LOOKUPS: dict[str, tuple[str, ...]] = {
    "facilitation.participant": ("",),
    "facilitation.recording": ("speakers",),
    "facilitation.submission": ("participants",),
    "facilitation.storysession": ("attendees", "pairs__elder", "pairs__child"),
}


def is_site_scoped(model: Any) -> bool:
    return model._meta.label_lower in SITE_LOOKUPS


def site_lookup_for(model: Any) -> str:
    """The path from `model` to its Site ("" for Site itself); a model without one is a programming error."""
    return SITE_LOOKUPS[model._meta.label_lower]


def scope(actor: Any, queryset, site_lookup: str | None = None):
    """The rows of `queryset` this actor may work with: their own sites' (every row for administrators)."""
    lookup = site_lookup_for(queryset.model) if site_lookup is None else site_lookup
    if actor is SYSTEM or is_admin(actor):
        return queryset
    if roles.FACILITATOR not in role_names(actor):
        return queryset.none()
    return queryset.filter(**{f"{lookup}__in" if lookup else "pk__in": sites_of(actor)})


def scoped_choices(actor: Any, model_or_field: Any):
    """The choices a write form may offer this actor for a model (or for a relation field pointing to one)."""
    model = getattr(model_or_field, "related_model", None) or model_or_field
    return scope(actor, model._default_manager.all())


def facilitators_of(sites):
    """Active users in the Facilitators role assigned to any of `sites` (witnesses, a session's facilitators)."""
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.FACILITATOR, facilitation_sites__in=sites)
        .distinct()
        .order_by("username")
    )


def facilitator_role_users():
    """Active users in the Facilitators role, whichever sites they are assigned to."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(is_active=True, groups__name=roles.FACILITATOR)
    return users.distinct().order_by("username")


def assignable_facilitators(actor: Any):
    """The facilitators this actor may name on a record: those of the actor's own sites."""
    return facilitators_of(sites_of(actor))


def site_of(obj: Any) -> Site | None:
    """The Site a record belongs to (following its site lookup), or None while it has none."""
    if isinstance(obj, Site):
        return obj
    current = obj
    for part in site_lookup_for(type(obj)).split("__"):
        current = getattr(current, f"{part}", None) if current is not None else None
    return current


def site_mismatches(site: Site, chosen: Any) -> list[str]:
    """Why records chosen for something of `site` cannot go with it: each must belong to that same site.

    `chosen` is an iterable of records (site-scoped models, sites, or users who must be facilitators of the site).
    Messages name records by their pseudonymous label only.
    """
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    reasons = []
    for item in chosen:
        if isinstance(item, user_model):
            if not (item.is_active and roles.FACILITATOR in role_names(item) and facilitates(item, site)):
                reasons.append(_("%(user)s is not a facilitator of this site.") % {"user": item.get_username()})
        elif site_of(item) != site:
            reasons.append(_("%(item)s belongs to another site.") % {"item": _scope_label(item)})
    return reasons


def _scope_label(item: Any) -> str:
    return getattr(item, "code", None) or str(item)


def usable_for_stories(actor: Any, queryset):
    """What a story may be built from, for editors' choosers: records whose every person (at least one) has a current
    consent covering at least one publication scope. Publishing still asks `may(PUBLISH_STORY)` for exact uses."""
    from django.db.models import Exists, OuterRef, Q

    if not (actor is SYSTEM or is_admin(actor) or roles.EDITOR in role_names(actor)):
        return queryset.none()
    publishable = Q()
    for scope_name in sorted(PUBLICATION_SCOPES):
        publishable |= Q(**{scope_name: True})
    consenting = Participant.objects.filter(
        Exists(valid_current_consents().filter(publishable, participant=OuterRef("pk")))
    )
    lookups = PEOPLE_LOOKUPS[queryset.model._meta.label_lower]
    if lookups == ("",):
        return queryset.filter(pk__in=consenting)
    someone = Q()
    for lookup in lookups:
        someone |= Q(**{f"{lookup}__isnull": False})
        queryset = queryset.exclude(**{f"{lookup}__in": Participant.objects.exclude(pk__in=consenting)})
    queryset = queryset.filter(pk__in=queryset.model._default_manager.filter(someone).values("pk"))
    if queryset.model is Recording:
        queryset = queryset.filter(deleted_at__isnull=True).exclude(file="")
    return queryset


def chooser_scope(actor: Any, queryset, site_lookup: str | None = None):
    """What a snippet chooser lists: the actor's own sites' records, plus, for a model stories are built from, what
    an editor may use for a story."""
    from django.db.models import Q

    mine = scope(actor, queryset, site_lookup)
    if queryset.model._meta.label_lower not in PEOPLE_LOOKUPS:
        return mine
    usable = usable_for_stories(actor, queryset.model._default_manager.all())
    return queryset.filter(Q(pk__in=mine.values("pk")) | Q(pk__in=usable.values("pk")))


# --- Consent -----------------------------------------------------------------------------------------------------


@dataclass
class ConsentState:
    participant: Participant
    scopes: set[str]
    languages: set[str]
    reasons: list[str]


def consent_state(participant: Participant, on: datetime.date | None = None) -> ConsentState:
    """What the participant's current (latest) consent allows today. A child's "no" always wins."""
    on = on or timezone.localdate()
    record = participant.consent_records.select_related("form_version").order_by("-recorded_at", "-id").first()
    code = participant.code
    if record is None:
        return ConsentState(participant, set(), set(), [_("%(code)s: no consent recorded.") % {"code": code}])
    if record.review_on and on > record.review_on:
        return ConsentState(
            participant,
            set(),
            set(),
            [
                _("%(code)s: consent expired on %(date)s and must be asked again.")
                % {"code": code, "date": record.review_on.strftime("%d.%m.%Y")}
            ],
        )
    if participant.is_child:
        if record.child_assent != ConsentRecord.Assent.YES:
            return ConsentState(participant, set(), set(), [_("%(code)s: the child said no.") % {"code": code}])
        if record.kind == ConsentRecord.Kind.GRANT and record.given_by != ConsentRecord.GivenBy.GUARDIAN:
            return ConsentState(participant, set(), set(), [_("%(code)s: no guardian's consent.") % {"code": code}])
        limit = participant.eighteenth_birthday()
        if limit and on >= limit:
            return ConsentState(
                participant, set(), set(), [_("%(code)s: now an adult; their own consent is needed.") % {"code": code}]
            )
    return ConsentState(participant, record.scopes, set(record.publish_languages or []), [])


def stated_scopes(participant: Participant) -> set[str]:
    """What the participant's latest record says, dates aside (a child's "no" and a missing guardian still count).

    An expired consent (review date passed, 18th birthday) locks everything (`consent_state` is empty) but is not a
    "no": the original recording is kept, unusable, until consent is asked again. A withdrawal or narrowing is a "no".
    """
    record = participant.consent_records.order_by("-recorded_at", "-id").first()
    if record is None:
        return set()
    # Only the child's own "no" is a "no" here. A grant not given by a guardian (e.g. after a birth year was
    # corrected) has lapsed, like an expiry: everything is locked by `consent_state`, nothing is destroyed.
    if participant.is_child and record.child_assent == ConsentRecord.Assent.NO:
        return set()
    return record.scopes


# Keeping a recording's audio at all needs these from everyone heard (storing it asks the same, see _store_recording).
KEEP_RECORDING_SCOPES = frozenset({Scope.RECORD.value, Scope.ARCHIVE.value})


def keeping_recording_refused(recording: Recording) -> list[str]:
    """Why the recording's audio may not be kept at all: someone heard in it said no to recording or archiving."""
    labels = dict(Scope.choices)
    reasons = []
    for speaker in recording.speakers.select_related("family__site__region"):
        for scope in sorted(KEEP_RECORDING_SCOPES - stated_scopes(speaker)):
            reasons.append(_("%(code)s: no consent to “%(scope)s”.") % {"code": speaker.code, "scope": labels[scope]})
    return reasons


def valid_current_consents(on: datetime.date | None = None):
    """Each participant's latest consent record, kept only where it is in force (SQL twin of `consent_state`).

    It MUST agree with `consent_state` (tests/facilitation/test_evaluation_consent.py checks both on random data):
    the latest record (by -recorded_at, -id) decides; an expired review date, and for a child a "no", a grant not
    given by a guardian, or an 18th birthday reached mean no consent at all. Filter on scope fields for a scope.
    """
    from django.db.models import OuterRef, Q, Subquery

    on = on or timezone.localdate()
    latest = ConsentRecord.objects.filter(participant=OuterRef("participant")).order_by("-recorded_at", "-id")
    child = Q(participant__role=Participant.Role.CHILD)
    by_guardian = Q(kind=ConsentRecord.Kind.WITHDRAWAL) | Q(given_by=ConsentRecord.GivenBy.GUARDIAN)
    under_18 = Q(participant__birth_year__isnull=True) | Q(participant__birth_year__gt=on.year - 18)
    return (
        ConsentRecord.objects.filter(pk=Subquery(latest.values("pk")[:1]))
        .filter(Q(review_on__isnull=True) | Q(review_on__gte=on))
        .filter(~child | (Q(child_assent=ConsentRecord.Assent.YES) & by_guardian & under_18))
    )


def participants_consenting_to(scope: str, on: datetime.date | None = None):
    """Participants whose current consent covers `scope`, in one SQL query: for aggregates, never per-row `may`."""
    from django.db.models import Exists, OuterRef

    Scope(scope)  # an unknown scope is a programming error, not an empty result
    current = valid_current_consents(on).filter(**{scope: True}, participant=OuterRef("pk"))
    return Participant.objects.filter(Exists(current))


def _require_scopes(participants, needed: set[str], languages: set[str] | None = None) -> list[str]:
    reasons: list[str] = []
    labels = dict(Scope.choices)
    for participant in participants:
        state = consent_state(participant)
        if state.reasons:
            reasons.extend(state.reasons)
            continue
        for scope in sorted(needed - state.scopes):
            reasons.append(
                _("%(code)s: no consent to “%(scope)s”.") % {"code": participant.code, "scope": labels[scope]}
            )
        if languages and needed & PUBLICATION_SCOPES:
            for language in sorted(languages - state.languages):
                reasons.append(
                    _("%(code)s: no consent to publish in %(language)s.")
                    % {"code": participant.code, "language": language}
                )
    return reasons


def recording_consent(recording: Recording, needed: set[str]) -> list[str]:
    """A recording needs the consent of everyone heard in it."""
    speakers = list(recording.speakers.select_related("family__site__region"))
    if not speakers:
        return [_("Nobody is listed as heard in this recording.")]
    return _require_scopes(speakers, needed)


# --- The policy ---------------------------------------------------------------------------------------------------


def may(actor: Any, action: Action, artefact: Any, **context: Any) -> Decision:
    """Decide one action on one artefact. Pure: no side effects (see `authorize` for the audited form)."""
    handler = _HANDLERS.get(Action(action))
    if handler is None:
        return Decision.refuse(f"unknown action {action}")
    return handler(actor, artefact, **context)


def authorize(actor: Any, action: Action, artefact: Any, **context: Any) -> Decision:
    """`may`, plus an audit event for every attempt on recordings, transcripts, logs and safeguarding notes."""
    decision = may(actor, action, artefact, **context)
    if Action(action) in AUDITED:
        audit(actor, action, artefact, decision.allowed, decision.reasons, context.get("detail"))
    return decision


def audit(
    actor: Any, action: str, artefact: Any, allowed: bool, reasons: list[str] | None = None, detail: dict | None = None
) -> AuditEvent:
    """Record one attempt. An access that cannot be recorded does not happen: if the row cannot be written (the
    database is busy beyond its timeout, the disk is full), the attempt is refused with a 404, like any refusal,
    never a 500. Its own short transaction (a savepoint inside a request's), so a failure here leaves the caller's
    transaction usable for the refusal."""
    import logging

    from django.db import DatabaseError, transaction
    from django.http import Http404

    user = actor if getattr(actor, "pk", None) and getattr(actor, "is_authenticated", False) else None
    label = getattr(actor, "username", "") or ("anonymous" if actor is not SYSTEM else "system")
    try:
        with transaction.atomic():
            return AuditEvent.objects.create(
                actor=user,
                actor_label=str(label),
                action=str(action),
                target_type=(
                    artefact._meta.label_lower
                    if hasattr(artefact, "_meta")
                    else ("" if artefact is None else type(artefact).__name__)
                ),
                target_id=str(getattr(artefact, "pk", "") or ""),
                target_label=pseudonymous_label(artefact),
                allowed=allowed,
                reasons=[str(r) for r in (reasons or [])],
                detail=detail or {},
            )
    except DatabaseError as error:
        logging.getLogger(__name__).error("audit event %s not recorded, access refused: %s", action, error)
        raise Http404("refused: the access could not be recorded") from error


def pseudonymous_label(artefact: Any) -> str:
    if artefact is None:  # an action on no single record (an export of a whole log)
        return ""
    if isinstance(artefact, Participant):
        return artefact.code
    if isinstance(artefact, Recording):
        return f"recording #{artefact.pk} ({artefact.family.code})"
    if isinstance(artefact, ConsentRecord):
        return f"consent #{artefact.pk} ({artefact.participant.code})"
    if hasattr(artefact, "recording"):
        return f"{artefact._meta.verbose_name} #{artefact.pk} (recording #{artefact.recording_id})"
    return f"{getattr(artefact, '_meta', None) and artefact._meta.verbose_name} #{getattr(artefact, 'pk', '')}"


def _staff_for_site(actor: Any, site: Site, *, system_ok: bool = False) -> list[str]:
    if actor is SYSTEM:
        return [] if system_ok else [_("Not for the system account.")]
    if is_admin(actor) or facilitates(actor, site):
        return []
    return [_("Only administrators and this site's facilitators may do this.")]


def _recording_access(actor, recording: Recording, **context) -> Decision:
    reasons = _staff_for_site(actor, recording.site)
    if recording.deleted_at or not recording.file:
        reasons.append(_("The recording has been deleted."))
    reasons += recording_consent(recording, {Scope.RECORD, Scope.ARCHIVE})
    return Decision(not reasons, reasons)


def _listen_published(actor, recording: Recording, page=None, **context) -> Decision:
    """Anyone may hear a recording that is the audio of a live story page, while everyone heard consents to it."""
    reasons = []
    if page is None or not page.live or getattr(page, "audio_id", None) != recording.pk:
        reasons.append(_("Not the audio of a published story."))
    if recording.deleted_at or not recording.file:
        reasons.append(_("The recording has been deleted."))
    reasons += recording_consent(recording, {Scope.RECORD, Scope.ARCHIVE, Scope.PUBLISH_AUDIO})
    return Decision(not reasons, reasons)


def _transcribe(actor, recording: Recording, **context) -> Decision:
    reasons = _staff_for_site(actor, recording.site, system_ok=True)
    if recording.deleted_at or not recording.file:
        reasons.append(_("The recording has been deleted."))
    reasons += recording_consent(recording, {Scope.RECORD, Scope.TRANSCRIBE})
    return Decision(not reasons, reasons)


def _transcript_access(actor, transcript, **context) -> Decision:
    recording = transcript.recording if hasattr(transcript, "recording") else transcript
    reasons = _staff_for_site(actor, recording.site)
    reasons += recording_consent(recording, {Scope.RECORD, Scope.TRANSCRIBE, Scope.ARCHIVE})
    return Decision(not reasons, reasons)


SCOPE_FOR_USE = {
    "uses_words": Scope.PUBLISH_TEXT,
    "uses_audio": Scope.PUBLISH_AUDIO,
    "uses_photo": Scope.PUBLISH_PHOTOS,
}
PUBLICATION_SCOPES = frozenset(SCOPE_FOR_USE.values())


def story_people(page) -> dict[Participant, set[str]]:
    """Whose consent a story page needs, and for which publication scopes: derived from its sources, not declared.

    Everyone heard in the source recording, everyone in the family submission, the session's attendees and pairs,
    everyone heard in the published audio, and everyone an earlier published version derived (`bound_participants`:
    swapping a source after a withdrawal frees nobody) need each publication scope the page actually uses: the words
    always, the audio if the page plays audio, photos if its body shows images (conservative: any image). Declared
    contributions only add to this; deleting them removes nobody while a source is attached.
    """
    needed = {Scope.PUBLISH_TEXT.value}
    if getattr(page, "audio_id", None):
        needed.add(Scope.PUBLISH_AUDIO.value)
    if getattr(page, "image_ids", None) and page.image_ids():
        needed.add(Scope.PUBLISH_PHOTOS.value)
    people: dict[Participant, set[str]] = {}

    def add(participants, scopes: set[str]) -> None:
        for participant in participants:
            people.setdefault(participant, set()).update(scopes)

    ids: set[int] = set()
    for field_name, label in STORY_SOURCES.items():
        source_id = getattr(page, f"{field_name}_id", None)
        if source_id:
            ids |= people_ids_of(label, source_id)
    if page.pk:  # everyone a published version of the page derived stays required (sticky provenance)
        ids |= set(page.bound_participants.values_list("pk", flat=True))
    add(Participant.objects.filter(pk__in=ids), needed)
    for contribution in page.contributions.all():
        add([contribution.participant], {scope for flag, scope in SCOPE_FOR_USE.items() if getattr(contribution, flag)})
    return people


# A story page's fields that point at programme material, and the model each points at; the people of each are
# `PEOPLE_LOOKUPS` of that model. The one table story_people and stories' `pages_depending_on` are built from.
STORY_SOURCES = {
    "source_recording": "facilitation.recording",
    "source_submission": "facilitation.submission",
    "source_session": "facilitation.storysession",
    "audio": "facilitation.recording",
}


def people_ids_of(label: str, pk: int) -> set[int]:
    """Ids of everyone a recording, submission or session names (PEOPLE_LOOKUPS), in one query per relation."""
    from django.apps import apps

    model = apps.get_model(label)
    ids: set[int] = set()
    for lookup in PEOPLE_LOOKUPS[label]:
        ids |= {i for i in model._default_manager.filter(pk=pk).values_list(lookup, flat=True) if i}
    return ids


_SHOWN: dict[tuple, bool] = {}


def story_may_be_shown(page) -> bool:
    """`may(SYSTEM, PUBLISH_STORY, page)` as serving asks it, on every request of the page and its audio.

    Remembered per process until a consent record is added (append-only: a new highest id), the page is published
    again or the day changes (review dates, 18th birthdays), so a request costs one query. Changes of sources and
    people are reconciled (taken offline) when they happen; this is the guard for what happens with no request.
    """
    from django.db.models import Max

    newest = ConsentRecord.objects.aggregate(newest=Max("pk"))["newest"]
    key = (page.pk, page.latest_revision_id, page.last_published_at, timezone.localdate(), newest)
    shown = _SHOWN.get(key)
    if shown is None:
        if len(_SHOWN) > 4096:
            _SHOWN.clear()
        shown = _SHOWN[key] = may(SYSTEM, Action.PUBLISH_STORY, page).allowed
    return shown


def has_source(page) -> bool:
    sources = ("source_recording", "source_submission", "source_session")
    return any(getattr(page, f"{name}_id", None) for name in sources)


def attested_without_personal_content(page) -> bool:
    """An administrator's attestation that the page holds nothing about anyone; it counts only if an admin made it."""
    return bool(getattr(page, "no_personal_content", False)) and is_admin(
        getattr(page, "no_personal_content_attested_by", None)
    )


def _publish_story(actor, page, languages: set[str] | None = None, **context) -> Decision:
    """A story may go live only if everyone its sources derive consents to each use it makes, in each language."""
    reasons = []
    if actor is not SYSTEM and not (is_admin(actor) or roles.EDITOR in role_names(actor)):
        reasons.append(_("Only programme editors and administrators publish stories."))
    languages = set(languages) if languages is not None else set(page.available_languages())
    if not has_source(page) and not attested_without_personal_content(page):
        reasons.append(
            _("The story has no source: choose the recording, family submission or session it was made from.")
        )
    people = story_people(page)
    if has_source(page) and not people:
        reasons.append(_("Nobody is listed in the story's sources: whose story it is must be known."))
    for family in families_past_retention({p.family_id for p in people}):
        reasons.append(
            _("Family %(code)s left the programme and its retention period has passed.") % {"code": family.code}
        )
    for participant in sorted(people, key=lambda p: p.pk):
        if people[participant]:
            reasons += _require_scopes([participant], people[participant], languages)
    if getattr(page, "audio_id", None):
        reasons += recording_consent(page.audio, {Scope.RECORD, Scope.ARCHIVE, Scope.PUBLISH_AUDIO})
    return Decision(not reasons, list(dict.fromkeys(reasons)))


def retention_passed(family, on: datetime.date | None = None) -> bool:
    """A family that left the programme more than RETENTION_AFTER_LEAVING_DAYS ago: nothing made from their material
    is kept or shown any more (`facilitation.retention` deletes it; stories built from it go offline)."""
    from django.conf import settings

    left_on = getattr(family, "left_on", None)
    if left_on is None:
        return False
    on = on or timezone.localdate()
    return left_on + datetime.timedelta(days=settings.RETENTION_AFTER_LEAVING_DAYS) < on


def families_past_retention(family_ids):
    """The families among `family_ids` past their retention period (one query; the SQL form of `retention_passed`)."""
    from django.conf import settings

    from .models import Family

    if not family_ids:
        return []
    cutoff = timezone.localdate() - datetime.timedelta(days=settings.RETENTION_AFTER_LEAVING_DAYS)
    return list(Family.objects.filter(pk__in=family_ids, left_on__lt=cutoff).select_related("site__region"))


def _export_family(actor, family, **context) -> Decision:
    """A subject-access export holds real names and every file: administrators (or the platform's own command)."""
    if actor is SYSTEM or is_admin(actor):
        return Decision(True)
    return Decision.refuse(_("Only administrators export everything held about a family."))


def _participant(actor, participant: Participant, **context) -> Decision:
    names = role_names(actor)
    if is_admin(actor) or facilitates(actor, participant.family.site) or roles.SAFEGUARDING in names:
        return Decision(True)
    if roles.EVALUATOR in names:
        reasons = _require_scopes([participant], {Scope.EVALUATION})
        return Decision(not reasons, reasons)
    return Decision.refuse(_("Not allowed to see participants."))


def _real_name(actor, participant: Participant, **context) -> Decision:
    if is_admin(actor) or facilitates(actor, participant.family.site):
        return Decision(True)
    return Decision.refuse(_("Real names are restricted to the site's facilitators."))


def _manage_consent(actor, participant: Participant, **context) -> Decision:
    reasons = _staff_for_site(actor, participant.family.site)
    return Decision(not reasons, reasons)


def _view_session(actor, session: StorySession, **context) -> Decision:
    names = role_names(actor)
    if is_admin(actor) or facilitates(actor, session.site) or names & {roles.SAFEGUARDING, roles.EVALUATOR}:
        return Decision(True)
    return Decision.refuse(_("Not allowed to see this session."))


def _edit_session(actor, session: StorySession, **context) -> Decision:
    reasons = _staff_for_site(actor, session.site)
    return Decision(not reasons, reasons)


def _safeguarding_note(actor, session: StorySession, **context) -> Decision:
    if is_admin(actor) or roles.SAFEGUARDING in role_names(actor):
        return Decision(True)
    return Decision.refuse(_("Safeguarding notes are for the safeguarding lead only."))


def handles_concerns(actor: Any) -> bool:
    """Safeguarding leads and administrators: they read and follow up every site's concerns."""
    return actor is not SYSTEM and (is_admin(actor) or roles.SAFEGUARDING in role_names(actor))


def concerns_for(actor: Any, queryset):
    """The concerns this actor may read: all for those who handle concerns, none for anyone else (a facilitator
    writes a concern and cannot read it back)."""
    return queryset if handles_concerns(actor) else queryset.none()


def concern_handlers():
    """Active users who handle concerns (safeguarding leads and administrators): whom a new concern is sent to."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(is_superuser=True) | Q(groups__name=roles.SAFEGUARDING)).distinct().order_by("username")


def _raise_concern(actor, session_or_site, children=(), **context) -> Decision:
    """This site's facilitators (and administrators) raise concerns about children of that site only."""
    site = session_or_site if isinstance(session_or_site, Site) else session_or_site.site
    reasons = _staff_for_site(actor, site)
    reasons += site_mismatches(site, list(children))
    reasons += [
        _("%(code)s is not a child.") % {"code": child.code}
        for child in children
        if isinstance(child, Participant) and not child.is_child
    ]
    return Decision(not reasons, reasons)


def _concern_access(actor, concern, **context) -> Decision:
    if handles_concerns(actor):
        return Decision(True)
    return Decision.refuse(_("Safeguarding concerns are for the safeguarding lead only."))


def _export_session_log(actor, site_or_none, **context) -> Decision:
    names = role_names(actor)
    if is_admin(actor) or roles.EVALUATOR in names:
        return Decision(True)
    if isinstance(site_or_none, Site) and facilitates(actor, site_or_none):
        return Decision(True)
    return Decision.refuse(_("Not allowed to export session logs."))


def _evaluation(actor, artefact=None, **context) -> Decision:
    """Pseudonymised logs and suppressed indicators across regions: evaluators and administrators only."""
    if is_admin(actor) or roles.EVALUATOR in role_names(actor):
        return Decision(True)
    return Decision.refuse(_("Evaluation screens are for evaluators and administrators."))


def _store_recording(actor, family, speakers=(), session=None, **context) -> Decision:
    """A recording is stored (added, or its people changed) only by the family's site staff, all of one site, and only
    if everyone heard in it has a current consent to record audio and keep it. Asked before anything is written."""
    site = family.site
    reasons = _staff_for_site(actor, site)
    speakers = list(speakers)
    reasons += site_mismatches(site, [*speakers, *([session] if session is not None else [])])
    if not speakers:
        reasons.append(_("Nobody is listed as heard in this recording."))
    reasons += _require_scopes(speakers, set(KEEP_RECORDING_SCOPES))  # what could not be kept is never stored
    return Decision(not reasons, reasons)


def _view_family(actor, family, **context) -> Decision:
    reasons = _staff_for_site(actor, family.site)
    return Decision(not reasons, reasons)


def _review_submission(actor, submission, **context) -> Decision:
    reasons = _staff_for_site(actor, submission.family.site)
    return Decision(not reasons, reasons)


def _view_photo(actor, photo, **context) -> Decision:
    """A family's photo is seen by its site's staff while everyone in the submission consents to keeping it."""
    submission = photo.submission
    reasons = _staff_for_site(actor, submission.family.site)
    if submission.status == submission.Status.DECLINED or not photo.image:
        reasons.append(_("The photo has been deleted."))
    people = list(submission.participants.select_related("family__site__region"))
    if not people:
        reasons.append(_("Nobody is listed in this submission."))
    reasons += _require_scopes(people, {Scope.ARCHIVE.value})
    return Decision(not reasons, reasons)


def _editorial_media(actor, item, shown_by=(), **context) -> Decision:
    """An editorial image is public only while a live page shows it, and a story page only while its consent covers
    it (`story_may_be_shown`, pages that tell nobody's story have no consent to ask): an image uploaded for a draft,
    or left by a story whose consent lapsed before the sweep, is not public media. Editors and administrators, who
    work with images in the admin, see them all."""
    if is_admin(actor) or roles.EDITOR in role_names(actor):
        return Decision(True)
    for page in shown_by:
        if page.live and (not getattr(page, "needs_consent", False) or story_may_be_shown(page)):
            return Decision(True)
    return Decision.refuse(_("No live page shows this image with consent."))


def _consent_evidence(actor, record: ConsentRecord, **context) -> Decision:
    """The proof of a consent (a signed scan, a spoken recording): the participant's site staff only."""
    reasons = _staff_for_site(actor, record.participant.family.site)
    if not record.evidence_file:
        reasons.append(_("No evidence file is attached."))
    return Decision(not reasons, reasons)


_HANDLERS = {
    Action.VIEW_RECORDING: _recording_access,
    Action.STREAM_RECORDING: _recording_access,
    Action.DOWNLOAD_RECORDING: _recording_access,
    Action.LISTEN_PUBLISHED_AUDIO: _listen_published,
    Action.TRANSCRIBE: _transcribe,
    Action.VIEW_TRANSCRIPT: _transcript_access,
    Action.EDIT_TRANSCRIPT: _transcript_access,
    Action.EXPORT_TRANSCRIPT: _transcript_access,
    Action.PUBLISH_STORY: _publish_story,
    Action.VIEW_PARTICIPANT: _participant,
    Action.VIEW_REAL_NAME: _real_name,
    Action.MANAGE_CONSENT: _manage_consent,
    Action.VIEW_SESSION: _view_session,
    Action.EDIT_SESSION: _edit_session,
    Action.VIEW_SAFEGUARDING_NOTE: _safeguarding_note,
    Action.EXPORT_SESSION_LOG: _export_session_log,
    Action.VIEW_EVALUATION: _evaluation,
    Action.EXPORT_INDICATORS: _evaluation,
    Action.STORE_RECORDING: _store_recording,
    Action.VIEW_FAMILY: _view_family,
    Action.REVIEW_SUBMISSION: _review_submission,
    Action.VIEW_PHOTO: _view_photo,
    Action.VIEW_CONSENT_EVIDENCE: _consent_evidence,
    Action.EXPORT_FAMILY: _export_family,
    Action.VIEW_EDITORIAL_MEDIA: _editorial_media,
    Action.RAISE_CONCERN: _raise_concern,
    Action.VIEW_CONCERN: _concern_access,
    Action.HANDLE_CONCERN: _concern_access,
}
