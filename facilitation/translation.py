from modeltranslation.decorators import register
from modeltranslation.translator import TranslationOptions

from .models import ConsentFormVersion, Region, Site


@register(Region)
class RegionTR(TranslationOptions):
    fields = ("name",)


@register(Site)
class SiteTR(TranslationOptions):
    fields = ("name",)


@register(ConsentFormVersion)
class ConsentFormVersionTR(TranslationOptions):
    fields = ("text", "child_text")
    required_languages = ("kk", "ru", "en")
