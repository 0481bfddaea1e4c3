"""The excerpt review screens: an excerpt's texts with each proposal highlighted, decisions, audio and a story draft.

Every read and write asks the policy (VIEW_EXCERPT, DECIDE_EXCERPT, LISTEN_EXCERPT, STORY_FROM_EXCERPT); anything
refused is a 404. Who a found name belongs to is the family's restricted data: a family member's name is shown (in the
text, the list and the text boxes) only to whoever may see that person's real name (VIEW_REAL_NAME); anyone else sees
"a family member's name" in its place and decides on the replacement.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import excerpts as service
from .formats import headed
from .models import Excerpt, ExcerptProposal, Participant
from .models.excerpts import EXCERPT_LANGUAGES
from .policy import Action, authorize, excerpt_refusals, may, scope
from .serving import serve_private_file
from .views import not_found

LANGUAGE_NAMES = {"kk": "Қазақша", "ru": "Русский", "en": "English"}


def _excerpt(request, excerpt_id: int, action: Action, **detail):
    excerpt = get_object_or_404(Excerpt.objects.select_related("recording__family__site__region"), pk=excerpt_id)
    if not authorize(request.user, action, excerpt, detail=detail or None):
        return None
    return excerpt


@dataclass
class ShownProposal:
    proposal: ExcerptProposal
    shown_text: str  # the found words, or "a family member's name" for whoever may not see that person's name
    person_label: str  # the person's code (and real name) where the reader may see it


def _people_seen(user, excerpt: Excerpt) -> dict[str, Participant]:
    """The family's people whose real name this user may see, by proposal person key."""
    people = service.family_people(excerpt.recording)
    return {str(p.pk): p for p in people if may(user, Action.VIEW_REAL_NAME, p)}


def _sees_every_name(user, excerpt: Excerpt) -> bool:
    return all(may(user, Action.VIEW_REAL_NAME, p) for p in service.family_people(excerpt.recording))


def _shown(proposal: ExcerptProposal, seen: dict[str, Participant]) -> ShownProposal:
    person = seen.get(proposal.person_key)
    if proposal.person_key and person is None:
        return ShownProposal(proposal, _("[a family member's name]"), "")
    label = f"{person.code} · {person.real_name}" if person is not None else ""
    return ShownProposal(proposal, proposal.text, label)


def _marked(text: str, shown: list[ShownProposal]) -> list[dict]:
    """The text in pieces, each proposal's span a marked piece (its number, decision and kind)."""
    pieces, position = [], 0
    for number, item in enumerate(shown, start=1):
        p = item.proposal
        if p.start < position or p.end > len(text):
            continue
        if p.start > position:
            pieces.append({"text": text[position : p.start]})
        pieces.append({"text": item.shown_text, "number": number, "proposal": p})
        position = p.end
    pieces.append({"text": text[position:]})
    return pieces


def excerpt_list(request):
    """The excerpts this user may work with: their sites' (staff) and those made of consented material (editors)."""
    mine = scope(request.user, Excerpt.objects.all())
    candidates = Excerpt.objects.filter(Q(pk__in=mine.values("pk")) | Q(state=Excerpt.State.OPEN))
    excerpts = [
        e
        for e in candidates.select_related("recording__family__site__region").order_by("-created_at")[:200]
        if may(request.user, Action.VIEW_EXCERPT, e)
    ]
    rows = [
        {
            "excerpt": e,
            "undecided": e.proposals.filter(decision=ExcerptProposal.Decision.UNDECIDED).count(),
            "total": e.proposals.count(),
        }
        for e in excerpts
    ]
    return TemplateResponse(
        request, "facilitation/excerpts/list.html", {"rows": rows, **headed(_("Excerpts for stories"))}
    )


def excerpt_review(request, excerpt_id: int):
    excerpt = _excerpt(request, excerpt_id, Action.VIEW_EXCERPT)
    if excerpt is None:
        return not_found(request)
    user = request.user
    seen = _people_seen(user, excerpt)
    sees_names = _sees_every_name(user, excerpt)
    texts = excerpt.current_texts()
    languages = []
    number = 0
    for code in sorted(EXCERPT_LANGUAGES, key=lambda code: code != excerpt.language):  # as spoken, first
        proposals = list(excerpt.proposals.filter(language=code).select_related("decided_by").order_by("start"))
        shown = [_shown(p, seen) for p in proposals]
        for item in shown:
            number += 1
            item.number = number
        text = texts.get(code, "")
        languages.append(
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "original": code == excerpt.language,
                "text": text,
                "editable": sees_names and code != excerpt.language,
                "pieces": _marked(text, shown) if text else [],
                "proposals": shown,
                "pseudonymised": _preview(text, shown) if text else "",
            }
        )
    refusals = excerpt_refusals(excerpt)
    return TemplateResponse(
        request,
        "facilitation/excerpts/review.html",
        {
            "excerpt": excerpt,
            "languages": languages,
            "decisions": ExcerptProposal.Decision,
            "refusals": refusals,
            "can_decide": bool(may(user, Action.DECIDE_EXCERPT, excerpt)),
            "can_listen": bool(may(user, Action.LISTEN_EXCERPT, excerpt)),
            "can_make_story": bool(may(user, Action.STORY_FROM_EXCERPT, excerpt)),
            "sees_names": sees_names,
            "story_pages": list(excerpt.story_pages.all()) if hasattr(excerpt, "story_pages") else [],
            **headed(str(excerpt), (_("Excerpts for stories"), reverse("facilitation_excerpts"))),
        },
    )


def _preview(text: str, shown: list[ShownProposal]) -> str:
    """The pseudonymised text as this reader may see it: a family member's name they may not see stays hidden."""
    spans = []
    for item in shown:
        p = item.proposal
        if p.replaces:
            spans.append((p.start, p.end, p.final_replacement))
        elif item.shown_text != p.text:
            spans.append((p.start, p.end, item.shown_text))
    return service.apply(text, spans)


@require_POST
def decide(request, excerpt_id: int):
    """Every proposal's decision from one form; each change is its own audited decision."""
    excerpt = _excerpt(request, excerpt_id, Action.DECIDE_EXCERPT)
    if excerpt is None:
        return not_found(request)
    changed, errors = 0, []
    for proposal in excerpt.proposals.all():
        decision = request.POST.get(f"decision-{proposal.pk}", "")
        replacement = request.POST.get(f"replacement-{proposal.pk}", "").strip()
        if not decision or decision == ExcerptProposal.Decision.UNDECIDED:
            continue
        if decision == ExcerptProposal.Decision.ACCEPTED and replacement and replacement != proposal.replacement:
            decision = ExcerptProposal.Decision.CHANGED
        if decision == proposal.decision and (
            decision != ExcerptProposal.Decision.CHANGED or replacement == proposal.final_replacement
        ):
            continue
        try:
            service.decide(proposal, decision, request.user, replacement)
            changed += 1
        except service.ExcerptRefused as refused:
            errors.extend(refused.reasons)
    for error in dict.fromkeys(errors):
        messages.error(request, error)
    if changed:
        messages.success(request, _("Decisions saved: %(count)s.") % {"count": changed})
    return redirect("facilitation_excerpt", excerpt.pk)


@require_POST
def save_texts(request, excerpt_id: int):
    excerpt = _excerpt(request, excerpt_id, Action.DECIDE_EXCERPT)
    if excerpt is None or not _sees_every_name(request.user, excerpt):
        return not_found(request)
    changed = [
        code
        for code in EXCERPT_LANGUAGES
        if f"text-{code}" in request.POST
        and service.set_text(excerpt, code, request.POST[f"text-{code}"], request.user)
    ]
    if changed:
        messages.success(request, _("Texts saved; names were looked for again in them."))
    return redirect("facilitation_excerpt", excerpt.pk)


@require_POST
def find_again(request, excerpt_id: int):
    excerpt = _excerpt(request, excerpt_id, Action.DECIDE_EXCERPT)
    if excerpt is None:
        return not_found(request)
    service.find_proposals(excerpt, request.user)
    messages.success(request, _("Names, places and numbers were looked for again: decide each proposal."))
    return redirect("facilitation_excerpt", excerpt.pk)


@require_POST
def rebuild_audio(request, excerpt_id: int):
    excerpt = _excerpt(request, excerpt_id, Action.DECIDE_EXCERPT)
    if excerpt is None:
        return not_found(request)
    try:
        service.rebuild_audio(excerpt, request.user)
    except service.ExcerptRefused as refused:
        messages.error(request, " ".join(refused.reasons))
    else:
        messages.success(request, _("The excerpt's audio was rebuilt with the accepted names muted."))
    return redirect("facilitation_excerpt", excerpt.pk)


def excerpt_audio(request, excerpt_id: int):
    excerpt = _excerpt(request, excerpt_id, Action.LISTEN_EXCERPT, range=request.headers.get("Range", ""))
    if excerpt is None:
        return not_found(request)
    try:
        return serve_private_file(
            request, excerpt.audio.storage, excerpt.audio.name, filename=f"excerpt-{excerpt.pk}.ogg"
        )
    except FileNotFoundError:
        return not_found(request)


@require_POST
def story_draft(request, excerpt_id: int):
    excerpt = _excerpt(request, excerpt_id, Action.STORY_FROM_EXCERPT)
    if excerpt is None:
        return not_found(request)
    page = service.request_story_draft(excerpt, request.user)
    if page is None:
        messages.error(request, _("No story draft could be made: the site has no story index yet."))
        return redirect("facilitation_excerpt", excerpt.pk)
    messages.success(request, _("A story draft was made from the excerpt."))
    return redirect("wagtailadmin_pages:edit", page.pk)


def urlpatterns() -> list:
    return [
        path("excerpts/", excerpt_list, name="facilitation_excerpts"),
        path("excerpts/<int:excerpt_id>/", excerpt_review, name="facilitation_excerpt"),
        path("excerpts/<int:excerpt_id>/decide/", decide, name="facilitation_excerpt_decide"),
        path("excerpts/<int:excerpt_id>/texts/", save_texts, name="facilitation_excerpt_texts"),
        path("excerpts/<int:excerpt_id>/find/", find_again, name="facilitation_excerpt_find"),
        path("excerpts/<int:excerpt_id>/audio/", rebuild_audio, name="facilitation_excerpt_rebuild"),
        path("excerpts/<int:excerpt_id>/audio/file/", excerpt_audio, name="facilitation_excerpt_audio"),
        path("excerpts/<int:excerpt_id>/story/", story_draft, name="facilitation_excerpt_story"),
    ]
