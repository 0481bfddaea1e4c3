"""Storytelling sessions: the plan, what happened, how the child was, and who told stories together."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel

from ..signals import session_saved
from .integrity import site_mismatches
from .programme import Participant, Site


class StorySession(ClusterableModel):
    """One storytelling session at a site: the plan, what happened, and how the child was."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    class WishRespected(models.TextChoices):
        NOT_APPLICABLE = "", _("Not applicable")
        YES = "yes", _("Yes, the session stopped or changed")
        NO = "no", _("No")

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="sessions", verbose_name=_("site"))
    facilitators = ParentalManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitated_sessions", verbose_name=_("facilitators")
    )
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    # "Session guides used" (`prompts_used`) is declared by stories (`SessionGuidePage.used_in_sessions`), so that
    # facilitation's models name nothing of stories; the session's form offers it (`related_records`).
    attendees = ParentalManyToManyField(
        Participant, blank=True, related_name="sessions_attended", verbose_name=_("attendance")
    )
    log = models.TextField(_("what happened"), blank=True)
    observations = models.TextField(_("observations"), blank=True)
    log_shareable = models.BooleanField(
        _("evaluators may read the log and observations"),
        default=False,
        help_text=_("Tick only when the text holds nothing that could identify a child."),
    )
    child_wished_to_stop = models.BooleanField(_("a child wished to stop"), default=False)
    wish_respected = models.CharField(
        _("was the wish respected?"), max_length=3, choices=WishRespected.choices, blank=True
    )
    safeguarding_concern = models.BooleanField(_("safeguarding concern"), default=False)
    safeguarding_note = models.TextField(
        _("safeguarding note"), blank=True, help_text=_("Visible only to the safeguarding lead and administrators.")
    )
    follow_up_actions = models.TextField(_("follow-up actions"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("story session")
        verbose_name_plural = _("story sessions")
        ordering = ["-starts_at"]
        indexes = [models.Index(fields=["starts_at", "status"], name="session_starts_status_idx")]
        permissions = [
            ("view_safeguarding_note", _("Can see safeguarding notes")),
            ("view_evaluation", _("Can see pseudonymised session logs and indicators")),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.starts_at) if timezone.is_aware(self.starts_at) else self.starts_at
        return f"{self.site.name} · {local:%d.%m.%Y %H:%M}"

    def save(self, *args, **kwargs):
        # ClusterableModel writes attendees and pairs after post_save has fired: whose consent the session's stories
        # need is only known here (facilitation.reconcile listens).
        super().save(*args, **kwargs)
        session_saved.send(sender=type(self), instance=self)

    def clean(self):
        errors = {}
        if self.child_wished_to_stop and not self.wish_respected:
            errors["wish_respected"] = _("Say whether the child's wish to stop was respected.")
        if self.status == self.Status.HELD and self.starts_at and self.starts_at > timezone.now():
            errors["status"] = _("A session in the future cannot be marked as held yet.")
        if errors:
            raise ValidationError(errors)


class SessionPair(models.Model):
    """An elder and a child who told a story together in a session."""

    session = ParentalKey(StorySession, on_delete=models.CASCADE, related_name="pairs", verbose_name=_("session"))
    elder = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("elder"),
        limit_choices_to={"role": "elder"},
    )
    child = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("child"),
        limit_choices_to={"role": "child"},
    )

    class Meta:
        verbose_name = _("elder–child pair")
        verbose_name_plural = _("elder–child pairs")

    def __str__(self) -> str:
        return f"{self.elder.code} + {self.child.code}"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=_role_checked_in_clean(self, ("elder", "child"), exclude))

    def clean(self):
        """Both of the pair belong to the session's site, the elder is an elder and the child a child."""
        _require_session_site(self, ("elder", "child"))


def _require_session_site(row, fields: tuple[str, ...]) -> None:
    """A session's inline row names only people of the session's own site (`site_mismatches`), each in the
    role the field asks for (an elder as the elder, a child as the child)."""
    errors: dict[str, list] = {}
    for name in fields:
        if getattr(row, f"{name}_id", None):
            reason = _role_mismatch(row, name)
            if reason:
                errors.setdefault(name, []).append(reason)
    session = getattr(row, "session", None)
    if session is not None and session.site_id:
        for name in fields:
            if getattr(row, f"{name}_id", None) and name not in errors:
                reasons = site_mismatches(session.site, [getattr(row, name)])
                if reasons:
                    errors[name] = reasons
    if errors:
        raise ValidationError(errors)


def _role_checked_in_clean(row, fields: tuple[str, ...], exclude) -> set[str]:
    """`exclude` for `clean_fields`, plus the fields holding someone in the wrong role: the ForeignKey's own
    `limit_choices_to` check would only say "participant instance with id 2 is not a valid choice"; `clean` says
    "AKT-014-C1 is a child, not an elder"."""
    exclude = set(exclude or ())
    for name in fields:
        if name not in exclude and getattr(row, f"{name}_id", None):
            try:
                if _role_mismatch(row, name):
                    exclude.add(name)
            except Participant.DoesNotExist:
                pass  # the field's own check says so
    return exclude


def _role_mismatch(row, name: str):
    """Why the person in field `name` is not in the role its `limit_choices_to` asks for (None when they are)."""
    wanted = (row._meta.get_field(name).remote_field.limit_choices_to or {}).get("role")
    person = getattr(row, name)
    if not wanted or person.role == wanted:
        return None
    if wanted == Participant.Role.ELDER and person.is_child:
        return _("%(code)s is a child, not an elder.") % {"code": person.code}
    if wanted == Participant.Role.ELDER:
        return _("%(code)s is not an elder.") % {"code": person.code}
    if wanted == Participant.Role.CHILD:
        return _("%(code)s is not a child.") % {"code": person.code}
    return _("%(code)s is not in the right role here.") % {"code": person.code}
