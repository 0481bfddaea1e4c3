from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from facilitation.evaluation.indicators import TABLES_HOOK
from facilitation.policy import Action, may

from . import evaluation
from .admin_language import copy_content_label_script, drop_wagtail_release_links, programme_settings_footer
from .media import pages_showing
from .models import StoryPage, Theme
from .translation_copy import disable_copy_translation_content  # noqa: F401 (R2: 404 instead of a 500)


class ThemeViewSet(SnippetViewSet):
    model = Theme
    icon = "tag"
    menu_label = _("Themes")
    list_display = ["name", "slug"]
    search_fields = ["name_kk", "name_ru", "name_en", "slug"]
    add_to_admin_menu = True
    menu_order = 300


register_snippet(ThemeViewSet)
hooks.register("insert_editor_js", copy_content_label_script)  # wagtail-modeltranslation's label, translated
hooks.register("construct_help_menu", drop_wagtail_release_links)
hooks.register("construct_main_menu", programme_settings_footer)
hooks.register(TABLES_HOOK, evaluation.session_guides)  # the evaluators' "Session guides and themes used"


@hooks.register("register_log_actions")
def register_consent_log_actions(actions):
    actions.register_action(
        "sbg.consent_unpublish", _("Unpublished: consent withdrawn"), _("Unpublished: consent withdrawn")
    )


@hooks.register("before_publish_page")
def refuse_publication_without_consent(request, page):
    """Editors get the reasons on screen; the page stays a draft (or, if live, as it was published)."""
    specific = page.specific
    if not isinstance(specific, StoryPage):
        return None
    decision = may(request.user, Action.PUBLISH_STORY, specific)
    if decision.allowed:
        return None
    if page.pk and page.live and page.live_revision_id is None:
        # Wagtail's create view adds the page with live=True before asking this hook: a refused new page must not
        # stay live (nothing was ever published, so no unpublish action or page_published signal would catch it).
        StoryPage.objects.filter(pk=page.pk).update(live=False, has_unpublished_changes=True)
        page.live = False
    messages.error(
        request,
        _("This story cannot be published: %(reasons)s") % {"reasons": " ".join(str(r) for r in decision.reasons)},
    )
    return redirect("wagtailadmin_pages:edit", page.pk)


@hooks.register("before_serve_document")
def serve_documents_through_the_policy(document, request):
    """A document is sent like an editorial image: while a live page shows it with consent, or to editors and
    administrators; anyone else gets the same 404 as for a document that does not exist."""
    if not may(request.user, Action.VIEW_EDITORIAL_MEDIA, document, shown_by=pages_showing(document)):
        raise Http404
