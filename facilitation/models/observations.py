"""Facilitators' per-session observation ratings for each child, agreed with the evaluators (1 to 5, optional)."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey

from .programme import Participant
from .sessions import StorySession, _require_session_site, _role_checked_in_clean

RATING_VALIDATORS = [MinValueValidator(1), MaxValueValidator(5)]
RATING_HELP = _("1 (not at all) to 5 (very much); leave empty when not observed.")


class ObservationRating(models.Model):
    """How one child was in one session. Evaluators only ever see these averaged over at least k children."""

    session = ParentalKey(StorySession, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("session"))
    child = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="observation_ratings",
        verbose_name=_("child"),
        limit_choices_to={"role": "child"},
    )
    engagement = models.PositiveSmallIntegerField(
        _("engagement"), null=True, blank=True, validators=RATING_VALIDATORS, help_text=RATING_HELP
    )
    comfort = models.PositiveSmallIntegerField(
        _("comfort"), null=True, blank=True, validators=RATING_VALIDATORS, help_text=RATING_HELP
    )
    belonging = models.PositiveSmallIntegerField(
        _("sense of belonging"), null=True, blank=True, validators=RATING_VALIDATORS, help_text=RATING_HELP
    )

    class Meta:
        verbose_name = _("observation rating")
        verbose_name_plural = _("observation ratings")
        constraints = [models.UniqueConstraint(fields=["session", "child"], name="unique_rating_per_child_session")]

    def __str__(self) -> str:
        return f"{self.child.code} · {self.session_id}"

    def clean_fields(self, exclude=None):
        super().clean_fields(exclude=_role_checked_in_clean(self, ("child",), exclude))

    def clean(self):
        """The child rated belongs to the session's site (and is a child)."""
        _require_session_site(self, ("child",))
