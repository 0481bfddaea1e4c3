"""From reviewed transcript passages to a publishable story: excerpts, their pseudonyms and their redacted audio.

The transcript side (media_tools) hands over the chosen segments' text and word times (`create_excerpt`); from then
on the excerpt is facilitation's: proposals come from `media_tools.redaction` (pure), decisions are audited one by
one, the audio is cut from the private recording with the accepted names muted, and a story draft is asked of the
stories app through `story_draft_requested` (facilitation never imports stories). Whether anything may be done is
the policy's; whether a story made from the excerpt may go live is `policy.excerpt_refusals`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.files import File
from django.db import transaction
from django.dispatch import Signal, receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from media_tools.redaction import KnownPerson, apply, build_excerpt, char_spans_to_times, propose
from media_tools.redaction.gender import name_gender

__all__ = ["apply", "create_excerpt", "decide", "find_proposals", "rebuild_audio", "request_story_draft", "set_text"]
from media_tools.tempfiles import local_copy, temporary_directory

from .models import Excerpt, ExcerptProposal, Participant, Recording
from .models.excerpts import EXCERPT_LANGUAGES
from .policy import EXCERPT_TEXT_SCOPES, Action, audit, authorize, recording_consent
from .signals import recordings_purging, subject_access_requested

# Sent by `request_story_draft`: excerpt, actor. The stories app answers with the draft page it made.
story_draft_requested = Signal()

# Pseudonyms offered for a family's members, in the order of the family's people (staff may change each one).
#: Pseudonyms by language and gender: a grandmother stays a woman, a grandson a boy ("" = gender unknown).
PSEUDONYMS = {
    "kk": {
        "femn": ("Айдана", "Сәуле", "Гүлнар", "Жанар", "Дана"),
        "masc": ("Ерлан", "Болат", "Марат", "Асқар", "Тимур"),
    },
    "ru": {
        "femn": ("Айдана", "Сауле", "Гульнар", "Жанар", "Дана"),
        "masc": ("Ерлан", "Болат", "Марат", "Аскар", "Тимур"),
    },
    "en": {
        "femn": ("Aidana", "Saule", "Gulnar", "Zhanar", "Dana"),
        "masc": ("Erlan", "Bolat", "Marat", "Askar", "Timur"),
    },
}
MUTE_MARGIN = 0.15


class ExcerptRefused(Exception):
    def __init__(self, reasons: Sequence[str]):
        super().__init__(" ".join(str(r) for r in reasons))
        self.reasons = [str(r) for r in reasons]


# --- Creating ------------------------------------------------------------------------------------------------------


def _clean_segments(segments_payload: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    cleaned = []
    for item in segments_payload:
        cleaned.append(
            {
                "index": int(item["index"]),
                "start": float(item["start"]),
                "end": float(item["end"]),
                "text": str(item.get("text") or "").strip(),
                "words": list(item.get("words") or []),
                "language": str(item.get("language") or ""),
                "reviewed": bool(item.get("reviewed")),
            }
        )
    return sorted(cleaned, key=lambda item: item["index"])


def create_excerpt(recording: Recording, segments_payload: Iterable[dict[str, Any]], actor, *, revision: int = 0):
    """An excerpt of the given segments ({index, start, end, text, words, language, reviewed}), with proposals.

    Raises ExcerptRefused with the policy's reasons (not this site's staff, a segment not reviewed...); the refusal
    is audited (outside the transaction that would have made the excerpt)."""
    segments = _clean_segments(segments_payload)
    indexes = [item["index"] for item in segments]
    decision = authorize(
        actor, Action.CREATE_EXCERPT, recording, segments=segments, detail={"segments": indexes, "revision": revision}
    )
    if not decision:
        raise ExcerptRefused(decision.reasons)
    return _create(recording, segments, actor, revision)


@transaction.atomic
def _create(recording: Recording, segments: list[dict[str, Any]], actor, revision: int) -> Excerpt:
    indexes = [item["index"] for item in segments]
    spoken = Counter(item["language"] for item in segments if item["language"] in EXCERPT_LANGUAGES)
    if spoken:
        language = spoken.most_common(1)[0][0]
    else:
        language = recording.language if recording.language in EXCERPT_LANGUAGES else "kk"
    original = " ".join(item["text"] for item in segments)
    excerpt = Excerpt.objects.create(
        recording=recording,
        created_by=actor if getattr(actor, "pk", None) else None,
        transcript_revision=revision,
        first_segment=indexes[0],
        last_segment=indexes[-1],
        start=min(item["start"] for item in segments),
        end=max(item["end"] for item in segments),
        segments=[{key: item[key] for key in ("index", "start", "end", "text", "words")} for item in segments],
        language=language,
        original_text=original,
        texts={language: original},
    )
    audit(actor, "excerpt.created", excerpt, True, detail={"segments": indexes, "language": language})
    find_proposals(excerpt, actor)
    return excerpt


# --- Proposals -----------------------------------------------------------------------------------------------------


def family_people(recording: Recording) -> list[Participant]:
    """Everyone of the recording's family, and anyone else heard in it: the names the platform knows."""
    people = {p.pk: p for p in recording.family.participants.order_by("role", "index")}
    for speaker in recording.speakers.order_by("pk"):
        people.setdefault(speaker.pk, speaker)
    return list(people.values())


def known_people(recording: Recording, language: str) -> list[KnownPerson]:
    """The family's real names (restricted: they only ever reach the proposal engine, never a page), each with a
    pseudonym that is the same person's in every excerpt of the family."""
    people = family_people(recording)
    real_words = {word.lower() for p in people for word in p.real_name.split()}
    by_gender = PSEUDONYMS.get(language, PSEUDONYMS["en"])
    unknown = [name for pair in zip(by_gender["femn"], by_gender["masc"], strict=True) for name in pair]
    choices = {
        gender: [name for name in names if name.lower() not in real_words]
        for gender, names in {**by_gender, "": unknown}.items()
    }
    known, taken = [], set()
    for person in people:
        if person.real_name.strip():
            pool = choices[name_gender(person.real_name)] or choices[""]
            # The same person gets the same name in every excerpt of the family: people come in a stable order.
            free = [name for name in pool if name not in taken]
            pseudonym = (free or pool or [person.code])[0]
            taken.add(pseudonym)
            known.append(KnownPerson(key=str(person.pk), names=(person.real_name.strip(),), pseudonym=pseudonym))
    return known


def known_places(recording: Recording) -> list[str]:
    """The family's site and region, in every language the platform holds them in."""
    site = recording.family.site
    names: list[str] = []
    for obj in (site, site.region):
        for code in EXCERPT_LANGUAGES:
            value = getattr(obj, f"name_{code}", "") or ""
            if value.strip() and value.strip() not in names:
                names.append(value.strip())
        if obj.name and obj.name.strip() not in names:
            names.append(obj.name.strip())
    return names


@transaction.atomic
def find_proposals(excerpt: Excerpt, actor, languages: Iterable[str] | None = None) -> int:
    """(Re)make the proposals of the given languages' texts (all: None); decisions on the others stay."""
    texts = excerpt.current_texts()
    languages = list(texts) if languages is None else [code for code in languages if code in EXCERPT_LANGUAGES]
    places = known_places(excerpt.recording)
    made = 0
    for language in languages:
        excerpt.proposals.filter(language=language).delete()
        text = texts.get(language, "")
        if not text:
            continue
        found = propose(text, language, known_people(excerpt.recording, language), places)
        ExcerptProposal.objects.bulk_create(
            ExcerptProposal(
                excerpt=excerpt,
                language=language,
                start=item.start,
                end=item.end,
                text=item.text[:500],
                kind=item.kind,
                replacement=item.replacement[:200],
                person_key=item.person_key,
            )
            for item in found
        )
        made += len(found)
    excerpt.text_hash = excerpt.texts_digest()
    excerpt.pseudonymised = pseudonymised_texts(excerpt)
    excerpt.save(update_fields=["text_hash", "pseudonymised", "changed_at"])
    audit(actor, "excerpt.proposals_found", excerpt, True, detail={"languages": languages, "proposals": made})
    return made


def pseudonymised_texts(excerpt: Excerpt) -> dict[str, str]:
    result = {}
    for language, text in excerpt.current_texts().items():
        proposals = excerpt.proposals.filter(language=language)
        spans = [(p.start, p.end, p.final_replacement) for p in proposals if p.replaces]
        result[language] = apply(text, spans)
    return result


@transaction.atomic
def decide(proposal: ExcerptProposal, decision: str, actor, replacement: str = "") -> ExcerptProposal:
    """Accept (the proposed replacement), change (to `replacement`) or reject one proposal; audited."""
    if decision not in (*ExcerptProposal.REPLACING, ExcerptProposal.Decision.REJECTED):
        raise ExcerptRefused([_("Choose accept, change or reject.")])
    replacement = replacement.strip()[:200]
    if decision == ExcerptProposal.Decision.CHANGED and not replacement:
        raise ExcerptRefused([_("Type the replacement to use.")])
    before = proposal.decision
    proposal.decision = decision
    proposal.final_replacement = {
        ExcerptProposal.Decision.ACCEPTED: proposal.replacement,
        ExcerptProposal.Decision.CHANGED: replacement,
    }.get(decision, "")
    proposal.decided_by = actor if getattr(actor, "pk", None) else None
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["decision", "final_replacement", "decided_by", "decided_at"])
    excerpt = proposal.excerpt
    excerpt.pseudonymised = pseudonymised_texts(excerpt)
    excerpt.save(update_fields=["pseudonymised", "changed_at"])
    audit(
        actor,
        "excerpt.proposal_decided",
        excerpt,
        True,
        detail={
            "proposal": proposal.pk,
            "kind": proposal.kind,
            "language": proposal.language,
            "before": before,
            "decision": decision,
            "replacement": proposal.final_replacement,
        },
    )
    return proposal


@transaction.atomic
def set_text(excerpt: Excerpt, language: str, text: str, actor) -> bool:
    """Store staff's text in another language; a changed text gets its own proposals again. The original language's
    text is what was said (the transcript's), never typed over here."""
    if language not in EXCERPT_LANGUAGES or language == excerpt.language:
        return False
    text = text.strip()
    if (excerpt.texts or {}).get(language, "") == text:
        return False
    texts = dict(excerpt.texts or {})
    if text:
        texts[language] = text
    else:
        texts.pop(language, None)
    excerpt.texts = texts
    excerpt.save(update_fields=["texts", "changed_at"])
    audit(actor, "excerpt.text_saved", excerpt, True, detail={"language": language, "characters": len(text)})
    find_proposals(excerpt, actor, [language])
    return True


# --- Audio ---------------------------------------------------------------------------------------------------------


def mute_times(excerpt: Excerpt) -> list[tuple[float, float]]:
    """The recording's times to silence: every accepted or changed proposal in the spoken text (by the engine's word
    times; a name whose words have no times silences its whole segment), and whatever lies between two passages."""
    pieces = [(item["text"], item["words"]) for item in excerpt.segments]
    spans = [
        (p.start, p.end) for p in excerpt.proposals.filter(language=excerpt.language).order_by("start") if p.replaces
    ]
    times = char_spans_to_times(pieces, spans) if spans else []
    offsets, position = [], 0
    for item in excerpt.segments:
        offsets.append((position, position + len(item["text"]), item["start"], item["end"]))
        position += len(item["text"]) + 1
    mute = []
    for (char_start, char_end), (t0, t1) in zip(spans, times, strict=True):
        if t1 > t0:
            mute.append((float(t0), float(t1)))
            continue
        for seg_start, seg_end, time_start, time_end in offsets:  # no word times: the whole segment, failing closed
            if char_start < seg_end and char_end > seg_start:
                mute.append((time_start, time_end))
    for before, after in zip(excerpt.segments, excerpt.segments[1:], strict=False):
        if after["index"] != before["index"] + 1 and after["start"] > before["end"]:
            mute.append((before["end"], after["start"]))
    return sorted(mute)


@transaction.atomic
def rebuild_audio(excerpt: Excerpt, actor) -> Excerpt:
    """Cut the excerpt from the private recording with the decided names muted: a new file, without metadata, in
    private storage. The recording itself is only read."""
    recording = excerpt.recording
    if recording.deleted_at or not recording.file:
        raise ExcerptRefused([_("The recording has been deleted.")])
    mute = mute_times(excerpt)
    with (
        local_copy(recording.file.storage, recording.file.name, prefix="sbg-excerpt-source-") as source,
        temporary_directory(prefix="sbg-excerpt-") as tmp,
    ):
        built = build_excerpt(Path(source), Path(tmp) / "excerpt.ogg", excerpt.start, excerpt.end, mute=mute)
        if excerpt.audio:
            excerpt.audio.delete(save=False)
        with open(built, "rb") as handle:
            excerpt.audio.save("excerpt.ogg", File(handle), save=False)
    excerpt.audio_hash = excerpt.decisions_digest()
    excerpt.save(update_fields=["audio", "audio_hash", "changed_at"])
    muted = [[round(a, 2), round(b, 2)] for a, b in mute]
    audit(actor, "excerpt.audio_rebuilt", excerpt, True, detail={"muted": muted})
    return excerpt


# --- A story draft -------------------------------------------------------------------------------------------------


def request_story_draft(excerpt: Excerpt, actor):
    """Ask the stories app for a draft page made from the excerpt's pseudonymised texts; returns the page (or None)."""
    page = None
    for _receiver, answer in story_draft_requested.send(sender=Excerpt, excerpt=excerpt, actor=actor):
        page = answer or page
    audit(actor, "excerpt.story_drafted", excerpt, page is not None, detail={"page": getattr(page, "pk", None)})
    return page


# --- Taking down ---------------------------------------------------------------------------------------------------


def purge_excerpt(excerpt: Excerpt, actor, reason: str) -> str:
    """Empty an excerpt no consent covers any more: its audio file, texts, word times and proposals go; the row stays
    (withdrawn) as proof, and so that a story built from it can never be shown again."""
    if excerpt.audio:
        excerpt.audio.delete(save=False)
    excerpt.proposals.all().delete()
    excerpt.segments = []
    excerpt.original_text = ""
    excerpt.texts = {}
    excerpt.pseudonymised = {}
    excerpt.audio_hash = ""
    excerpt.text_hash = ""
    excerpt.state = Excerpt.State.WITHDRAWN
    excerpt.withdrawn_at = timezone.now()
    excerpt.save()
    audit(actor, "excerpt.deleted", excerpt, True, detail={"reason": reason})
    return _("Excerpt #%(id)s and its pseudonymised copies deleted.") % {"id": excerpt.pk}


def purge_uncovered_excerpts(people: list[Participant] | None, actor) -> list[str]:
    """For reconcile: excerpts of recordings whose everyone heard no longer consents to keeping their transcript (the
    excerpt is a copy of it), or whose audio was deleted."""
    excerpts = Excerpt.objects.filter(state=Excerpt.State.OPEN).select_related("recording__family__site__region")
    if people is not None:
        excerpts = excerpts.filter(recording__speakers__in=[p.pk for p in people]).distinct()
    lines = []
    for excerpt in excerpts:
        recording = excerpt.recording
        refused = recording_consent(recording, set(EXCERPT_TEXT_SCOPES))
        if refused or recording.deleted_at or not recording.file:
            lines.append(purge_excerpt(excerpt, actor, "consent withdrawn"))
    return lines


@receiver(recordings_purging, dispatch_uid="sbg_excerpts_recordings_purging")
def purge_excerpts_of_purged_recordings(
    sender, recordings=(), actor=None, dry_run: bool = False, **kwargs
) -> list[str]:
    """Retention: a family's recordings are deleted, and every excerpt made from them."""
    excerpts = Excerpt.objects.filter(recording__in=list(recordings), state=Excerpt.State.OPEN)
    if dry_run:
        return [_("Excerpt #%(id)s and its pseudonymised copies deleted.") % {"id": e.pk} for e in excerpts]
    return [purge_excerpt(excerpt, actor, "retention") for excerpt in excerpts]


@receiver(subject_access_requested, dispatch_uid="sbg_excerpts_subject_access")
def excerpts_for_export(sender, family, bundle, recording_ids, **kwargs) -> None:
    """Excerpts of the family's own recordings: their texts, every decision, and the redacted audio."""
    entries = []
    for excerpt in Excerpt.objects.filter(recording_id__in=recording_ids).order_by("pk"):
        bundle.about(excerpt)
        entries.append(
            {
                "id": excerpt.pk,
                "recording": excerpt.recording_id,
                "state": excerpt.state,
                "start": excerpt.start,
                "end": excerpt.end,
                "language": excerpt.language,
                "texts": excerpt.current_texts(),
                "pseudonymised": excerpt.pseudonymised,
                "proposals": [
                    {
                        "language": p.language,
                        "text": p.text,
                        "kind": p.kind,
                        "decision": p.decision,
                        "replacement": p.final_replacement,
                        "decided_at": p.decided_at,
                    }
                    for p in excerpt.proposals.all()
                ],
                "audio": bundle.add_file(f"excerpts/excerpt-{excerpt.pk}.ogg", excerpt.audio),
            }
        )
    bundle.add_json("excerpts", entries)
