"""Many-to-many relations that another app declares to a facilitation model, chosen on that model's admin form.

A session's "session guides used" is `stories.SessionGuidePage.used_in_sessions` (reached as
`StorySession.prompts_used`): stories declares it, so that facilitation's models name nothing of stories, and the
session's form still offers it. The choices come from the relation itself; facilitation imports nothing of the app.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import FieldDoesNotExist


class RelatedRecordsField(forms.ModelMultipleChoiceField):
    """A form field named after a reverse many-to-many relation of the form's model (see `bind`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(queryset=None, **kwargs)


def bind(form: forms.ModelForm) -> None:
    """Give each RelatedRecordsField of `form` its choices and, for a stored record, what it holds now; drop it where
    no installed app declares the relation. Call before the choices are narrowed (`forms.limit_choices`)."""
    model = form._meta.model
    for name, field in list(form.fields.items()):
        if not isinstance(field, RelatedRecordsField):
            continue
        try:
            relation = model._meta.get_field(name)
        except FieldDoesNotExist:
            del form.fields[name]
            continue
        field.queryset = relation.related_model._default_manager.all()
        if form.instance.pk and name not in form.initial:
            form.initial[name] = list(getattr(form.instance, name).all())


def save(form: forms.ModelForm) -> None:
    """Write each RelatedRecordsField once the record is stored (with the form's other many-to-many fields)."""
    for name, field in form.fields.items():
        if isinstance(field, RelatedRecordsField) and name in form.cleaned_data:
            getattr(form.instance, name).set(form.cleaned_data[name])
