"""Admin screens for the programme's records. Each row is scoped by `policy`: a facilitator reaches only the
records of the sites they are assigned to; anything out of scope answers 404 as if it did not exist."""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.snippets.views.chooser import ChooseResultsView, ChooseView, SnippetChooserViewSet, SnippetChosenView
from wagtail.snippets.views.snippets import SnippetViewSet

from . import policy, roles
from .models import (
    AuditEvent,
    ConsentFormVersion,
    ConsentRecord,
    Family,
    Participant,
    Recording,
    Region,
    Site,
    StorySession,
    Submission,
)


def refuse(request, *args, **kwargs):
    raise Http404


class ScopedObjectMixin:
    """Applied to every object view (edit, delete, inspect, history...): out-of-scope objects are 404."""

    object_in_scope = None

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if obj is not None and not self.object_in_scope(self.request.user, obj):
            raise Http404
        return obj


class ScopedSnippetViewSet(SnippetViewSet):
    site_lookup: str = "site"  # path from the model to its facilitation Site
    # Views that must not exist for this model (e.g. "edit" for append-only records): they answer 404.
    disabled_views: frozenset[str] = frozenset()
    # Roles that see every row (read-only unless their model permissions say otherwise).
    see_all_roles: frozenset[str] = frozenset()

    def scope(self, queryset, user):
        if policy.is_admin(user) or policy.role_names(user) & self.see_all_roles:
            return queryset
        if roles.FACILITATOR in policy.role_names(user):
            return queryset.filter(**{f"{self.site_lookup}__facilitators": user}).distinct()
        return queryset.none()

    def get_queryset(self, request):
        return self.scope(self.model._default_manager.all(), request.user)

    def object_in_scope(self, user, obj) -> bool:
        return self.scope(self.model._default_manager.filter(pk=obj.pk), user).exists()

    def construct_view(self, view_class, **kwargs):
        disabled = {getattr(self, f"{name}_view_class", None) for name in self.disabled_views}
        if view_class in disabled:
            return refuse
        if hasattr(view_class, "get_object"):
            view_class = type(f"Scoped{view_class.__name__}", (ScopedObjectMixin, view_class), {})
            kwargs["object_in_scope"] = self.object_in_scope
        return super().construct_view(view_class, **kwargs)

    @property
    def chooser_viewset_class(self):
        """Choosers (e.g. the family picker on a recording) list only what the user may reach."""
        scope = self.scope

        class ScopedChooseView(ChooseView):
            def get_object_list(self):
                return scope(super().get_object_list(), self.request.user)

        class ScopedChooseResultsView(ChooseResultsView):
            def get_object_list(self):
                return scope(super().get_object_list(), self.request.user)

        class ScopedChosenView(SnippetChosenView):
            def get_object(self, pk):
                obj = super().get_object(pk)
                if not scope(type(obj)._default_manager.filter(pk=obj.pk), self.request.user).exists():
                    raise Http404
                return obj

        class ScopedChooserViewSet(SnippetChooserViewSet):
            choose_view_class = ScopedChooseView
            choose_results_view_class = ScopedChooseResultsView
            chosen_view_class = ScopedChosenView

        return ScopedChooserViewSet


class RegionViewSet(SnippetViewSet):
    model = Region
    icon = "globe"
    menu_label = _("Regions")
    list_display = ["code", "name"]
    search_fields = ["code", "name_kk", "name_ru", "name_en"]


class SiteViewSet(ScopedSnippetViewSet):
    model = Site
    icon = "site"
    menu_label = _("Sites")
    list_display = ["name", "region", "ngo_partner"]
    list_filter = ["region"]
    search_fields = ["name_kk", "name_ru", "name_en", "ngo_partner"]

    def scope(self, queryset, user):
        if policy.is_admin(user):
            return queryset
        return queryset.filter(facilitators=user) if roles.FACILITATOR in policy.role_names(user) else queryset.none()


class FamilyViewSet(ScopedSnippetViewSet):
    model = Family
    icon = "group"
    menu_label = _("Families")
    list_display = ["code", "site", "preferred_language", "created_at"]
    list_filter = ["site", "preferred_language"]
    panels = [FieldPanel("site"), FieldPanel("preferred_language")]


class ParticipantViewSet(ScopedSnippetViewSet):
    model = Participant
    site_lookup = "family__site"
    icon = "user"
    menu_label = _("Participants")
    list_display = ["code", "role", "age_band", "preferred_language", "relation"]
    list_filter = ["role", "age_band", "family__site"]
    search_fields = ["relation"]
    panels = [
        FieldPanel("family"),
        FieldRowPanel([FieldPanel("role"), FieldPanel("relation")]),
        FieldRowPanel([FieldPanel("birth_year"), FieldPanel("age_band"), FieldPanel("preferred_language")]),
        FieldPanel("real_name", permission="facilitation.change_participant"),
    ]


class StorySessionViewSet(ScopedSnippetViewSet):
    model = StorySession
    icon = "date"
    menu_label = _("Sessions")
    see_all_roles = frozenset({roles.SAFEGUARDING})
    list_display = ["__str__", "status", "duration_minutes", "child_wished_to_stop", "safeguarding_concern"]
    list_filter = ["status", "site", "child_wished_to_stop", "safeguarding_concern"]
    panels = [
        MultiFieldPanel(
            [
                FieldPanel("site"),
                FieldPanel("facilitators"),
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("duration_minutes"), FieldPanel("status")]),
            ],
            heading=_("Plan"),
        ),
        InlinePanel("pairs", label=_("Elder–child pairs")),
        InlinePanel("ratings", label=_("Observation ratings per child")),
        FieldPanel("attendees"),
        FieldPanel("prompts_used"),
        MultiFieldPanel(
            [FieldPanel("log"), FieldPanel("observations"), FieldPanel("log_shareable")], heading=_("Session log")
        ),
        MultiFieldPanel(
            [FieldPanel("child_wished_to_stop"), FieldPanel("wish_respected")], heading=_("The child's wish to stop")
        ),
        MultiFieldPanel(
            [
                FieldPanel("safeguarding_concern"),
                FieldPanel("safeguarding_note", permission="facilitation.view_safeguarding_note"),
                FieldPanel("follow_up_actions"),
            ],
            heading=_("Safeguarding and follow-up"),
        ),
    ]


class RecordingViewSet(ScopedSnippetViewSet):
    model = Recording
    site_lookup = "family__site"
    icon = "media"
    menu_label = _("Recordings")
    list_display = ["__str__", "source", "language", "duration_seconds", "created_at"]
    list_filter = ["source", "language", "family__site"]

    @property
    def edit_handler(self):
        from media_tools.forms import RecordingForm

        return ObjectList(
            [
                FieldPanel("family"),
                FieldPanel("session"),
                FieldPanel("speakers"),
                FieldRowPanel([FieldPanel("source"), FieldPanel("language")]),
                FieldPanel("title"),
                FieldPanel("file"),
            ],
            base_form_class=RecordingForm,
        )


class SubmissionViewSet(ScopedSnippetViewSet):
    """The review queue: what families sent to this site, with their consent and recordings."""

    model = Submission
    site_lookup = "family__site"
    icon = "mail"
    menu_label = _("Family submissions")
    inspect_view_enabled = True
    list_display = ["reference", "family", "language", "status", "created_at"]
    list_filter = ["status", "language", "family__site"]
    panels = [FieldPanel("status")]
    inspect_view_fields = ["reference", "family", "title", "description", "language", "status", "created_at"]


class ConsentFormVersionViewSet(SnippetViewSet):
    model = ConsentFormVersion
    icon = "doc-full"
    menu_label = _("Consent forms")
    list_display = ["version", "effective_from"]
    inspect_view_enabled = True


class ConsentRecordViewSet(ScopedSnippetViewSet):
    """Create and read only: a change is a new record (append-only)."""

    model = ConsentRecord
    site_lookup = "participant__family__site"
    disabled_views = frozenset({"edit", "delete", "copy"})
    icon = "tick-inverse"
    menu_label = _("Consent records")
    inspect_view_enabled = True
    list_display = ["participant", "kind", "given_by", "child_assent", "given_on", "review_on"]
    list_filter = ["kind", "given_by", "child_assent", "method"]
    panels = [
        FieldPanel("participant"),
        FieldRowPanel([FieldPanel("form_version"), FieldPanel("form_language")]),
        FieldRowPanel([FieldPanel("given_by"), FieldPanel("guardian_relation")]),
        FieldPanel("child_assent"),
        MultiFieldPanel(
            [
                FieldPanel("record_audio"),
                FieldPanel("transcribe"),
                FieldPanel("archive"),
                FieldPanel("publish_text"),
                FieldPanel("publish_audio"),
                FieldPanel("publish_photos"),
                FieldPanel("evaluation"),
                FieldPanel("publish_languages"),
            ],
            heading=_("Scopes granted, one by one"),
        ),
        FieldRowPanel([FieldPanel("method"), FieldPanel("evidence_file")]),
        FieldRowPanel([FieldPanel("witness"), FieldPanel("given_on"), FieldPanel("review_on")]),
        FieldPanel("note"),
    ]


class AuditEventViewSet(SnippetViewSet):
    model = AuditEvent
    icon = "history"
    menu_label = _("Audit log")
    inspect_view_enabled = True
    list_display = ["at", "actor_label", "action", "target_label", "allowed"]
    list_filter = ["allowed", "action"]
    search_fields = ["actor_label", "action", "target_label"]

    def get_queryset(self, request):
        return AuditEvent.objects.all() if policy.is_admin(request.user) else AuditEvent.objects.none()


class ProgrammeViewSetGroup(ViewSetGroup):
    menu_label = _("Programme")
    menu_icon = "group"
    menu_order = 200
    items = (
        StorySessionViewSet,
        SubmissionViewSet,
        ParticipantViewSet,
        FamilyViewSet,
        RecordingViewSet,
        ConsentRecordViewSet,
        ConsentFormVersionViewSet,
        SiteViewSet,
        RegionViewSet,
        AuditEventViewSet,
    )
