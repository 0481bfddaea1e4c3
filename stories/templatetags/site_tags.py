from django import template
from django.urls import translate_url

register = template.Library()


@register.simple_tag(takes_context=True)
def translated_path(context, language: str) -> str:
    """This same (non-page) URL in another language: for views whose paths are the same in every language."""
    request = context.get("request")
    return translate_url(request.get_full_path(), language) if request else f"/{language}/"
