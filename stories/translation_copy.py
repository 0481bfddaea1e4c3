"""wagtail-modeltranslation's "copy content between languages" for StreamFields is switched off.

Its endpoint (`pages/<id>/edit/copy_translation_content/`) is CSRF-exempt, checks no page permission, answers 500 to
anything but its own jQuery request (a missing page, a GET, a field that is not a StreamField) and renders a widget
that Wagtail 8's block editor does not initialise. Until it works with Wagtail 8 it answers 404, and its buttons are
not added to the page editor; editors copy text between languages by hand.
"""

from django.http import Http404
from django.urls import re_path
from wagtail import hooks


def copy_translation_content_disabled(request, page_id: int):
    raise Http404()


@hooks.register("register_admin_urls", order=-100)  # before wagtail_modeltranslation's pattern for the same path
def disable_copy_translation_content():
    return [
        re_path(
            r"^pages/(?P<page_id>\d+)/edit/copy_translation_content/$",
            copy_translation_content_disabled,
            name="copy_translation_content_disabled",
        )
    ]


def _drop_copy_buttons() -> None:
    """Take wagtail_modeltranslation's editor script (the copy buttons) out of the page editor."""
    registered = hooks._hooks.get("insert_editor_js", [])
    registered[:] = [
        (fn, order)
        for fn, order in registered
        if not (
            fn.__module__ == "wagtail_modeltranslation.wagtail_hooks" and fn.__name__ == "streamfields_translation_copy"
        )
    ]


_drop_copy_buttons()
