"""Where the pilot runs and who takes part: regions, sites, and pseudonymous families and participants."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..languages import LANGUAGE_CHOICES


class Region(models.Model):
    """An oblast or city of republican significance where the pilot runs."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"), max_length=5, unique=True, help_text=_("Short code used in pseudonyms, e.g. AKT.")
    )

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code


class Site(models.Model):
    """A city or district where an NGO partner runs sessions. Facilitators only ever see their own sites."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sites", verbose_name=_("region"))
    name = models.CharField(_("name"), max_length=150)
    ngo_partner = models.CharField(_("NGO partner"), max_length=200)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="facilitation_sites", verbose_name=_("facilitators")
    )

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["region__code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.region.code})"


class Family(models.Model):
    """A family taking part, known by a code only (e.g. AKT-014)."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="families", verbose_name=_("site"))
    number = models.PositiveIntegerField(_("number"), editable=False)
    preferred_language = models.CharField(_("preferred language"), max_length=2, choices=LANGUAGE_CHOICES, default="kk")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    left_on = models.DateField(
        _("left the programme on"),
        null=True,
        blank=True,
        help_text=_(
            "When the family left the programme. Their recordings, transcripts and photos are deleted once "
            "the retention period after leaving has passed."
        ),
    )

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")
        ordering = ["site__region__code", "number"]
        constraints = [models.UniqueConstraint(fields=["site", "number"], name="unique_family_number_per_site")]

    def save(self, *args, **kwargs):
        if not self.number:
            last = Family.objects.filter(site__region_id=self.site.region_id).aggregate(models.Max("number"))
            self.number = (last["number__max"] or 0) + 1
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        return f"{self.site.region.code}-{self.number:03d}"

    code.fget.short_description = _("code")  # the listing's column heading, in the admin's language

    def __str__(self) -> str:
        return self.code


class Participant(models.Model):
    """A person in a family, pseudonymous by default. `real_name` is restricted: evaluators and exports never see it."""

    class Role(models.TextChoices):
        ELDER = "elder", _("Elder")
        CHILD = "child", _("Child")
        GUARDIAN = "guardian", _("Guardian")
        OTHER = "other", _("Other")

    class AgeBand(models.TextChoices):
        UNDER_6 = "0-5", _("Under 6")
        AGE_6_9 = "6-9", _("6–9 years")
        AGE_10_13 = "10-13", _("10–13 years")
        AGE_14_17 = "14-17", _("14–17 years")
        ADULT = "18-59", _("18–59 years")
        SENIOR = "60+", _("60 and over")

    ROLE_LETTERS = {"elder": "E", "child": "C", "guardian": "G", "other": "O"}

    family = models.ForeignKey(Family, on_delete=models.PROTECT, related_name="participants", verbose_name=_("family"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    index = models.PositiveSmallIntegerField(editable=False, verbose_name=_("number in the family"))
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True, validators=[MinValueValidator(1900), MaxValueValidator(2100)]
    )
    age_band = models.CharField(_("age band"), max_length=6, choices=AgeBand.choices, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=2, choices=LANGUAGE_CHOICES, default="kk")
    relation = models.CharField(
        _("relation to the family"), max_length=100, blank=True, help_text=_("e.g. grandmother, grandson, aunt")
    )
    real_name = models.CharField(
        _("real name (restricted)"),
        max_length=200,
        blank=True,
        help_text=_("Optional. Only the site's facilitators and administrators see it; never exported."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["family__site__region__code", "family__number", "role", "index"]
        constraints = [models.UniqueConstraint(fields=["family", "role", "index"], name="unique_participant_code")]

    def save(self, *args, **kwargs):
        if not self.index:
            last = Participant.objects.filter(family=self.family, role=self.role).aggregate(models.Max("index"))
            self.index = (last["index__max"] or 0) + 1
        super().save(*args, **kwargs)

    @property
    def code(self) -> str:
        return f"{self.family.code}-{self.ROLE_LETTERS[self.role]}{self.index}"

    code.fget.short_description = _("code")

    @property
    def is_child(self) -> bool:
        return self.role == self.Role.CHILD

    def eighteenth_birthday(self) -> datetime.date | None:
        """For a child, the earliest possible 18th birthday (1 January of birth year + 18): adult consent is due."""
        if self.is_child and self.birth_year:
            return datetime.date(self.birth_year + 18, 1, 1)
        return None

    def __str__(self) -> str:
        return self.code
