"""Small model fields shared by facilitation and the apps built on it (stories re-exports LanguagesField)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class LanguagesField(models.JSONField):
    """A list of language codes (kk, ru, en), edited as checkboxes; JSON so it works on SQLite and PostgreSQL."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return forms.TypedMultipleChoiceField(
            choices=settings.LANGUAGES,
            widget=forms.CheckboxSelectMultiple,
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
        )

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = {code for code, _name in settings.LANGUAGES}
        unknown = set(value or []) - allowed
        if unknown:
            raise ValidationError(f"Unknown language codes: {sorted(unknown)}")
