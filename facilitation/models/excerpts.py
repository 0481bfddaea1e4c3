"""Excerpts: passages of a reviewed transcript on their way to a story, with their pseudonymisation decisions.

An excerpt copies the chosen segments (text and word times) out of the transcript, so that what staff decided about
stays what is published even if the transcript is edited later. The original language's text is that copy; texts in
the other languages are typed by staff. Every text gets proposals (names, places, numbers) that staff accept, change
or reject; the pseudonymised texts and the redacted audio are made from the decisions. Whether a story built from an
excerpt may go live is the policy's (`facilitation.policy.excerpt_refusals`); withdrawal empties the excerpt
(`facilitation.excerpts.purge_excerpt`) but keeps the row, as proof of what happened and for the stories built on it.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .programme import LANGUAGE_CHOICES
from .recordings import Recording, private_storage

EXCERPT_LANGUAGES = ("kk", "ru", "en")


def excerpt_audio_path(instance: Excerpt, filename: str) -> str:
    """Private storage path that carries no name, family or recording number."""
    return f"excerpts/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.ogg"


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


class Excerpt(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("Being reviewed")
        WITHDRAWN = "withdrawn", _("Withdrawn: consent no longer covers it")

    recording = models.ForeignKey(
        Recording, on_delete=models.CASCADE, related_name="excerpts", verbose_name=_("recording")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Any change of texts, decisions or audio: what the serving cache of a story made from it is keyed on.
    changed_at = models.DateTimeField(auto_now=True, verbose_name=_("changed at"))
    transcript_revision = models.PositiveIntegerField(_("transcript revision"), default=0)
    first_segment = models.PositiveIntegerField(_("first segment"), default=0)
    last_segment = models.PositiveIntegerField(_("last segment"), default=0)
    start = models.FloatField(_("start (seconds)"), default=0.0)
    end = models.FloatField(_("end (seconds)"), default=0.0)
    # The chosen segments as they were: [{"index", "start", "end", "text", "words"}], in order.
    segments = models.JSONField(_("segments"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=4, choices=LANGUAGE_CHOICES)
    original_text = models.TextField(_("original text"), blank=True)
    # Text per language ({"kk": ..., "ru": ...}); the original language's is `original_text`.
    texts = models.JSONField(_("texts"), default=dict, blank=True)
    pseudonymised = models.JSONField(_("pseudonymised texts"), default=dict, blank=True)
    text_hash = models.CharField(_("texts the proposals were made for"), max_length=64, blank=True)
    audio = models.FileField(
        _("redacted audio"), upload_to=excerpt_audio_path, storage=private_storage, blank=True, max_length=200
    )
    audio_hash = models.CharField(_("decisions the audio was made for"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("excerpt")
        verbose_name_plural = _("excerpts")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return _("Excerpt #%(id)s (%(start)s–%(end)s s)") % {
            "id": self.pk,
            "start": f"{self.start:.1f}",
            "end": f"{self.end:.1f}",
        }

    @property
    def site(self):
        return self.recording.family.site

    def text_in(self, language: str) -> str:
        if language == self.language:
            return self.original_text
        return (self.texts or {}).get(language, "")

    def current_texts(self) -> dict[str, str]:
        """Every non-empty text, the original included."""
        texts = {code: self.text_in(code) for code in EXCERPT_LANGUAGES}
        return {code: text for code, text in texts.items() if text.strip()}

    def texts_digest(self) -> str:
        return digest(self.current_texts())

    def decisions_digest(self) -> str:
        """What the redacted audio and pseudonymised texts depend on: the texts and every decision about them."""
        decisions = [
            [p.language, p.start, p.end, p.decision, p.final_replacement]
            for p in self.proposals.order_by("language", "start", "end", "pk")
        ]
        return digest({"texts": self.current_texts(), "decisions": decisions})


class ExcerptProposal(models.Model):
    """One span of an excerpt's text that may identify someone, and what staff decided to put in its place."""

    class Decision(models.TextChoices):
        UNDECIDED = "undecided", _("Not decided")
        ACCEPTED = "accepted", _("Accepted")
        CHANGED = "changed", _("Changed")
        REJECTED = "rejected", _("Rejected")

    class Kind(models.TextChoices):
        FAMILY_NAME = "family_name", _("Name of a family member")
        PERSON = "person", _("Other person's name")
        PLACE = "place", _("Place")
        PHONE = "phone", _("Phone number")
        IIN = "iin", _("Individual identification number (IIN)")
        ADDRESS = "address", _("Address")
        SCHOOL = "school", _("School")
        EMAIL = "email", _("E-mail address")

    REPLACING = (Decision.ACCEPTED, Decision.CHANGED)

    excerpt = models.ForeignKey(Excerpt, on_delete=models.CASCADE, related_name="proposals", verbose_name=_("excerpt"))
    language = models.CharField(_("language"), max_length=4, choices=LANGUAGE_CHOICES)
    start = models.PositiveIntegerField(_("start"))
    end = models.PositiveIntegerField(_("end"))
    text = models.CharField(_("found text"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    replacement = models.CharField(_("proposed replacement"), max_length=200)
    person_key = models.CharField(_("person"), max_length=40, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices, default=Decision.UNDECIDED)
    final_replacement = models.CharField(_("replacement"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pseudonymisation proposal")
        verbose_name_plural = _("pseudonymisation proposals")
        ordering = ["excerpt", "language", "start", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start}–{self.end}"

    @property
    def replaces(self) -> bool:
        return self.decision in self.REPLACING
