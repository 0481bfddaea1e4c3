"""modeltranslation registrations: every public text field, and the body StreamFields, in kk, ru and en."""

from modeltranslation.decorators import register
from modeltranslation.translator import TranslationOptions

from .models import ApproachPage, HomePage, SessionGuidePage, StoryIndexPage, StoryPage, Theme


@register(Theme)
class ThemeTR(TranslationOptions):
    fields = ("name",)


@register(HomePage)
class HomePageTR(TranslationOptions):
    fields = ("intro", "body")


@register(ApproachPage)
class ApproachPageTR(TranslationOptions):
    fields = ("intro", "body")


@register(SessionGuidePage)
class SessionGuidePageTR(TranslationOptions):
    fields = ("intro", "prompts")


@register(StoryIndexPage)
class StoryIndexPageTR(TranslationOptions):
    fields = ("intro",)


@register(StoryPage)
class StoryPageTR(TranslationOptions):
    fields = ("summary", "body")
