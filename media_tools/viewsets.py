from django.shortcuts import redirect
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.ui.tables import Column
from wagtail.permission_policies import ModelPermissionPolicy

from facilitation import policy
from facilitation.formats import datetime_short, engine_name, language_name, percent
from facilitation.policy import Action
from facilitation.viewsets import ScopedSnippetViewSet

from .models import TranscriptionJob


class JobPermissionPolicy(ModelPermissionPolicy):
    """Who may open the jobs list: administrators, and facilitators of any site (each sees only their own sites' jobs,
    `policy.scope`). Jobs are created by the "Transcribe" action and deleted by the consent rules, never by hand."""

    def user_has_permission(self, user, action):
        if action in ("view", "change"):  # the list and a job's page
            return bool(policy.may(user, Action.FOLLOW_TRANSCRIPTION, None))
        return policy.is_admin(user) and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        return policy.scope(user, TranscriptionJob.objects.filter(pk=instance.pk)).exists()

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(self.user_has_permission_for_instance(user, action, instance) for action in actions)

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return TranscriptionJob.objects.none()
        return policy.scope(user, TranscriptionJob.objects.all())


class TranscriptionJobViewSet(ScopedSnippetViewSet):
    """Jobs are created by the "Transcribe" action, never by hand; the list links to each job's live progress."""

    model = TranscriptionJob
    site_lookup = "recording__family__site"
    icon = "cogs"
    menu_label = _("Transcription jobs")
    add_to_admin_menu = True
    menu_order = 230
    list_display = [
        "__str__",
        "recording",
        "status",
        Column("progress", label=capfirst(_("progress")), accessor=lambda job: percent(job.progress)),
        Column("engine", label=capfirst(_("engine")), accessor=lambda job: engine_name(job.engine)),
        Column("language", label=capfirst(_("language")), accessor=lambda job: language_name(job.language)),
        Column("created_at", label=capfirst(_("created")), accessor=lambda job: datetime_short(job.created_at)),
    ]
    list_filter = ["status", "engine"]
    inspect_view_enabled = False

    disabled_views = frozenset({"add", "copy"})

    def construct_view(self, view_class, **kwargs):
        if view_class is self.edit_view_class:

            def to_detail(request, pk, *args, **kwargs):
                return redirect("media_tools_job", pk)  # the detail view applies the policy itself

            return to_detail
        return super().construct_view(view_class, **kwargs)
