from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.snippets.models import register_snippet

from . import policy, roles
from .models import StorySession
from .viewsets import ProgrammeViewSetGroup

register_snippet(ProgrammeViewSetGroup)


class UpcomingSessionsPanel(Component):
    """The facilitator's dashboard: their sessions of the next weeks."""

    name = "upcoming_sessions"
    template_name = "facilitation/panels/upcoming_sessions.html"
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        from django.utils import timezone

        sessions = (
            StorySession.objects.filter(
                site__in=policy.sites_of(self.user), starts_at__gte=timezone.now(), status=StorySession.Status.PLANNED
            )
            .select_related("site")
            .order_by("starts_at")[:10]
        )
        return {"sessions": sessions, "title": _("My upcoming sessions")}


@hooks.register("construct_homepage_panels")
def add_upcoming_sessions(request, panels):
    if roles.FACILITATOR in policy.role_names(request.user) or policy.is_admin(request.user):
        panels.append(UpcomingSessionsPanel(request.user))


@hooks.register("register_admin_urls")
def register_role_views():
    from django.urls import path

    from . import admin_views
    from .evaluation import views as evaluation

    return [
        path("evaluation/", evaluation.session_log, name="facilitation_evaluation"),
        path("evaluation/session-log.csv", evaluation.session_log_export, name="facilitation_evaluation_export"),
        path(
            "evaluation/session-log.xlsx",
            evaluation.session_log_export,
            {"fmt": "xlsx"},
            name="facilitation_evaluation_export_xlsx",
        ),
        path("evaluation/indicators/", evaluation.indicator_dashboard, name="facilitation_evaluation_indicators"),
        path(
            "evaluation/indicators.csv", evaluation.indicator_export, name="facilitation_evaluation_indicators_export"
        ),
        path(
            "evaluation/indicators.xlsx",
            evaluation.indicator_export,
            {"fmt": "xlsx"},
            name="facilitation_evaluation_indicators_export_xlsx",
        ),
        path("safeguarding/", admin_views.safeguarding_index, name="facilitation_safeguarding"),
        path("invitations/new/", admin_views.new_invitation, name="facilitation_new_invitation"),
        path(
            "consent/withdraw/<int:participant_id>/",
            admin_views.withdraw_consent_view,
            name="facilitation_withdraw_consent",
        ),
    ]


class RoleMenuItem(MenuItem):
    def __init__(self, *args, allowed_roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_roles = set(allowed_roles)

    def is_shown(self, request):
        return policy.is_admin(request.user) or bool(policy.role_names(request.user) & self.allowed_roles)


@hooks.register("register_admin_menu_item")
def evaluation_menu_item():
    return RoleMenuItem(
        _("Session logs (evaluation)"),
        reverse("facilitation_evaluation"),
        icon_name="table",
        order=210,
        allowed_roles={roles.EVALUATOR},
    )


@hooks.register("register_admin_menu_item")
def indicators_menu_item():
    return RoleMenuItem(
        _("Indicators (evaluation)"),
        reverse("facilitation_evaluation_indicators"),
        icon_name="table",
        order=211,
        allowed_roles={roles.EVALUATOR},
    )


@hooks.register("register_admin_menu_item")
def invitation_menu_item():
    return RoleMenuItem(
        _("Invite a family"),
        reverse("facilitation_new_invitation"),
        icon_name="mail",
        order=205,
        allowed_roles={roles.FACILITATOR},
    )


@hooks.register("register_admin_menu_item")
def safeguarding_menu_item():
    return RoleMenuItem(
        _("Safeguarding concerns"),
        reverse("facilitation_safeguarding"),
        icon_name="warning",
        order=220,
        allowed_roles={roles.SAFEGUARDING},
    )


@hooks.register("register_snippet_listing_buttons")
def withdraw_consent_button(snippet, user, next_url=None):
    from wagtail.admin.widgets import ListingButton

    from .models import Participant

    if isinstance(snippet, Participant) and policy.may(user, policy.Action.MANAGE_CONSENT, snippet):
        yield ListingButton(
            _("Withdraw consent"), reverse("facilitation_withdraw_consent", args=[snippet.pk]), priority=50
        )
