"""Shared model behaviour."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("These records are append-only: add a new one instead."))

    def delete(self):
        raise ValidationError(_("These records are kept as proof and cannot be deleted."))


class AppendOnlyModel(models.Model):
    """Rows that prove what happened (consent, audit): written once, never changed or deleted."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("These records are append-only: add a new one instead."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("These records are kept as proof and cannot be deleted."))
