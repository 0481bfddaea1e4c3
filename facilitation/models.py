"""Programme data: where the pilot runs (regions, sites)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """An oblast or city of republican significance where the pilot runs."""

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=5, unique=True, help_text=_("Short code used in pseudonyms, e.g. AKT."))

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name or self.code
