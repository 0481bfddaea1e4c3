from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.translation import gettext
from wagtail.models import Page, Site

from stories.mixins import TranslatedPageMixin
from stories.models import ApproachPage, HomePage, StoryIndexPage

register = template.Library()


@register.simple_tag(takes_context=True)
def translated_path(context, language: str) -> str:
    """This same (non-page) URL in another language: for views whose paths are the same in every language."""
    request = context.get("request")
    return translate_url(request.get_full_path(), language) if request else f"/{language}/"


@register.simple_tag
def site_languages() -> list[tuple[str, str]]:
    """The site's languages, each named in itself (settings.LANGUAGES, untranslated: "Қазақша", "Русский")."""
    return list(settings.LANGUAGES)


@register.simple_tag(takes_context=True)
def document_title(context) -> str:
    """The window title: the page's title, then the programme's name, which is never said twice (the home page is
    titled by the programme)."""
    site_name = gettext("Stories Between Generations")
    page = context.get("page")
    if not isinstance(page, Page):  # a view of ours, not a Wagtail page (or a paginator's page named "page")
        return site_name
    state = context.get("translation_state")
    with translation.override(state.shown if state else translation.get_language()):
        title = (page.seo_title or "") if isinstance(page, HomePage) else (page.seo_title or page.title)
    title = title.strip()
    if not title or title.casefold() == site_name.casefold():
        return site_name
    return f"{title} · {site_name}"


@register.simple_tag(takes_context=True)
def site_links(context) -> dict:
    """Where the header and footer lead, in the current language: home, the approach, the story index and the
    families' withdrawal page. Worked out once per request and language."""
    request = context.get("request")
    language = translation.get_language()
    cache = getattr(request, "_site_links", None) if request is not None else None
    if cache and language in cache:
        return cache[language]
    links = {"home": f"/{language}/", "stories": None, "approach": None, "withdraw": reverse("family_withdraw")}
    site = Site.find_for_request(request) if request is not None else Site.objects.filter(is_default_site=True).first()
    if site is not None:
        root = site.root_page
        for key, model in (("stories", StoryIndexPage), ("approach", ApproachPage)):
            target = model.objects.live().public().descendant_of(root).first()
            if target is not None:
                links[key] = target.get_url(request=request)
    if request is not None:
        request._site_links = {**(cache or {}), language: links}
    return links


@register.inclusion_tag("includes/breadcrumbs.html", takes_context=True)
def breadcrumbs(context) -> dict:
    """The way back up: home, then each page above this one (each in the language it is shown in), then this page."""
    page = context.get("page")
    if not isinstance(page, Page):
        page = None
    request = context.get("request")
    crumbs = []
    if page is not None and page.depth > 2:
        for ancestor in page.get_ancestors().filter(depth__gt=2).live().specific():
            shown = (
                ancestor.translation_state().shown
                if isinstance(ancestor, TranslatedPageMixin)
                else translation.get_language()
            )
            with translation.override(shown):
                title = ancestor.title
            crumbs.append({"url": ancestor.get_url(request=request), "title": title, "lang": shown})
    current = None
    if page is not None:
        state = context.get("translation_state")
        shown = state.shown if state else translation.get_language()
        with translation.override(shown):
            current = {"title": page.title, "lang": shown}
    return {"crumbs": crumbs, "current": current, "home": f"/{translation.get_language()}/"}
