"""Families' own submissions: an invitation link (single use, expiring) and what the family sent through it.

Secrets (the link token, the short code, the withdrawal key) are stored only as SHA-256 digests: a database leak
does not let anyone open an invitation or withdraw a family's consent.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..formats import compact_code
from .programme import LANGUAGE_CHOICES, Family
from .recordings import private_storage
from .sessions import StorySession

# No 0/O, 1/I/L: short codes are read aloud and typed from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def digest(secret: str) -> str:
    """Codes and keys are compared as typed from paper: spaces, dashes and case do not matter (`compact_code`)."""
    return hashlib.sha256(compact_code(secret).encode()).hexdigest()


def random_code(length: int) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def grouped(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def default_expiry():
    return timezone.now() + timedelta(days=settings.INVITATION_DAYS)


class Invitation(models.Model):
    """A single-use, expiring link (and short code) that lets a family submit a story without an account."""

    family = models.ForeignKey(Family, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("family"))
    session = models.ForeignKey(
        StorySession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("session")
    )
    language = models.CharField(_("language of the link"), max_length=2, choices=LANGUAGE_CHOICES, default="kk")
    token_digest = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("link digest"))
    code_digest = models.CharField(max_length=64, unique=True, editable=False, verbose_name=_("code digest"))
    expires_at = models.DateTimeField(_("expires"), default=default_expiry)
    used_at = models.DateTimeField(_("used"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.family.code} · {self.created_at:%d.%m.%Y}" if self.created_at else self.family.code

    def issue_secrets(self) -> tuple[str, str]:
        """New token and short code; only their digests are kept. Call before the first save."""
        token = secrets.token_urlsafe(24)
        code = random_code(8)
        self.token_digest = digest(token)
        self.code_digest = digest(code)
        return token, grouped(code)

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()

    @classmethod
    def open_by_secret(cls, secret: str) -> Invitation | None:
        """The invitation for a link token or a short code, if still usable; None otherwise (never says why)."""
        value = digest(secret)
        invitation = (
            cls.objects.select_related("family__site")
            .filter(models.Q(token_digest=value) | models.Q(code_digest=value))
            .first()
        )
        return invitation if invitation and invitation.is_open else None


class Submission(models.Model):
    """What a family sent: recordings, photos and consent, waiting for the site's facilitator to review."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        REVIEWED = "reviewed", _("Reviewed")
        DECLINED = "declined", _("Declined")

    invitation = models.OneToOneField(
        Invitation, on_delete=models.PROTECT, related_name="submission", verbose_name=_("invitation")
    )
    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("family"))
    reference = models.CharField(_("reference code"), max_length=20, unique=True, editable=False)
    withdrawal_key_digest = models.CharField(max_length=64, editable=False, verbose_name=_("withdrawal key digest"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    description = models.TextField(_("a few words about the story"), blank=True)
    language = models.CharField(_("language of the story"), max_length=2, choices=LANGUAGE_CHOICES)
    participants = models.ManyToManyField(
        "facilitation.Participant", related_name="submissions", verbose_name=_("participants")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # Set by the facilitator's review (facilitation.submission_review): the session the material was attached to.
    session = models.ForeignKey(
        StorySession, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("session")
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("reviewed by"),
    )

    class Meta:
        verbose_name = _("family submission")
        verbose_name_plural = _("family submissions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.reference

    def issue_secrets(self) -> str:
        """Set the public reference and return the private withdrawal key (shown once, kept only as a digest)."""
        self.reference = "SBG-" + grouped(random_code(8))
        key = random_code(12)
        self.withdrawal_key_digest = digest(key)
        return grouped(key)

    def key_matches(self, key: str) -> bool:
        return secrets.compare_digest(self.withdrawal_key_digest, digest(key))


def photo_path(instance: SubmissionPhoto, filename: str) -> str:
    return f"photos/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.jpg"


class SubmissionPhoto(models.Model):
    """A photo a family sent, re-encoded without EXIF or GPS. Private; published only with the photo consent."""

    submission = models.ForeignKey(
        Submission, on_delete=models.CASCADE, related_name="photos", verbose_name=_("family submission")
    )
    image = models.FileField(upload_to=photo_path, storage=private_storage, verbose_name=_("photo"))
    width = models.PositiveIntegerField(verbose_name=_("width"))
    height = models.PositiveIntegerField(verbose_name=_("height"))

    class Meta:
        verbose_name = _("family photo")
        verbose_name_plural = _("family photos")

    def __str__(self) -> str:
        return f"{self.submission.reference} · {self.pk}"

    def delete(self, *args, **kwargs):
        self.image.delete(save=False)
        return super().delete(*args, **kwargs)
