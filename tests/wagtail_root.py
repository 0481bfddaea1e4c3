"""Transactional tests flush the database afterwards, and with it the rows Wagtail's migrations made (the default
locale, the root page, the default site): a later transactional test that builds pages puts them back first."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from wagtail.models import Locale, Page, Site


def ensure_wagtail_root() -> Page:
    locale, _created = Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node()
    if root is None:
        page_type = ContentType.objects.get_for_model(Page)
        root = Page.add_root(instance=Page(title="Root", slug="root", locale=locale, content_type=page_type))
    if not Site.objects.filter(is_default_site=True).exists():
        Site.objects.create(hostname="localhost", port=80, root_page=root, is_default_site=True)
    return root
