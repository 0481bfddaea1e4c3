"""Admin screens for the programme's records. Each row is scoped by `policy`: a facilitator reaches only the
records of the sites they are assigned to; anything out of scope answers 404 as if it did not exist."""

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Case, CharField, Q, Value, When
from django.db.models.functions import Cast, Concat, LPad
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    extract_panel_definitions_from_model_class,
)
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry, register_permission_policy
from wagtail.snippets.views import snippets as snippet_views
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
)
from wagtail.snippets.views.snippets import SnippetViewSet

from . import policy
from .consent_views import ConsentRecordCreateView, ConsentRecordIndexView, ConsentRecordView
from .family_page import FamilyIndexView, FamilyPageView
from .formats import compact_code, datetime_short, duration, family_label, participant_label, yes_no
from .forms import RecordingForm, SiteForm, SiteScopedAdminForm, StorySessionForm, limit_choices
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
from .safeguarding import read_only_for_leads
from .submission_review import SubmissionIndexView, SubmissionReviewView


def refuse(request, *args, **kwargs):
    raise Http404


class ProgrammePermissionPolicy(ModelPermissionPolicy):
    """Wagtail's permission checks for a programme record, answered by `facilitation.policy`.

    The role's model permission says what it does with this kind of record; `policy.scope` says which records: seeing
    one is the model's view action (`policy.VIEW_ACTIONS`: a safeguarding lead sees every site's sessions), anything
    else is work with the user's own sites' records. Lists, object views, buttons and bulk actions ask this one
    object. (Views a viewset does not have, `disabled_views`, answer 404 whatever the permission.)
    """

    def rows(self, user, action: str):
        """The records `action` reaches for this user."""
        records = self.model._default_manager.all()
        if action == "view" or not policy.is_site_scoped(self.model):
            return policy.visible(user, records)
        return policy.scope(user, records)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action) and self.rows(user, action).filter(pk=instance.pk).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        allowed = [action for action in actions if self.user_has_permission(user, action)]
        pks = Q(pk__in=[])
        for action in allowed:
            pks |= Q(pk__in=self.rows(user, action).values("pk"))
        return self.model._default_manager.filter(pks)


class ScopedObjectMixin:
    """Every object view (edit, delete, inspect, history, usage, copy): a record the permission policy does not let
    the user see (or, for a view that writes, work with) is 404, as if it did not exist (Wagtail itself asks the policy
    per record only to delete or copy).

    Wagtail's object views call `get_object` with different signatures (`get_object()` for history, usage and
    revisions, `get_object(queryset)` for edit and delete), so every argument is passed through.
    """

    #: Views that write: the record must be one of the user's own sites' (seeing every site's rows, as a safeguarding
    #: lead does, is never a licence to edit, copy or delete them).
    WRITE_ACTIONS = frozenset({"add", "change", "delete"})

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        required = getattr(self, "permission_required", None)
        action = required if required in self.WRITE_ACTIONS else "view"
        if obj is not None and not self.permission_policy.user_has_permission_for_instance(
            self.request.user, action, obj
        ):
            raise Http404
        return obj


class ScopedFiltersMixin:
    """The list's filters (site, family...) offer only the user's own sites' records, unless the policy lets the user
    see every site's rows of this list."""

    @cached_property
    def filters(self):
        filterset = super().filters
        user = self.request.user
        if filterset is not None and not policy.sees_every_site(user, policy.view_action(self.model)):
            limit_choices(filterset.form, user)
        return filterset


class ScopedIndexView(ScopedFiltersMixin, snippet_views.IndexView):
    pass


class ScopedEditView(ScopedObjectMixin, snippet_views.EditView):
    pass


class ScopedDeleteView(ScopedObjectMixin, snippet_views.DeleteView):
    pass


class ScopedCopyView(ScopedObjectMixin, snippet_views.CopyView):
    pass


class ScopedUsageView(ScopedObjectMixin, snippet_views.UsageView):
    pass


class ScopedHistoryView(ScopedObjectMixin, snippet_views.HistoryView):
    pass


class ScopedInspectView(ScopedObjectMixin, snippet_views.InspectView):
    pass


class ScopedFamilyIndexView(ScopedFiltersMixin, FamilyIndexView):
    pass


class ScopedFamilyPageView(ScopedObjectMixin, FamilyPageView):
    pass


class ScopedSubmissionIndexView(ScopedFiltersMixin, SubmissionIndexView):
    pass


class ScopedSubmissionReviewView(ScopedObjectMixin, SubmissionReviewView):
    pass


class ScopedConsentRecordIndexView(ScopedFiltersMixin, ConsentRecordIndexView):
    pass


class ScopedConsentRecordView(ScopedObjectMixin, ConsentRecordView):
    pass


class ScopedSnippetViewSet(SnippetViewSet):
    """A programme snippet whose every list, object view and button is decided by `policy`, through the model's
    permission policy (`ProgrammePermissionPolicy` unless the app registered its own)."""

    site_lookup: str | None = None  # path from the model to its facilitation Site; None: `policy.SITE_LOOKUPS`
    # Views that must not exist for this model (e.g. "edit" for append-only records): they answer 404.
    disabled_views: frozenset[str] = frozenset()
    # Every create/edit form narrows its choices to the user's sites and refuses mixing sites.
    base_form_class = SiteScopedAdminForm
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    copy_view_class = ScopedCopyView
    usage_view_class = ScopedUsageView
    history_view_class = ScopedHistoryView
    inspect_view_class = ScopedInspectView

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if policy_registry.get_by_type(self.model, fallback=False) is None:  # another app's scoped snippet
            register_permission_policy(self.model, ProgrammePermissionPolicy(self.model), exact_class=True)

    def chooser_scope(self, queryset, user):
        """What the snippet chooser lists (and may return as chosen)."""
        return policy.chooser_scope(user, queryset, self.site_lookup)

    def get_queryset(self, request):
        return self.permission_policy.instances_user_has_permission_for(request.user, "view")

    def get_edit_handler(self):
        """The panels (or the model's fields) in an ObjectList whose form is `base_form_class`."""
        if hasattr(self, "edit_handler"):
            return super().get_edit_handler()
        panels = getattr(self, "panels", None) or extract_panel_definitions_from_model_class(
            self.model, exclude=self.get_exclude_form_fields()
        )
        return ObjectList(panels, base_form_class=self.base_form_class).bind_to_model(self.model)

    def get_common_view_kwargs(self, **kwargs):
        """No view links to a disabled one: breadcrumbs and buttons that would lead to "edit" lead to the inspect
        view (the readable record) instead, and disabled delete/copy views are not offered at all."""
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        if "edit" in self.disabled_views and self.inspect_view_enabled:
            view_kwargs["edit_url_name"] = self.get_url_name("inspect")
        for name in ("delete", "copy"):
            if name in self.disabled_views:
                view_kwargs[f"{name}_url_name"] = None
        return view_kwargs

    def construct_view(self, view_class, **kwargs):
        disabled = {getattr(self, f"{name}_view_class", None) for name in self.disabled_views}
        if view_class in disabled:
            return refuse
        if view_class is self.index_view_class and not issubclass(view_class, ScopedFiltersMixin):
            raise ImproperlyConfigured(f"{view_class.__name__} must narrow its filters (ScopedFiltersMixin)")
        creates = view_class is self.add_view_class
        if hasattr(view_class, "get_object") and not creates and not issubclass(view_class, ScopedObjectMixin):
            # A view that opens a record and does not ask the policy would show any site's records by id.
            raise ImproperlyConfigured(f"{view_class.__name__} must ask the permission policy (ScopedObjectMixin)")
        return super().construct_view(view_class, **kwargs)

    # Choosers: how a record is named (None: its str) and how typed words find it (None: no search box).
    chooser_label = None
    chooser_search = None
    chooser_per_page = 50

    @property
    def chooser_viewset_class(self):
        """Choosers (the family picker on a recording, an editor's recording picker) list only what the user may use;
        anything else, even asked for by id, is 404. Records are named by `chooser_label`, found by `chooser_search`,
        fifty a page."""
        chooser_scope = self.chooser_scope
        label = self.chooser_label
        search = self.chooser_search

        class LabelMixin:
            @property
            def title_column(self):
                column = super().title_column
                if label is not None:
                    column.accessor = label
                return column

            def get_filter_form_class(self):
                if search is None:
                    return super().get_filter_form_class()
                return type("CodeSearchForm", (CodeSearchForm,), {"search": staticmethod(search)})

        class ScopedChooseView(LabelMixin, ChooseView):
            def get_object_list(self):
                return chooser_scope(super().get_object_list(), self.request.user)

        class ScopedChooseResultsView(LabelMixin, ChooseResultsView):
            def get_object_list(self):
                return chooser_scope(super().get_object_list(), self.request.user)

        class ChosenLabelMixin:
            def get_display_title(self, instance):
                return label(instance) if label is not None else super().get_display_title(instance)

        class ScopedChosenView(ChosenLabelMixin, SnippetChosenView):
            def get_object(self, pk):
                obj = super().get_object(pk)
                if not chooser_scope(type(obj)._default_manager.filter(pk=obj.pk), self.request.user).exists():
                    raise Http404
                return obj

        class ScopedChosenMultipleView(ChosenLabelMixin, SnippetChosenMultipleView):
            def get_objects(self, pks):
                return chooser_scope(super().get_objects(pks), self.request.user)

        class ScopedChooserViewSet(SnippetChooserViewSet):
            choose_view_class = ScopedChooseView
            choose_results_view_class = ScopedChooseResultsView
            chosen_view_class = ScopedChosenView
            chosen_multiple_view_class = ScopedChosenMultipleView
            per_page = self.chooser_per_page

        return ScopedChooserViewSet


class CodeSearchForm(BaseFilterForm):
    """The chooser's search box: codes typed any way ("akt 014 c1"), or words of a record's description."""

    q = forms.CharField(
        label=_("Search term"), widget=forms.TextInput(attrs={"placeholder": _("Code or words")}), required=False
    )
    search = None

    def filter(self, objects):
        objects = super().filter(objects)
        query = self.cleaned_data.get("q", "").strip() if self.is_valid() else ""
        if query:
            self.is_searching = True
            self.search_query = query
            objects = self.search(objects, query)
        return objects


def search_participants(queryset, query: str):
    """Participants whose code (typed with or without spaces and dashes) or relation matches."""
    letters = Case(
        *(When(role=role, then=Value(letter)) for role, letter in Participant.ROLE_LETTERS.items()),
        output_field=CharField(),
    )
    compact = Concat(
        "family__site__region__code",
        LPad(Cast("family__number", CharField()), 3, Value("0")),
        letters,
        Cast("index", CharField()),
        output_field=CharField(),
    )
    return queryset.annotate(compact_code=compact).filter(
        Q(compact_code__contains=compact_code(query)) | Q(relation__icontains=query)
    )


def search_families(queryset, query: str):
    """Families whose code matches, typed with or without spaces and dashes, in any case ("akt 14" finds AKT-014)."""
    compact = Concat("site__region__code", LPad(Cast("number", CharField()), 3, Value("0")), output_field=CharField())
    return queryset.annotate(compact_code=compact).filter(compact_code__contains=compact_code(query))


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
    base_form_class = SiteForm  # administrators only: any user in the Facilitators role may be assigned


class FamilyViewSet(ScopedSnippetViewSet):
    """The row link leads to the family page (facilitation/family_page.py), the Families snippet's inspect view."""

    model = Family
    icon = "group"
    menu_label = _("Families")
    inspect_view_enabled = True
    list_display = ["code", "site", "preferred_language", "created_at"]
    list_filter = ["site", "preferred_language"]
    panels = [FieldPanel("site"), FieldPanel("preferred_language"), FieldPanel("left_on")]
    inspect_view_class = ScopedFamilyPageView
    index_view_class = ScopedFamilyIndexView
    chooser_label = staticmethod(family_label)
    chooser_search = staticmethod(search_families)


class ParticipantViewSet(ScopedSnippetViewSet):
    model = Participant
    icon = "user"
    menu_label = _("Participants")
    list_display = ["code", "role", "age_band", "preferred_language", "relation"]
    list_filter = ["role", "age_band", "family__site"]
    search_fields = ["relation"]
    chooser_label = staticmethod(participant_label)
    chooser_search = staticmethod(search_participants)
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
    list_display = [
        "__str__",
        "status",
        "duration_minutes",
        Column(
            "child_wished_to_stop",
            label=capfirst(_("a child wished to stop")),
            accessor=lambda s: yes_no(s.child_wished_to_stop),
        ),
        Column(
            "safeguarding_concern",
            label=capfirst(_("safeguarding concern")),
            accessor=lambda s: yes_no(s.safeguarding_concern),
        ),
    ]
    list_filter = ["status", "site", "child_wished_to_stop", "safeguarding_concern"]
    base_form_class = StorySessionForm

    def construct_view(self, view_class, **kwargs):
        view = super().construct_view(view_class, **kwargs)
        if view_class is self.edit_view_class:
            return read_only_for_leads(view)  # the lead, who may not edit, gets the read-only session
        return view

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
    icon = "media"
    menu_label = _("Recordings")
    list_display = [
        "__str__",
        "source",
        "language",
        Column("duration_seconds", label=capfirst(_("duration")), accessor=lambda r: duration(r.duration_seconds)),
        Column("created_at", label=capfirst(_("added")), accessor=lambda r: datetime_short(r.created_at)),
    ]
    list_filter = ["source", "language", "family__site"]

    @property
    def edit_handler(self):
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
    icon = "mail"
    menu_label = _("Family submissions")
    inspect_view_enabled = True
    # Reviewed through the review screen (accept or decline), never by editing the status by hand.
    disabled_views = frozenset({"edit", "copy", "delete"})
    list_display = ["reference", "family", "language", "status", "created_at"]
    list_filter = ["status", "language", "family__site"]
    panels = [FieldPanel("status")]
    inspect_view_class = ScopedSubmissionReviewView
    index_view_class = ScopedSubmissionIndexView


class ConsentFormVersionViewSet(SnippetViewSet):
    model = ConsentFormVersion
    icon = "doc-full"
    menu_label = _("Consent forms")
    list_display = ["version", "effective_from"]
    inspect_view_enabled = True


class ConsentRecordViewSet(ScopedSnippetViewSet):
    """Create and read only: a change is a new record (append-only)."""

    model = ConsentRecord
    disabled_views = frozenset({"edit", "delete", "copy"})
    icon = "tick-inverse"
    menu_label = _("Consent records")
    inspect_view_enabled = True
    list_display = ["participant", "kind", "given_by", "child_assent", "given_on", "review_on"]
    list_filter = ["kind", "given_by", "child_assent", "method"]

    # The readable record (inspect), "change consent" as a new prefilled record (add ?participant=), and a listing
    # whose links never lead to the disabled edit/copy views: facilitation/consent_views.py.
    inspect_view_class = ScopedConsentRecordView
    add_view_class = ConsentRecordCreateView
    index_view_class = ScopedConsentRecordIndexView
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


class AuditEventViewSet(ScopedSnippetViewSet):
    """The audit log: administrators only, everywhere (list, inspect, history, chooser); written by the platform."""

    model = AuditEvent
    disabled_views = frozenset({"add", "edit", "delete", "copy"})
    icon = "history"
    menu_label = _("Audit log")
    inspect_view_enabled = True
    # Yes/no in the admin's language, not Python's True/False.
    list_display = [
        "at",
        "actor_label",
        "action",
        "target_label",
        BooleanColumn("allowed", label=capfirst(_("allowed"))),
    ]
    list_filter = ["allowed", "action"]
    search_fields = ["actor_label", "action", "target_label"]

    def chooser_scope(self, queryset, user):
        if not policy.may(user, policy.Action.VIEW_AUDIT_LOG, None):
            raise Http404
        return policy.visible(user, queryset)


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


# Every programme snippet's permission checks are the policy's, registered before any view, hook or chooser asks.
for _viewset in ProgrammeViewSetGroup.items:
    if issubclass(_viewset, ScopedSnippetViewSet):
        register_permission_policy(_viewset.model, ProgrammePermissionPolicy(_viewset.model), exact_class=True)
