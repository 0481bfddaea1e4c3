"""Consent: form versions and append-only consent records. What a record allows is decided in `policy`."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..fields import LanguagesField
from .base import AppendOnlyModel
from .integrity import site_mismatches
from .programme import LANGUAGE_CHOICES, Participant
from .recordings import private_storage


class Scope(models.TextChoices):
    """Each use of a participant's story, consented to one by one. Values are ConsentRecord field names."""

    RECORD = "record_audio", _("Record audio")
    TRANSCRIBE = "transcribe", _("Transcribe automatically")
    ARCHIVE = "archive", _("Keep in the programme archive")
    PUBLISH_TEXT = "publish_text", _("Publish the story's words")
    PUBLISH_AUDIO = "publish_audio", _("Publish the audio")
    PUBLISH_PHOTOS = "publish_photos", _("Publish photos")
    EVALUATION = "evaluation", _("Use in the pilot evaluation")


class ConsentFormVersion(models.Model):
    """The exact text people agreed to, per language. A record always points to the version and language shown."""

    version = models.CharField(_("version"), max_length=20, unique=True)
    effective_from = models.DateField(_("effective from"))
    text = models.TextField(_("consent text"))
    child_text = models.TextField(_("child's assent text"), help_text=_("In words a child understands."))

    class Meta:
        verbose_name = _("consent form version")
        verbose_name_plural = _("consent form versions")
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"{self.version} ({self.effective_from:%d.%m.%Y})"

    @classmethod
    def current(cls) -> "ConsentFormVersion | None":
        return cls.objects.filter(effective_from__lte=timezone.localdate()).order_by("-effective_from").first()


def evidence_path(instance: "ConsentRecord", filename: str) -> str:
    return f"consent-evidence/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class ConsentRecord(AppendOnlyModel):
    """One statement of consent for one participant: a grant, or a withdrawal of some or all scopes.

    Records are append-only: the participant's consent is their latest record, and older ones stay as proof.
    Scope fields hold the state *after* this record, so a withdrawal copies the previous grant minus what it takes back.
    """

    class Kind(models.TextChoices):
        GRANT = "grant", _("Consent given or changed")
        WITHDRAWAL = "withdrawal", _("Consent withdrawn")

    class GivenBy(models.TextChoices):
        PARTICIPANT = "participant", _("The participant")
        GUARDIAN = "guardian", _("A guardian, for the child")

    class Assent(models.TextChoices):
        YES = "yes", _("The child said yes")
        NO = "no", _("The child said no")
        NOT_APPLICABLE = "n/a", _("Not a child")

    class Method(models.TextChoices):
        PAPER = "paper", _("On paper (scan attached)")
        DIGITAL = "digital", _("Digitally")
        SPOKEN = "spoken", _("Spoken and recorded")

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="consent_records", verbose_name=_("participant")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.GRANT)
    form_version = models.ForeignKey(
        ConsentFormVersion, on_delete=models.PROTECT, related_name="records", verbose_name=_("consent form version")
    )
    form_language = models.CharField(_("language of the form shown"), max_length=2, choices=LANGUAGE_CHOICES)
    given_by = models.CharField(_("given by"), max_length=12, choices=GivenBy.choices)
    guardian_relation = models.CharField(
        _("guardian's relation to the child"), max_length=100, blank=True, help_text=_("e.g. grandmother, aunt")
    )
    child_assent = models.CharField(
        _("the child's own assent"), max_length=3, choices=Assent.choices, default=Assent.NOT_APPLICABLE
    )
    record_audio = models.BooleanField(_("record audio"), default=False)
    transcribe = models.BooleanField(_("transcribe automatically"), default=False)
    archive = models.BooleanField(_("keep in the programme archive"), default=False)
    publish_text = models.BooleanField(_("publish the story's words"), default=False)
    publish_audio = models.BooleanField(_("publish the audio"), default=False)
    publish_photos = models.BooleanField(_("publish photos"), default=False)
    evaluation = models.BooleanField(_("use in the pilot evaluation"), default=False)
    publish_languages = LanguagesField(
        verbose_name=_("languages a publication may use"), help_text=_("Only for the publication scopes.")
    )
    withdrawn_scopes = models.JSONField(default=list, blank=True, editable=False, verbose_name=_("uses withdrawn"))
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    evidence_file = models.FileField(
        _("evidence (scan or recording)"), upload_to=evidence_path, storage=private_storage, blank=True
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("witness (facilitator)"),
    )
    given_on = models.DateField(_("date"), default=timezone.localdate)
    review_on = models.DateField(
        _("review date"),
        null=True,
        blank=True,
        help_text=_("When consent must be asked again; for a child at the latest on their 18th birthday."),
    )
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(default=timezone.now, editable=False, verbose_name=_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-recorded_at", "-id"]
        get_latest_by = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.participant.code} · {self.get_kind_display()} · {self.given_on:%d.%m.%Y}"

    @property
    def scopes(self) -> set[str]:
        return {scope.value for scope in Scope if getattr(self, scope.value)}

    def clean(self):
        errors = {}
        participant = getattr(self, "participant", None)
        if participant is not None and participant.is_child:
            if self.given_by != self.GivenBy.GUARDIAN and self.kind == self.Kind.GRANT:
                errors["given_by"] = _("For a child, consent is given by a guardian; the child's assent is separate.")
            if self.kind == self.Kind.GRANT and self.given_by == self.GivenBy.GUARDIAN and not self.guardian_relation:
                errors["guardian_relation"] = _("Say how the guardian is related to the child.")
            if self.child_assent == self.Assent.NOT_APPLICABLE:
                errors["child_assent"] = _("Record the child's own answer: yes or no.")
            limit = participant.eighteenth_birthday()
            if limit and self.kind == self.Kind.GRANT and (self.review_on is None or self.review_on > limit):
                errors["review_on"] = _("For a child the review date is at the latest %(date)s (18th birthday).") % {
                    "date": limit.strftime("%d.%m.%Y")
                }
        if self.method == self.Method.PAPER and not self.evidence_file and self.kind == self.Kind.GRANT:
            errors["evidence_file"] = _("Attach the scan of the signed paper form.")
        publishing = self.publish_text or self.publish_audio or self.publish_photos
        if publishing and not self.publish_languages:
            errors["publish_languages"] = _("Choose the languages a publication may use.")
        if self.form_version_id and self.given_on and self.form_version.effective_from > self.given_on:
            errors["form_version"] = _("This form version was not yet in effect on that date.")
        if participant is not None and self.witness_id:
            reasons = site_mismatches(participant.family.site, [self.witness])
            if reasons:
                errors["witness"] = reasons
        if errors:
            raise ValidationError(errors)
