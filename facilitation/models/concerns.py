"""Safeguarding concerns and staff notification preferences.

A concern is written by a facilitator and read only by the safeguarding lead and administrators: the facilitator
cannot read the note back once it is sent (`policy`, Action.VIEW_CONCERN). The lead's follow-up is a list of
updates, each with the status it moved the concern to, so the history of what was done is kept.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .programme import Participant, Site
from .sessions import StorySession


class Concern(models.Model):
    """A safeguarding concern about one or more children, raised by a facilitator, handled by the lead."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="concerns", verbose_name=_("site"))
    session = models.ForeignKey(
        StorySession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="concerns",
        verbose_name=_("session"),
    )
    children = models.ManyToManyField(Participant, blank=True, related_name="+", verbose_name=_("children concerned"))
    note = models.TextField(_("what you saw or heard"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised"), default=timezone.now, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("handled by"),
    )
    updated_at = models.DateTimeField(_("last change"), auto_now=True)

    class Meta:
        verbose_name = _("safeguarding concern")
        verbose_name_plural = _("safeguarding concerns")
        ordering = ["-raised_at", "-id"]

    def __str__(self) -> str:
        # Named by number and site only: this label reaches the audit log and page titles.
        return _("Concern #%(number)s · %(site)s") % {"number": self.pk, "site": self.site.name}

    def child_codes(self) -> str:
        return ", ".join(child.code for child in self.children.all())


class ConcernUpdate(models.Model):
    """One step of the lead's follow-up: the status it moved the concern to and what was done."""

    concern = models.ForeignKey(
        Concern, on_delete=models.CASCADE, related_name="updates", verbose_name=_("safeguarding concern")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=Concern.Status.choices)
    note = models.TextField(_("follow-up note"), blank=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.concern_id} · {self.status}"


class NotificationPreference(models.Model):
    """Which e-mails a member of staff wants. Absent means the defaults (every e-mail their role can receive)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    concerns = models.BooleanField(
        _("a safeguarding concern is raised"),
        default=True,
        help_text=_("For safeguarding leads and administrators."),
    )
    submissions = models.BooleanField(_("a family sends a story to one of my sites"), default=True)
    withdrawals = models.BooleanField(_("consent is withdrawn at one of my sites"), default=True)
    digest = models.BooleanField(
        _("a daily summary of what needs me"),
        default=True,
        help_text=_("Once a day, only when something waits: the same counts and links as the admin's home page."),
    )
    last_digest_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("notification preferences")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user_id)

    @classmethod
    def for_user(cls, user) -> "NotificationPreference":
        """The saved preferences, or unsaved defaults."""
        return cls.objects.filter(user=user).first() or cls(user=user)
