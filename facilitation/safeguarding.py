"""Safeguarding concerns: a facilitator writes one, the safeguarding lead follows it up.

A facilitator raises a concern about children of their own site and cannot read it back afterwards (it answers 404
to them like anything out of scope). Safeguarding leads and administrators get a queue (open, in progress, closed),
the concern with the session it came from (read-only) and a status change with a follow-up note. Every read and
write goes through `policy.authorize`, so the audit log shows who read or moved which concern. The leads are told by
e-mail (`notifications.concern_raised`), with the site and a link only.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib.auth.models import Permission
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin import messages
from wagtail.admin.ui.tables import Column, StatusTagColumn, TitleColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy

from . import notifications, policy
from .models import Concern, ConcernUpdate, Participant, StorySession
from .policy import Action

# --- Raising a concern ------------------------------------------------------------------------------------------


def raise_concern(actor, session: StorySession, note: str, children=()) -> Concern:
    """Store a concern about `children` of `session`, flag the session, and tell the leads once it is committed.

    The caller has asked `policy.authorize(actor, RAISE_CONCERN, session, children=...)` already.
    """
    concern = Concern.objects.create(
        site=session.site, session=session, note=note.strip(), raised_by=actor if getattr(actor, "pk", None) else None
    )
    concern.children.set(children)
    # An update, not save(): the flag is for lists and filters; nothing that consent depends on changed.
    StorySession.objects.filter(pk=session.pk).update(safeguarding_concern=True)
    transaction.on_commit(lambda: notifications.concern_raised(concern), robust=True)
    return concern


def concern_from_session_flag(actor, session: StorySession, *, was_flagged: bool) -> Concern | None:
    """A facilitator newly ticked "safeguarding concern" on the session form: the lead must hear of it too. Only the
    tick itself raises one (not every later save of a ticked session), and the tick alone carries no note."""
    if was_flagged or not session.safeguarding_concern or not policy.may(actor, Action.RAISE_CONCERN, session):
        return None
    if session.concerns.exclude(status=Concern.Status.CLOSED).exists():
        return None
    policy.authorize(actor, Action.RAISE_CONCERN, session, detail={"via": "session form"})
    return raise_concern(actor, session, "")


class RaiseConcernForm(forms.Form):
    session = forms.ModelChoiceField(StorySession.objects.none(), label=gettext_lazy("Session"))
    children = forms.ModelMultipleChoiceField(
        Participant.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=gettext_lazy("Children concerned"),
        help_text=gettext_lazy("By their code."),
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        label=gettext_lazy("What you saw or heard"),
        help_text=gettext_lazy(
            "Facts, words the child used, when and where. Only the safeguarding lead and administrators read this; "
            "once sent, you cannot open it again."
        ),
    )

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["session"].queryset = policy.scoped_choices(user, StorySession).select_related("site")
        children = policy.scoped_choices(user, Participant).filter(role=Participant.Role.CHILD)
        self.fields["children"].queryset = children.select_related("family__site__region")

    def clean(self):
        data = super().clean()
        session, children = data.get("session"), data.get("children") or []
        if session is not None:
            decision = policy.may(self.user, Action.RAISE_CONCERN, session, children=children)
            for reason in decision.reasons:
                self.add_error("children" if children else None, reason)
        return data


def raise_view(request):
    """The facilitator's form (also for administrators). Out-of-scope sessions are not offered and are 404 by id."""
    if not policy.may(request.user, Action.RAISE_CONCERN, None):
        raise Http404
    initial = {}
    if request.GET.get("session"):
        if not request.GET["session"].isdigit():
            raise Http404  # a mistyped link, not a server error
        session = policy.scope(request.user, StorySession.objects.filter(pk=request.GET["session"])).first()
        if session is None:
            raise Http404
        initial["session"] = session
        initial["children"] = session.attendees.filter(role=Participant.Role.CHILD)
    form = RaiseConcernForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        session, children = form.cleaned_data["session"], list(form.cleaned_data["children"])
        if not policy.authorize(request.user, Action.RAISE_CONCERN, session, children=children):
            raise Http404
        raise_concern(request.user, session, form.cleaned_data["note"], children)
        return redirect("facilitation_concern_sent")
    title = _("Raise a safeguarding concern")
    return TemplateResponse(
        request,
        "facilitation/safeguarding/raise.html",
        {"form": form, "header_title": title, "page_title": title, "breadcrumbs_items": _crumbs(title)},
    )


def sent_view(request):
    """What the facilitator sees once the concern is sent: that it was, never what it said."""
    if not policy.may(request.user, Action.RAISE_CONCERN, None):
        raise Http404
    title = _("Concern sent")
    return TemplateResponse(
        request,
        "facilitation/safeguarding/sent.html",
        {"header_title": title, "page_title": title, "breadcrumbs_items": _crumbs(title)},
    )


def _crumbs(title: str, *, queue: bool = False) -> list[dict]:
    items = [{"url": reverse("wagtailadmin_home"), "label": _("Home")}]
    if queue:
        items.append({"url": reverse("safeguarding:index"), "label": _("Safeguarding concerns")})
    return [*items, {"url": "", "label": title}]


# --- The lead's queue ---------------------------------------------------------------------------------------------


class ConcernPermissionPolicy(BasePermissionPolicy):
    """Wagtail's listing machinery asks this; it answers from `policy` (leads and administrators read and change)."""

    def user_has_permission(self, user, action):
        return action in {"view", "change"} and policy.handles_concerns(user)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        return policy.concern_handlers() if {"view", "change"} & set(actions) else policy.concern_handlers().none()

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)

    def instances_user_has_any_permission_for(self, user, actions):
        return policy.concerns_for(user, Concern.objects.all())


class ConcernIndexView(IndexView):
    """Open first, then in progress, then closed; newest first within each."""

    # "open" > "in_progress" > "closed": descending status is the order of urgency.
    default_ordering = ["-status", "-raised_at"]
    list_filter = ["status", "site"]

    def dispatch(self, request, *args, **kwargs):
        if not policy.handles_concerns(request.user):
            raise Http404  # not "Sorry, you do not have permission": to others the queue does not exist
        return super().dispatch(request, *args, **kwargs)

    def get_base_queryset(self):
        queryset = policy.concerns_for(self.request.user, Concern.objects.all())
        return queryset.select_related("site__region", "session", "raised_by").prefetch_related(
            "children__family__site__region"
        )

    def get_edit_url(self, instance):
        return reverse("facilitation_concern", args=[instance.pk])

    def get_inspect_url(self, instance):
        return None

    @cached_property
    def columns(self):
        return [
            TitleColumn(
                "title",
                label=_("Concern"),
                accessor=lambda concern: _("Concern #%(number)s") % {"number": concern.pk},
                get_url=self.get_edit_url,
            ),
            StatusTagColumn(
                "status",
                label=_("Status"),
                accessor="get_status_display",
                primary=lambda concern: concern.status == Concern.Status.OPEN,
                sort_key="status",
            ),
            Column("raised_at", label=_("Raised"), accessor=lambda c: _when(c.raised_at), sort_key="raised_at"),
            Column("site", label=_("Site"), accessor=lambda concern: concern.site.name),
            Column("raised_by", label=_("Facilitator"), accessor=lambda concern: _username(concern.raised_by)),
            Column("children", label=_("Children"), accessor=lambda concern: concern.child_codes() or "—"),
            TitleColumn(
                "session",
                label=_("Session"),
                accessor=lambda concern: _session_label(concern.session),
                get_url=lambda concern: (
                    concern.session_id and reverse("facilitation_safeguarding_session", args=[concern.session_id])
                ),
            ),
        ]


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _username(user) -> str:
    return user.get_username() if user is not None else "—"


def _session_label(session) -> str:
    if session is None:
        return "—"
    return _when(session.starts_at)


class ConcernViewSet(ModelViewSet):
    """The lead's queue as a Wagtail listing (filters by status and site); the concern and its session are
    `concern_view` and `session_view`, all under /admin/safeguarding/."""

    model = Concern
    icon = "warning"
    menu_label = gettext_lazy("Safeguarding concerns")
    menu_order = 220
    add_to_admin_menu = True
    url_prefix = "safeguarding"
    name = "safeguarding"
    index_view_class = ConcernIndexView
    list_filter = ["status", "site"]
    copy_view_enabled = False
    add_to_reference_index = False  # a usage screen must never reveal that a concern names a child or a session

    def get_permissions_to_register(self):
        return Permission.objects.none()  # who reads concerns is the policy's answer, not a group checkbox

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
        ]

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            **{"add_url_name": None, "edit_url_name": None, "delete_url_name": None, **kwargs}
        )


register_permission_policy(Concern, ConcernPermissionPolicy(Concern), exact_class=True)


# --- A concern, and its session, read-only -------------------------------------------------------------------------


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(choices=Concern.Status.choices, label=gettext_lazy("Move to"))
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=gettext_lazy("Follow-up note"),
        help_text=gettext_lazy("What was done or decided, and who was told."),
    )

    def clean(self):
        data = super().clean()
        if data.get("status") == self.initial.get("status") and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("Change the status or write a note."))
        return data


def _concern_or_404(request, pk: int, action: Action) -> Concern:
    """The concern if the policy allows `action` (audited, allowed or not); 404 otherwise, as if it did not exist."""
    concern = get_object_or_404(Concern.objects.select_related("site__region", "session", "raised_by"), pk=pk)
    if not policy.authorize(request.user, action, concern):
        raise Http404
    return concern


def concern_view(request, pk: int):
    """The concern: note, children, session, history of the follow-up, and the status change."""
    concern = _concern_or_404(request, pk, Action.HANDLE_CONCERN if request.method == "POST" else Action.VIEW_CONCERN)
    form = FollowUpForm(request.POST or None, initial={"status": concern.status})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            ConcernUpdate.objects.create(
                concern=concern, author=request.user, status=form.cleaned_data["status"], note=form.cleaned_data["note"]
            )
            concern.status = form.cleaned_data["status"]
            concern.handled_by = request.user
            concern.save(update_fields=["status", "handled_by", "updated_at"])
        status = concern.get_status_display()
        messages.success(request, _("Saved: the concern is now “%(status)s”.") % {"status": status})
        return redirect("facilitation_concern", pk=concern.pk)
    title = str(concern)
    return TemplateResponse(
        request,
        "facilitation/safeguarding/concern.html",
        {
            "concern": concern,
            "children": concern.children.select_related("family__site__region"),
            "updates": concern.updates.select_related("author"),
            "form": form,
            "header_title": title,
            "page_title": title,
            "breadcrumbs_items": _crumbs(title, queue=True),
        },
    )


def session_view(request, pk: int):
    """A session, read-only, for the lead (who may not edit sessions): the plan, who came, the log, the flags, the
    legacy safeguarding note and every concern raised on it. 404 to anyone the policy does not let read notes."""
    session = get_object_or_404(StorySession.objects.select_related("site__region"), pk=pk)
    if not policy.handles_concerns(request.user):
        raise Http404
    if not policy.authorize(request.user, Action.VIEW_SAFEGUARDING_NOTE, session):
        raise Http404
    title = _("Session of %(date)s") % {"date": _session_label(session)}
    return TemplateResponse(
        request,
        "facilitation/safeguarding/session.html",
        {
            "session": session,
            "facilitators": session.facilitators.all(),
            "attendees": session.attendees.select_related("family__site__region"),
            "pairs": session.pairs.select_related("elder__family__site__region", "child__family__site__region"),
            "concerns": session.concerns.all(),
            "header_title": title,
            "page_title": title,
            "breadcrumbs_items": _crumbs(title, queue=True),
        },
    )


def urlpatterns() -> list:
    """Registered by wagtail_hooks under /admin/ (the queue itself is `ConcernViewSet`)."""
    return [
        path("safeguarding/raise/", raise_view, name="facilitation_raise_concern"),
        path("safeguarding/raise/sent/", sent_view, name="facilitation_concern_sent"),
        path("safeguarding/concerns/<int:pk>/", concern_view, name="facilitation_concern"),
        path("safeguarding/sessions/<int:pk>/", session_view, name="facilitation_safeguarding_session"),
    ]


def read_only_for_leads(edit_view):
    """Wraps the session edit view: whoever handles concerns but may not edit this session (the safeguarding lead) is
    sent to the read-only session instead of Wagtail's "Sorry, you do not have permission"."""

    @wraps(edit_view)
    def view(request, pk, *args, **kwargs):
        session = StorySession.objects.filter(pk=pk).select_related("site").first()
        if (
            session is not None
            and policy.handles_concerns(request.user)
            and not policy.may(request.user, Action.EDIT_SESSION, session)
        ):
            return redirect("facilitation_safeguarding_session", pk=session.pk)
        return edit_view(request, pk, *args, **kwargs)

    return view
