"""Behaviour shared by every translated page: which language a visitor actually sees, and its other languages."""

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname


@dataclass(frozen=True)
class TranslationState:
    """What a visitor asked for and what the page can give. `is_fallback` means the notice must be shown."""

    requested: str
    shown: str

    @property
    def is_fallback(self) -> bool:
        return self.requested != self.shown

    @property
    def requested_name(self) -> str:
        return translation.get_language_info(self.requested)["name_translated"]

    @property
    def shown_name(self) -> str:
        return translation.get_language_info(self.shown)["name_translated"]


class TranslatedPageMixin:
    """For pages registered with modeltranslation.

    A page counts as available in a language only when every field in `required_translation_fields` has text in
    that language; otherwise the whole page is shown in one fallback language, never a per-field mix.
    """

    required_translation_fields: tuple[str, ...] = ("title",)

    def is_available_in(self, language: str) -> bool:
        for field in self.required_translation_fields:
            value = getattr(self, build_localized_fieldname(field, language), None)
            if not value or (hasattr(value, "__len__") and len(value) == 0):
                return False
        return True

    def available_languages(self) -> list[str]:
        return [code for code, _name in settings.LANGUAGES if self.is_available_in(code)]

    def translation_state(self, requested: str | None = None) -> TranslationState:
        requested = requested or translation.get_language() or settings.LANGUAGE_CODE
        if self.is_available_in(requested):
            return TranslationState(requested, requested)
        for candidate in settings.CONTENT_FALLBACK_LANGUAGES.get(requested, ()):
            if self.is_available_in(candidate):
                return TranslationState(requested, candidate)
        return TranslationState(requested, settings.MODELTRANSLATION_DEFAULT_LANGUAGE)

    def url_in(self, language: str, request=None) -> str | None:
        """This page's URL under another language prefix, with that language's slugs."""
        with translation.override(language):
            return self.get_url(request=request)

    def language_links(self, request=None) -> list[dict]:
        """Switcher and hreflang data: every site language, with whether the page really exists in it."""
        available = set(self.available_languages())
        return [
            {
                "code": code,
                "name": name,
                "url": self.url_in(code, request),
                "available": code in available,
                "current": code == translation.get_language(),
            }
            for code, name in settings.LANGUAGES
        ]

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["translation_state"] = self.translation_state()
        context["language_links"] = self.language_links(request)
        return context
