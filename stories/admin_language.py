"""The admin speaks the language each person chose, including the words Wagtail builds once and keeps.

Some places in Wagtail freeze a text, or pick one, in a language that is not the reader's:

- a snippet chooser's button ("Choose %(object)s") is formatted once, when the form class is built, in whatever
  language was active then, and every later screen shows that text ("Choose алаң" in the English admin);
- the admin names a page by `draft_title`, a copy of the title in the language it was saved in (Kazakh), so
  breadcrumbs, listings and choosers showed Kazakh titles in the Russian and English admin;
- the default chooser buttons ("Choose", "Edit") and the snippets' "Home / Snippets" breadcrumbs are evaluated
  once, at import or at the first request, in that moment's language;
- the Sites listing labels three columns from field names ("Port", "Site name", "Root page"), in English only;
- the group permission checkboxes for images, documents and collections, and the redirects filter, are labelled
  at import, in the default language (Kazakh words in the English admin).

`install()` (called from StoriesConfig.ready) makes each of them follow the request's language.
"""

import json

from django.conf import settings
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy
from wagtail.admin.forms.collections import GroupCollectionManagementPermissionFormSet
from wagtail.admin.forms.workflows import WorkflowPageForm
from wagtail.admin.menu import SubMenuItemComponent
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.wagtail_hooks import SettingsMenuItem
from wagtail.contrib.redirects.filters import RedirectsReportFilterSet
from wagtail.documents.forms import GroupDocumentPermissionFormSet
from wagtail.images.forms import GroupImagePermissionFormSet
from wagtail.models import Page, Site
from wagtail.sites.views import IndexView
from wagtail.snippets.views.snippets import SnippetViewSet
from wagtail.snippets.widgets import AdminSnippetChooser
from wagtail.users.forms import PagePermissionsForm


def _lazy_percent(template: str, **values):
    """`gettext(template) % values`, evaluated when shown, in the language active then."""
    return lazy(lambda: gettext(template) % {k: str(v) for k, v in values.items()}, str)()


def admin_display_title(page) -> str:
    """A page's title as the admin shows it: in the admin's language, falling back to Kazakh like the site.

    In the default language Wagtail's `draft_title` is kept (it shows an unpublished change of the title)."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    if language != settings.MODELTRANSLATION_DEFAULT_LANGUAGE:
        title = getattr(page, f"title_{language.replace('-', '_')}", None)
        if title:
            return title
    return page.draft_title or page.title


def _install_chooser_texts() -> None:

    # Wagtail evaluates these defaults once, at import, in the site's default language.
    ChooserViewSet.choose_one_text = gettext_lazy("Choose")
    ChooserViewSet.choose_another_text = gettext_lazy("Choose another")
    ChooserViewSet.edit_item_text = gettext_lazy("Edit")
    ChooserViewSet.search_tab_label = gettext_lazy("Search")

    generic = {
        "choose_one_text": ChooserViewSet.choose_one_text,
        "choose_another_text": ChooserViewSet.choose_another_text,
        "link_to_chosen_text": ChooserViewSet.edit_item_text,
    }
    templates = {
        "choose_one_text": "Choose %(object)s",
        "choose_another_text": "Choose another %(object)s",
        "link_to_chosen_text": "Edit this %(object)s",
    }
    original_init = AdminSnippetChooser.__init__

    def __init__(self, model=None, **kwargs):
        original_init(self, model=model, **kwargs)
        for attr, template in templates.items():
            # A viewset's own chooser text (e.g. "Choose a family"), set on the widget class it builds.
            own = vars(type(self)).get(attr) if type(self) is not AdminSnippetChooser else None
            if own is not None and own is not generic[attr]:
                setattr(self, attr, own)
            else:
                setattr(self, attr, _lazy_percent(template, object=self.model._meta.verbose_name))

    AdminSnippetChooser.__init__ = __init__


def _install_snippet_breadcrumbs() -> None:
    """Snippet screens' first breadcrumbs are built once, at the first request, in that request's language."""

    def breadcrumbs_items(self):
        items = [{"url": reverse_lazy("wagtailadmin_home"), "label": gettext_lazy("Home")}]
        if getattr(settings, "WAGTAILSNIPPETS_MENU_SHOW_ALL", False) or not self.get_menu_item_is_registered():
            items.append({"url": reverse_lazy("wagtailsnippets:index"), "label": gettext_lazy("Snippets")})
        return items

    SnippetViewSet.breadcrumbs_items = property(breadcrumbs_items)


def _install_page_titles() -> None:

    Page.get_admin_display_title = admin_display_title


def _install_site_columns() -> None:

    for column in getattr(IndexView, "columns", []):
        if column.name in {"port", "site_name", "root_page"}:
            column.label = capfirst(Site._meta.get_field(column.name).verbose_name)


# Wagtail builds these at import, with gettext (not gettext_lazy): the site's default language at start-up.
_COLLECTION_PERMISSIONS = {
    "add_image": ("Add", "Add/edit images you own"),
    "change_image": ("Edit", "Edit any image"),
    "choose_image": ("Choose", "Select images in choosers"),
    "add_document": ("Add", "Add/edit documents you own"),
    "change_document": ("Edit", "Edit any document"),
    "choose_document": ("Choose", "Select documents in choosers"),
    "add_collection": ("Add", "Add collections"),
    "change_collection": ("Edit", "Edit collections"),
    "delete_collection": ("Delete", "Delete collections"),
}


def _install_import_time_labels() -> None:

    for formset in (
        GroupImagePermissionFormSet,
        GroupDocumentPermissionFormSet,
        GroupCollectionManagementPermissionFormSet,
    ):
        # The same list the permission checkboxes read their labels from: changed in place.
        formset.permission_types[:] = [
            (code, *(gettext_lazy(text) for text in _COLLECTION_PERMISSIONS[code]))
            if code in _COLLECTION_PERMISSIONS
            else (code, short, long)
            for code, short, long in formset.permission_types
        ]
        formset.form.base_fields["collection"].label = gettext_lazy("Collection")
    kind = RedirectsReportFilterSet.base_filters["is_permanent"]
    kind.label = gettext_lazy("Type")
    kind.extra["choices"] = ((True, gettext_lazy("Permanent")), (False, gettext_lazy("Temporary")))
    kind.extra["empty_label"] = gettext_lazy("All")
    # Page choosers whose label Django derives from the field's name ("Page", never translated).
    for form in (PagePermissionsForm, WorkflowPageForm):
        form.base_fields["page"].label = gettext_lazy("Page")


def install() -> None:
    _install_chooser_texts()
    _install_snippet_breadcrumbs()
    _install_page_titles()
    _install_site_columns()
    _install_import_time_labels()


def copy_content_label_script() -> str:
    """wagtail-modeltranslation writes "Copy content from" above each translated StreamField in English, from its
    script; this one (an `insert_editor_js` hook, so it runs after it) puts the text in the admin's language."""
    label = json.dumps(gettext("Copy content from"))
    return format_html(
        "<script>window.jQuery && jQuery(function ($) {{ setTimeout(function () {{"
        " $('.translation-field-copy-wrapper').each(function () {{"
        " var text = this.firstChild; if (text && text.nodeType === 3) {{ text.nodeValue = {} + ': '; }} }});"
        " }}, 0); }});</script>",
        mark_safe(label),
    )


def drop_wagtail_release_links(request, menu_items) -> None:
    """`construct_help_menu`: the Help menu keeps its keyboard shortcuts. "What's new in Wagtail" and the Wagtail
    Editor Guide are pages on wagtail.org, in English, about the software rather than the programme (the machines
    have no internet access), and Wagtail formats the first once, in the first visitor's language."""
    menu_items[:] = [
        item for item in menu_items if not (item.name.startswith("whats-new-in-wagtail") or item.name == "editor-guide")
    ]


def programme_settings_footer(request, menu_items) -> None:
    """`construct_main_menu`: the Settings submenu's footer names the programme in the admin's language instead of
    "Wagtail v8.x" (the software's version means nothing to staff, and is English on a Kazakh or Russian screen)."""

    class ProgrammeSettingsMenuItem(SettingsMenuItem):
        def render_component(self, request):
            return SubMenuItemComponent(
                self.name,
                self.label,
                self.menu.render_component(request),
                icon_name=self.icon_name,
                classname=self.classname,
                footer_text=gettext("Stories Between Generations"),
            )

    for item in menu_items:
        if type(item) is SettingsMenuItem:
            item.__class__ = ProgrammeSettingsMenuItem
