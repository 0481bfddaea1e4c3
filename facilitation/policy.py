"""The one place that answers "may this actor do this with this artefact?".

Every view, export, admin screen, hook and background task asks `may()` (or `authorize()`, which also writes the audit
log). Nothing about a child is seen, processed or published unless a role allows it *and* a valid consent from
everyone concerned covers exactly that use. Refusals carry reasons, for the audit log and for staff; the public only
ever sees a 404.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from . import roles
from .models import AuditEvent, ConsentRecord, Excerpt, Family, Participant, Recording, Scope, Site, StorySession

# Which site a record belongs to is the models' own (data integrity); re-exported for the policy's callers.
from .models.integrity import SITE_LOOKUPS, is_site_scoped, site_lookup_for, site_mismatches, site_of  # noqa: F401


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
    VIEW_AUDIT_LOG = "audit.view"  # the audit log (artefact: an event, or None for the log)
    INVITE_FAMILY = "family.invite"  # the "invite a family" screen (artefact: None; a family of the actor's sites)
    FOLLOW_TRANSCRIPTION = "recording.follow_transcription"  # a recording's transcription jobs: start page, progress
    PRINT_CONSENT_FORMS = "consent.print_forms"  # blank consent forms to print (artefact: None)
    CREATE_EXCERPT = "excerpt.create"  # artefact: the recording; context `segments` (each with `reviewed`, `text`)
    VIEW_EXCERPT = "excerpt.view"  # an excerpt's texts and proposals (who a name is: VIEW_REAL_NAME per person)
    DECIDE_EXCERPT = "excerpt.decide"  # decide proposals, edit texts, rebuild audio, make a story draft
    LISTEN_EXCERPT = "excerpt.listen"  # the excerpt's redacted audio, in the admin
    STORY_FROM_EXCERPT = "excerpt.story_draft"  # a draft story page made of the excerpt's pseudonymised texts
    LISTEN_PUBLISHED_EXCERPT = "excerpt.listen_published"  # the redacted audio a live story plays: context `page`
    ISSUE_SETUP_CODE = "account.issue_setup_code"  # artefact: the account that sets up two-step sign-in with it
    FOLLOW_SITE_WORK = "site.follow_work"  # a site's queue: dashboard panels, e-mails on submissions (artefact: None)
    ATTEST_NO_PERSONAL_CONTENT = "story.attest_no_personal_content"  # a story page tells nobody's (artefact: the page)


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
    Action.CREATE_EXCERPT,
    Action.VIEW_EXCERPT,
    Action.DECIDE_EXCERPT,
    Action.LISTEN_EXCERPT,
    Action.STORY_FROM_EXCERPT,
    Action.LISTEN_PUBLISHED_EXCERPT,
    Action.ISSUE_SETUP_CODE,
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
    return roles.held_by(actor)


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
# One answer to "which rows may this actor see or work with?", used by the admin's lists, object views, choosers,
# panels, listings and every choice list of every write form. Editors' story choosers add `usable_for_stories`.

# Beyond administrators (every row) and facilitators (their own sites' rows): the roles that may do an action with
# every site's rows (read-only: their model permissions decide the rest). `scope` (rows) and the per-object rules of
# `may` both read it, so a list never shows a row the policy refuses, nor hides one it allows.
EVERY_SITE: dict[Action, frozenset[str]] = {Action.VIEW_SESSION: frozenset({roles.SAFEGUARDING})}
# Actions on rows only administrators may do, whatever the site.
ADMINISTRATORS_ONLY: frozenset[Action] = frozenset({Action.VIEW_AUDIT_LOG})
# What seeing a row of a model is, for models with a rule of their own (any other: working with it, own sites only).
VIEW_ACTIONS: dict[str, Action] = {
    "facilitation.storysession": Action.VIEW_SESSION,
    "facilitation.participant": Action.VIEW_PARTICIPANT,
    "facilitation.family": Action.VIEW_FAMILY,
    "facilitation.auditevent": Action.VIEW_AUDIT_LOG,
}

# Who a record is about, by model label: everyone whose consent decides whether it may be used in a story.
PEOPLE_LOOKUPS: dict[str, tuple[str, ...]] = {
    "facilitation.participant": ("",),
    "facilitation.recording": ("speakers",),
    "facilitation.submission": ("participants",),
    "facilitation.storysession": ("attendees", "pairs__elder", "pairs__child"),
    "facilitation.excerpt": ("recording__speakers",),  # an excerpt is a recording's: everyone heard in it
}


def view_action(model: Any) -> Action | None:
    """What seeing a row of `model` is (None: working with it, which only the row's own site's staff do)."""
    return VIEW_ACTIONS.get(model._meta.label_lower)


def sees_every_site(actor: Any, action: Action | None) -> bool:
    """Whether this actor may do `action` (None: work) with every site's rows: administrators, `EVERY_SITE`'s roles."""
    if actor is SYSTEM or is_admin(actor):
        return True
    if action is None or action in ADMINISTRATORS_ONLY:
        return False
    return bool(role_names(actor) & EVERY_SITE.get(Action(action), frozenset()))


def sees_row(actor: Any, action: Action | None, site: Site) -> bool:
    """The per-object form of `scope`: may this actor do `action` with a row of `site`? (Role and site only.)"""
    if sees_every_site(actor, action):
        return True
    return action not in ADMINISTRATORS_ONLY and facilitates(actor, site)


def scope(actor: Any, queryset, site_lookup: str | None = None, *, action: Action | None = None):
    """The rows of `queryset` this actor may do `action` with (None: work with, i.e. write, and every choice list):
    their own sites' rows (every row for administrators, every site's for the roles `EVERY_SITE` names).

    The SQL form of `may`'s role and site rules (`sees_row`); consent is decided per object by `may`.
    """
    if sees_every_site(actor, action):
        return queryset
    if action in ADMINISTRATORS_ONLY or roles.FACILITATOR not in role_names(actor):
        return queryset.none()
    lookup = site_lookup_for(queryset.model) if site_lookup is None else site_lookup
    return queryset.filter(**{f"{lookup}__in" if lookup else "pk__in": sites_of(actor)})


def visible(actor: Any, queryset):
    """The rows of `queryset` this actor may see in a list: `scope` with the model's view action (`VIEW_ACTIONS`)."""
    return scope(actor, queryset, action=view_action(queryset.model))


def scoped_choices(actor: Any, model_or_field: Any):
    """The choices a write form may offer this actor for a model (or for a relation field pointing to one)."""
    model = getattr(model_or_field, "related_model", None) or model_or_field
    return scope(actor, model._default_manager.all())


def facilitators_of(sites):
    """Active users in the Facilitators role assigned to any of `sites` (witnesses, a session's facilitators)."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=roles.FACILITATOR, facilitation_sites__in=sites)
        .distinct()
        .order_by("username")
    )


def facilitator_role_users():
    """Active users in the Facilitators role, whichever sites they are assigned to."""
    users = get_user_model().objects.filter(is_active=True, groups__name=roles.FACILITATOR)
    return users.distinct().order_by("username")


def assignable_facilitators(actor: Any):
    """The facilitators this actor may name on a record: those of the actor's own sites."""
    return facilitators_of(sites_of(actor))


def usable_for_stories(actor: Any, queryset):
    """What a story may be built from, for editors' choosers: records whose every person (at least one) has a current
    consent covering at least one publication scope. Publishing still asks `may(PUBLISH_STORY)` for exact uses."""
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
    mine = scope(actor, queryset, site_lookup)
    if queryset.model._meta.label_lower not in PEOPLE_LOOKUPS:
        return mine
    usable = usable_for_stories(actor, queryset.model._default_manager.all())
    return queryset.filter(Q(pk__in=mine.values("pk")) | Q(pk__in=usable.values("pk")))


# --- Records nobody deletes -----------------------------------------------------------------------------------------

# By model label, whoever asks: consent records are append-only (deleting a newer one would bring an older, wider
# grant back), a family submission is declined through its review (which deletes its files with it), and the audit log
# is written by the platform. Their admin viewsets have no delete view; the admin's delete hook refuses the rest.
NEVER_DELETED: frozenset[str] = frozenset(
    {"facilitation.consentrecord", "facilitation.submission", "facilitation.auditevent"}
)


def never_deleted(model: Any) -> bool:
    return model._meta.label_lower in NEVER_DELETED


# --- What each consent scope takes down -------------------------------------------------------------------------


class Artefact(StrEnum):
    """What the programme keeps or shows that a consent scope can take down."""

    RECORDING_AUDIO = "recording_audio"  # a recording's original audio
    PUBLIC_AUDIO_COPY = "public_audio_copy"  # a recording heard by the public: a story's audio and its public copy
    TRANSCRIPTION_JOB = "transcription_job"  # a transcription queued or running
    TRANSCRIPT = "transcript"  # every revision of a recording's transcript
    EXPORT = "export"  # a transcript exported as a file
    EXCERPT = "excerpt"  # a passage of a transcript prepared for a story
    PHOTO = "photo"  # a photo a family sent
    STORY_PAGE = "story_page"  # a published story (its words)
    STORY_AUDIO = "story_audio"  # a published story, as far as it plays audio
    STORY_PHOTOS = "story_photos"  # a published story, as far as it shows images


# The one table of what each scope takes down: an artefact is kept (or shown) only while everyone it concerns consents
# to every scope whose row names it (`needs`). Read by the policy's rules, `takedowns`, the withdrawal and the
# reconciliation (facilitation.reconcile, and the consent_changed receivers of media_tools and stories).
TAKEDOWN: dict[str, frozenset[Artefact]] = {
    Scope.RECORD.value: frozenset(
        {
            Artefact.RECORDING_AUDIO,
            Artefact.PUBLIC_AUDIO_COPY,
            Artefact.TRANSCRIPTION_JOB,
            Artefact.TRANSCRIPT,
            Artefact.EXPORT,
            Artefact.EXCERPT,
        }
    ),
    Scope.TRANSCRIBE.value: frozenset(
        {Artefact.TRANSCRIPTION_JOB, Artefact.TRANSCRIPT, Artefact.EXPORT, Artefact.EXCERPT}
    ),
    Scope.ARCHIVE.value: frozenset(
        {
            Artefact.RECORDING_AUDIO,
            Artefact.PUBLIC_AUDIO_COPY,
            Artefact.TRANSCRIPT,
            Artefact.EXPORT,
            Artefact.EXCERPT,
            Artefact.PHOTO,
        }
    ),
    Scope.PUBLISH_TEXT.value: frozenset({Artefact.STORY_PAGE}),
    Scope.PUBLISH_AUDIO.value: frozenset({Artefact.PUBLIC_AUDIO_COPY, Artefact.STORY_AUDIO}),
    Scope.PUBLISH_PHOTOS.value: frozenset({Artefact.STORY_PHOTOS}),
    Scope.EVALUATION.value: frozenset(),  # nothing comes down: the indicators count only who consents, when computed
}

# Originals are destroyed only by a "no" (`stated_scopes`): a consent that lapsed (a review date, an 18th birthday)
# locks them until it is asked again. Everything else comes down as soon as the current consent no longer covers it.
ORIGINALS = frozenset({Artefact.RECORDING_AUDIO, Artefact.PHOTO})

# Taking a scope back on the withdrawal screen also takes these back, though the remaining consent would keep them:
# "publish photos" withdrawn there means "take my photos back".
TAKEN_BACK_ON_WITHDRAWAL: dict[str, frozenset[Artefact]] = {Scope.PUBLISH_PHOTOS.value: frozenset({Artefact.PHOTO})}


def needs(artefact: Artefact) -> frozenset[str]:
    """The scopes everyone `artefact` concerns must consent to for it to be kept or shown (`TAKEDOWN` read back)."""
    return frozenset(scope for scope, artefacts in TAKEDOWN.items() if artefact in artefacts)


def _held(participant: Participant, *, original: bool) -> set[str]:
    """The scopes keeping an artefact may count on: what the latest record says for originals, else what is in force."""
    if original:
        return stated_scopes(participant)
    state = consent_state(participant)
    return set() if state.reasons else set(state.scopes)


def takedowns(participants) -> dict[Participant, frozenset[Artefact]]:
    """What the current consent state of each participant requires taking down of what concerns them (only the
    participants with something to take down)."""
    required: dict[Participant, frozenset[Artefact]] = {}
    for participant in participants:
        held = {original: _held(participant, original=original) for original in (False, True)}
        artefacts = frozenset(a for a in Artefact if needs(a) - held[a in ORIGINALS])
        if artefacts:
            required[participant] = artefacts
    return required


def taken_back_on_withdrawal(scopes) -> frozenset[Artefact]:
    """What withdrawing `scopes` on the withdrawal screen takes back beyond what the remaining consent requires."""
    return frozenset().union(*(TAKEN_BACK_ON_WITHDRAWAL.get(scope, frozenset()) for scope in scopes))


def must_take_down(artefact: Artefact, participants) -> bool:
    """Whether the current consent of anyone among `participants` requires taking `artefact` down (`takedowns`,
    for one artefact)."""
    needed = needs(artefact)
    return any(needed - _held(p, original=artefact in ORIGINALS) for p in participants)


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
KEEP_RECORDING_SCOPES = needs(Artefact.RECORDING_AUDIO)


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
    reasons += recording_consent(recording, needs(Artefact.RECORDING_AUDIO))
    return Decision(not reasons, reasons)


def _listen_published(actor, recording: Recording, page=None, **context) -> Decision:
    """Anyone may hear a recording that is the audio of a live story page, while everyone heard consents to it."""
    reasons = []
    if page is None or not page.live or getattr(page, "audio_id", None) != recording.pk:
        reasons.append(_("Not the audio of a published story."))
    if recording.deleted_at or not recording.file:
        reasons.append(_("The recording has been deleted."))
    reasons += recording_consent(recording, needs(Artefact.PUBLIC_AUDIO_COPY))
    return Decision(not reasons, reasons)


def _transcribe(actor, recording: Recording, **context) -> Decision:
    reasons = _staff_for_site(actor, recording.site, system_ok=True)
    if recording.deleted_at or not recording.file:
        reasons.append(_("The recording has been deleted."))
    reasons += recording_consent(recording, needs(Artefact.TRANSCRIPTION_JOB))
    return Decision(not reasons, reasons)


def _transcript_access(actor, transcript, **context) -> Decision:
    recording = transcript.recording if hasattr(transcript, "recording") else transcript
    reasons = _staff_for_site(actor, recording.site)
    reasons += recording_consent(recording, needs(Artefact.TRANSCRIPT))
    return Decision(not reasons, reasons)


# --- Excerpts (facilitation.models.excerpts): staff who may edit the recording's transcripts, and editors for material
# whose everyone heard consents to publishing their words (their audio, to hear it). Editors never learn who a name is.
EXCERPT_TEXT_SCOPES = needs(Artefact.EXCERPT)


def _excerpt_access(actor, excerpt, **context) -> Decision:
    recording = excerpt.recording
    reasons = recording_consent(recording, set(EXCERPT_TEXT_SCOPES))
    if excerpt.state != excerpt.State.OPEN:
        reasons.append(_("The excerpt was withdrawn: consent no longer covers it."))
    if actor is SYSTEM or not (is_admin(actor) or facilitates(actor, recording.site)):
        if roles.EDITOR not in role_names(actor):
            reasons.append(_("Only administrators, this site's facilitators and editors may work with excerpts."))
        else:
            reasons += recording_consent(recording, {Scope.PUBLISH_TEXT.value})
    return Decision(not reasons, list(dict.fromkeys(reasons)))


def _listen_excerpt(actor, excerpt, **context) -> Decision:
    decision = _excerpt_access(actor, excerpt)
    reasons = list(decision.reasons)
    if not excerpt.audio:
        reasons.append(_("The excerpt's audio has not been made yet."))
    if not (is_admin(actor) or facilitates(actor, excerpt.recording.site)):
        reasons += recording_consent(excerpt.recording, {Scope.PUBLISH_AUDIO.value})
    return Decision(not reasons, list(dict.fromkeys(reasons)))


def _story_from_excerpt(actor, excerpt, **context) -> Decision:
    """Story pages are editors' (and administrators') work: they make the draft from an excerpt they may see."""
    reasons = list(_excerpt_access(actor, excerpt).reasons)
    if not (is_admin(actor) or roles.EDITOR in role_names(actor)):
        reasons.append(_("Only programme editors and administrators make story drafts."))
    if not any((excerpt.pseudonymised or {}).values()):
        reasons.append(_("The excerpt has no text yet."))
    return Decision(not reasons, list(dict.fromkeys(reasons)))


def _listen_published_excerpt(actor, excerpt, page=None, **context) -> Decision:
    """Anyone may hear the redacted audio a live story plays, while the excerpt is ready and everyone heard consents."""
    reasons = []
    if page is None or not page.live or not plays_excerpt_audio(page) or page.source_excerpt_id != excerpt.pk:
        reasons.append(_("Not the audio of a published story."))
    if not excerpt.audio:
        reasons.append(_("The excerpt's audio has not been made yet."))
    reasons += excerpt_refusals(excerpt)
    reasons += recording_consent(excerpt.recording, {Scope.RECORD, Scope.ARCHIVE, Scope.PUBLISH_AUDIO})
    return Decision(not reasons, list(dict.fromkeys(reasons)))


def _create_excerpt(actor, recording: Recording, segments=(), **context) -> Decision:
    """Only from passages a person has reviewed: each chosen segment marked reviewed, none empty."""
    reasons = _transcript_access(actor, recording).reasons
    if recording.deleted_at or not recording.file:
        reasons.append(_("The recording has been deleted."))
    segments = list(segments)
    if not segments:
        reasons.append(_("Choose at least one segment for the excerpt."))
    if any(not item.get("reviewed") for item in segments):
        reasons.append(_("Every segment of an excerpt must be marked reviewed first."))
    if any(not str(item.get("text") or "").strip() for item in segments):
        reasons.append(_("An excerpt cannot include an empty segment."))
    return Decision(not reasons, reasons)


def excerpt_refusals(excerpt) -> list[str]:
    """Why a story built from this excerpt may not be shown: fails closed on anything not decided for what is there."""
    if excerpt.state != excerpt.State.OPEN:
        return [_("The excerpt was withdrawn: consent no longer covers it.")]
    reasons = []
    if excerpt.proposals.filter(decision=excerpt.proposals.model.Decision.UNDECIDED).exists():
        reasons.append(_("Some pseudonymisation proposals of the excerpt are not decided."))
    if not excerpt.text_hash or excerpt.text_hash != excerpt.texts_digest():
        reasons.append(_("The excerpt's text changed after its proposals were made: look for names again."))
    if not excerpt.audio or excerpt.audio_hash != excerpt.decisions_digest():
        reasons.append(_("The excerpt's audio has not been rebuilt since the last decision or text change."))
    return reasons


def plays_excerpt_audio(page) -> bool:
    return bool(getattr(page, "source_excerpt_id", None) and getattr(page, "plays_excerpt_audio", False))


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
    needed = set(needs(Artefact.STORY_PAGE))
    if getattr(page, "audio_id", None) or plays_excerpt_audio(page):
        needed |= needs(Artefact.STORY_AUDIO)
    if getattr(page, "image_ids", None) and page.image_ids():
        needed |= needs(Artefact.STORY_PHOTOS)
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
    "source_excerpt": "facilitation.excerpt",
}


def people_ids_of(label: str, pk: int) -> set[int]:
    """Ids of everyone a recording, submission or session names (PEOPLE_LOOKUPS), in one query per relation."""
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
    newest = ConsentRecord.objects.aggregate(newest=Max("pk"))["newest"]
    excerpt = None  # a story made from an excerpt: any change of its decisions, texts or audio asks again
    if getattr(page, "source_excerpt_id", None):
        excerpt = Excerpt.objects.filter(pk=page.source_excerpt_id).values_list("changed_at", "state").first()
    key = (page.pk, page.latest_revision_id, page.last_published_at, timezone.localdate(), newest, excerpt)
    shown = _SHOWN.get(key)
    if shown is None:
        if len(_SHOWN) > 4096:
            _SHOWN.clear()
        shown = _SHOWN[key] = may(SYSTEM, Action.PUBLISH_STORY, page).allowed
    return shown


def has_source(page) -> bool:
    sources = ("source_recording", "source_submission", "source_session", "source_excerpt")
    return any(getattr(page, f"{name}_id", None) for name in sources)


def attested_without_personal_content(page) -> bool:
    """An administrator's attestation that the page holds nothing about anyone; it counts only if an admin made it."""
    attested_by = getattr(page, "no_personal_content_attested_by", None)
    return bool(getattr(page, "no_personal_content", False)) and _attest(attested_by, page).allowed


def _attest(actor, page, **context) -> Decision:
    """That a story page holds nothing about anyone (so needs no source): administrators only."""
    if is_admin(actor):
        return Decision(True)
    return Decision.refuse(_("Only administrators confirm that a story has no personal content."))


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
        reasons += recording_consent(page.audio, needs(Artefact.PUBLIC_AUDIO_COPY))
    if getattr(page, "source_excerpt_id", None):
        reasons += excerpt_refusals(page.source_excerpt)
    return Decision(not reasons, list(dict.fromkeys(reasons)))


def retention_passed(family, on: datetime.date | None = None) -> bool:
    """A family that left the programme more than RETENTION_AFTER_LEAVING_DAYS ago: nothing made from their material
    is kept or shown any more (`facilitation.retention` deletes it; stories built from it go offline)."""
    left_on = getattr(family, "left_on", None)
    if left_on is None:
        return False
    on = on or timezone.localdate()
    return left_on + datetime.timedelta(days=settings.RETENTION_AFTER_LEAVING_DAYS) < on


def families_past_retention(family_ids):
    """The families among `family_ids` past their retention period (one query; the SQL form of `retention_passed`)."""
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
    """A participant's record (real name aside, see `_real_name`): administrators and the site's facilitators, as the
    participants' list (`scope`). Evaluators count participants through the evaluation screens, never see a row."""
    if sees_row(actor, Action.VIEW_PARTICIPANT, participant.family.site):
        return Decision(True)
    return Decision.refuse(_("Not allowed to see participants."))


def _real_name(actor, participant: Participant, **context) -> Decision:
    if is_admin(actor) or facilitates(actor, participant.family.site):
        return Decision(True)
    return Decision.refuse(_("Real names are restricted to the site's facilitators."))


def _manage_consent(actor, participant: Participant | None, **context) -> Decision:
    """A participant's consent, or (None) the consent screens before any record: the consents to ask again."""
    if participant is None:
        return _some_site_staff(actor)
    reasons = _staff_for_site(actor, participant.family.site)
    return Decision(not reasons, reasons)


def _view_session(actor, session: StorySession, **context) -> Decision:
    """Administrators, the site's facilitators and safeguarding leads (`EVERY_SITE`), as the sessions' list. Evaluators
    read sessions only as the evaluation screens show them: pseudonymised, free text only where marked shareable."""
    if sees_row(actor, Action.VIEW_SESSION, session.site):
        return Decision(True)
    return Decision.refuse(_("Not allowed to see this session."))


def _view_audit_log(actor, event=None, **context) -> Decision:
    if actor is not SYSTEM and sees_every_site(actor, Action.VIEW_AUDIT_LOG):
        return Decision(True)
    return Decision.refuse(_("The audit log is for administrators only."))


def _invite_family(actor, artefact=None, **context) -> Decision:
    """Staff of at least one site invite that site's families (the form offers only those)."""
    if actor is not SYSTEM and sites_of(actor).exists():
        return Decision(True)
    return Decision.refuse(_("Only administrators and facilitators of a site invite families."))


def _some_site_staff(actor) -> Decision:
    """Screens for the staff of any site, before a record is chosen (what they list is scoped to the actor's sites)."""
    if actor is not SYSTEM and (is_admin(actor) or sites_of(actor).exists()):
        return Decision(True)
    return Decision.refuse(_("Only administrators and this site's facilitators may do this."))


def _follow_site_work(actor, artefact=None, **context) -> Decision:
    """What waits for a site's staff (submissions to review, withdrawals, consents to ask again, upcoming sessions),
    on the admin home page and by e-mail: administrators and facilitators."""
    if actor is not SYSTEM and (is_admin(actor) or roles.FACILITATOR in role_names(actor)):
        return Decision(True)
    return Decision.refuse(_("Only administrators and this site's facilitators may do this."))


def _print_consent_forms(actor, artefact=None, **context) -> Decision:
    """Blank forms hold nothing about anyone; they are for the staff who collect consent."""
    if actor is not SYSTEM and (is_admin(actor) or sites_of(actor).exists()):
        return Decision(True)
    return Decision.refuse(_("Only administrators and this site's facilitators may do this."))


def _follow_transcription(actor, recording: Recording | None, **context) -> Decision:
    """The transcription page of a recording and its jobs' progress: whoever may listen to it or transcribe it.
    None: the jobs list, for the staff of any site (each sees their own sites' jobs, `scope`)."""
    if recording is None:
        return _some_site_staff(actor)
    listen = _recording_access(actor, recording)
    if listen:
        return listen
    transcribe = _transcribe(actor, recording)
    if transcribe:
        return transcribe
    return Decision.refuse(*dict.fromkeys([*listen.reasons, *transcribe.reasons]))


def _edit_session(actor, session: StorySession, **context) -> Decision:
    reasons = _staff_for_site(actor, session.site)
    return Decision(not reasons, reasons)


def _safeguarding_note(actor, session: StorySession, **context) -> Decision:
    if is_admin(actor) or roles.SAFEGUARDING in role_names(actor):
        return Decision(True)
    return Decision.refuse(_("Safeguarding notes are for the safeguarding lead only."))


def _issue_setup_code(actor, account, **context) -> Decision:
    """A code that lets `account` set up two-step sign-in: administrators only, or the server itself (`manage.py
    issue_setup_code`, SYSTEM: whoever runs commands on the server is the trust anchor, so the first administrator
    never locks themselves out). Only for active accounts that need two-step sign-in."""
    reasons = []
    if not (actor is SYSTEM or is_admin(actor)):
        reasons.append(_("Only administrators issue two-step sign-in setup codes."))
    if account is None or not getattr(account, "is_active", False) or not requires_two_factor(account):
        reasons.append(_("This account does not use two-step sign-in."))
    return Decision(not reasons, reasons)


def handles_concerns(actor: Any) -> bool:
    """Safeguarding leads and administrators: they read and follow up every site's concerns."""
    return actor is not SYSTEM and (is_admin(actor) or roles.SAFEGUARDING in role_names(actor))


def concerns_for(actor: Any, queryset):
    """The concerns this actor may read: all for those who handle concerns, none for anyone else (a facilitator
    writes a concern and cannot read it back)."""
    return queryset if handles_concerns(actor) else queryset.none()


def concern_handlers():
    """Active users who handle concerns (safeguarding leads and administrators): whom a new concern is sent to."""
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(is_superuser=True) | Q(groups__name=roles.SAFEGUARDING)).distinct().order_by("username")


def _raise_concern(actor, session_or_site, children=(), **context) -> Decision:
    """This site's facilitators (and administrators) raise concerns about children of that site only. None: the form,
    before a session is chosen (it offers the actor's own sites' sessions only)."""
    if session_or_site is None:
        return _some_site_staff(actor)
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
    reasons += _require_scopes(people, needs(Artefact.PHOTO))
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
    Action.VIEW_AUDIT_LOG: _view_audit_log,
    Action.INVITE_FAMILY: _invite_family,
    Action.FOLLOW_TRANSCRIPTION: _follow_transcription,
    Action.PRINT_CONSENT_FORMS: _print_consent_forms,
    Action.RAISE_CONCERN: _raise_concern,
    Action.VIEW_CONCERN: _concern_access,
    Action.HANDLE_CONCERN: _concern_access,
    Action.CREATE_EXCERPT: _create_excerpt,
    Action.VIEW_EXCERPT: _excerpt_access,
    Action.DECIDE_EXCERPT: _excerpt_access,
    Action.LISTEN_EXCERPT: _listen_excerpt,
    Action.STORY_FROM_EXCERPT: _story_from_excerpt,
    Action.LISTEN_PUBLISHED_EXCERPT: _listen_published_excerpt,
    Action.ISSUE_SETUP_CODE: _issue_setup_code,
    Action.FOLLOW_SITE_WORK: _follow_site_work,
    Action.ATTEST_NO_PERSONAL_CONTENT: _attest,
}
