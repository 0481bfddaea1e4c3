from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from facilitation.viewsets import ScopedSnippetViewSet

from .models import TranscriptionJob


class TranscriptionJobViewSet(ScopedSnippetViewSet):
    """Jobs are created by the "Transcribe" action, never by hand; the list links to each job's live progress."""

    model = TranscriptionJob
    site_lookup = "recording__family__site"
    icon = "cogs"
    menu_label = _("Transcription jobs")
    add_to_admin_menu = True
    menu_order = 230
    list_display = ["__str__", "recording", "status", "progress", "created_at"]
    list_filter = ["status", "engine"]
    inspect_view_enabled = False

    disabled_views = frozenset({"add", "copy"})

    def construct_view(self, view_class, **kwargs):
        if view_class is self.edit_view_class:

            def to_detail(request, pk, *args, **kwargs):
                return redirect("media_tools_job", pk)  # the detail view applies the policy itself

            return to_detail
        return super().construct_view(view_class, **kwargs)
