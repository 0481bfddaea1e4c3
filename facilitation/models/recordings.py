"""Recordings: private audio, stored outside MEDIA_ROOT and only ever served after `policy.may` allows it."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .integrity import site_mismatches
from .programme import LANGUAGE_CHOICES, Family, Participant, Site
from .sessions import StorySession

# Containers the public copy can be written in without re-encoding (others become Ogg/Opus).
PUBLISHABLE_SUFFIXES = {".m4a", ".mp4", ".3gp", ".mp3", ".ogg", ".opus", ".webm", ".flac", ".wav"}


def private_storage():
    """The `private` storage (local folder or private S3 bucket): it has no public URL."""
    return storages["private"]


def recording_path(instance: "Recording", filename: str) -> str:
    """Private storage path that carries no name, family or original filename."""
    return f"recordings/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class Recording(models.Model):
    """Audio of a session, or submitted by a family. Private: served only through the policy-checked view."""

    class Source(models.TextChoices):
        SESSION = "session", _("Session recording")
        FAMILY = "family", _("Submitted by the family")

    session = models.ForeignKey(
        StorySession,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recordings",
        verbose_name=_("session"),
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="recordings", verbose_name=_("family"))
    speakers = models.ManyToManyField(
        Participant,
        related_name="recordings",
        verbose_name=_("participants heard"),
        help_text=_("Everyone whose voice is in the recording: each must consent."),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.SESSION)
    submission = models.ForeignKey(
        "facilitation.Submission",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="recordings",
        editable=False,
        verbose_name=_("family submission"),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    language = models.CharField(
        _("language"),
        max_length=4,
        blank=True,
        default="auto",
        choices=[("auto", _("Detect automatically"))] + LANGUAGE_CHOICES,
    )
    file = models.FileField(_("audio file"), upload_to=recording_path, storage=private_storage, blank=True)
    original_format = models.CharField(max_length=40, blank=True, editable=False, verbose_name=_("original format"))
    codec = models.CharField(max_length=40, blank=True, editable=False, verbose_name=_("codec"))
    duration_seconds = models.FloatField(null=True, blank=True, editable=False, verbose_name=_("duration (seconds)"))
    size_bytes = models.BigIntegerField(null=True, blank=True, editable=False, verbose_name=_("size (bytes)"))
    checksum = models.CharField(max_length=64, blank=True, editable=False, verbose_name=_("checksum"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("deleted at"))
    deletion_reason = models.CharField(
        max_length=200, blank=True, editable=False, verbose_name=_("reason for deletion")
    )

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or f"{self.family.code} · {self.created_at:%d.%m.%Y}" if self.created_at else str(self.pk)

    @property
    def site(self) -> Site:
        return self.family.site

    def clean(self):
        """A recording belongs to one site: its session must be of its family's site (speakers: see the form)."""
        if self.family_id and self.session_id:
            reasons = site_mismatches(self.family.site, [self.session])
            if reasons:
                raise ValidationError({"session": reasons})

    def published_copy_name(self) -> str:
        """Where the metadata-free public copy lives (facilitation.published_audio makes it)."""
        suffix = Path(self.file.name).suffix.lower()
        return f"published/recording-{self.pk}{suffix if suffix in PUBLISHABLE_SUFFIXES else '.ogg'}"

    def purge_file(self, reason: str) -> bool:
        """Delete the audio and its public copy (consent withdrawn); the row stays as proof of what happened."""
        had_file = bool(self.file)
        storage = private_storage()
        if had_file and storage.exists(self.published_copy_name()):
            storage.delete(self.published_copy_name())
        if had_file:
            self.file.delete(save=False)
        self.deleted_at = timezone.now()
        self.deletion_reason = reason
        self.save(update_fields=["file", "deleted_at", "deletion_reason"])
        return had_file
