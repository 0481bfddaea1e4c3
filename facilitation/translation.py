from modeltranslation.decorators import register
from modeltranslation.translator import TranslationOptions

from .models import Region


@register(Region)
class RegionTR(TranslationOptions):
    fields = ("name",)
