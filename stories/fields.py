"""LanguagesField lives in facilitation (`facilitation.fields`); re-exported here for stories' models and for the
migrations that name `stories.fields.LanguagesField`."""

from facilitation.fields import LanguagesField

__all__ = ["LanguagesField"]
