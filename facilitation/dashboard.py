"""The admin home page per role: "what needs me", and the facilitator's upcoming sessions.

Every count is scoped by `policy` (a facilitator counts only their own sites) and every line links to the screen
where it is acted on. Other apps add their own lines through the `register_dashboard_items` hook (media_tools adds
the transcripts waiting for correction), so facilitation never imports them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.ui.components import Component

from . import policy
from .consent_views import record_consent_url
from .models import Concern, ConsentRecord, Participant, StorySession, Submission
from .policy import Action

DASHBOARD_ITEMS_HOOK = "register_dashboard_items"  # fn(user) -> iterable of DashboardItem
REVIEW_WINDOW_DAYS = 30
RECENT_WITHDRAWAL_DAYS = 14


@dataclass
class DashboardItem:
    label: str
    count: int
    url: str
    order: int = 100
    urgent: bool = False


def consents_due(user, on: datetime.date | None = None):
    """Participants of the user's sites whose current consent must be asked again within the window: its review date
    falls in the window (or has passed), or a child turns 18 in it (1 January of birth year + 18)."""
    on = on or timezone.localdate()
    until = on + datetime.timedelta(days=REVIEW_WINDOW_DAYS)
    latest = ConsentRecord.objects.filter(participant=OuterRef("pk")).order_by("-recorded_at", "-id")
    people = Participant.objects.annotate(
        latest_review=Subquery(latest.values("review_on")[:1]), latest_given_by=Subquery(latest.values("given_by")[:1])
    )
    turning_18 = Q(
        role=Participant.Role.CHILD,
        birth_year__isnull=False,
        birth_year__lte=until.year - 18,
        latest_given_by=ConsentRecord.GivenBy.GUARDIAN,
    )
    people = people.filter(Q(latest_review__isnull=False, latest_review__lte=until) | turning_18)
    return policy.scope(user, people)


def items_for(user) -> list[DashboardItem]:
    """What needs this user now, with counts and links, from facilitation and from every app's hook."""
    items: list[DashboardItem] = []
    if policy.handles_concerns(user):
        open_concerns = policy.concerns_for(user, Concern.objects.filter(status=Concern.Status.OPEN)).count()
        in_progress = policy.concerns_for(user, Concern.objects.filter(status=Concern.Status.IN_PROGRESS)).count()
        queue = reverse("safeguarding:index")
        items.append(DashboardItem(_("Open safeguarding concerns"), open_concerns, f"{queue}?status=open", 10, True))
        items.append(DashboardItem(_("Concerns in progress"), in_progress, f"{queue}?status=in_progress", 11, False))
    if policy.may(user, Action.FOLLOW_SITE_WORK, None):
        received = policy.scope(user, Submission.objects.filter(status=Submission.Status.RECEIVED)).count()
        items.append(
            DashboardItem(
                _("Family submissions to review"),
                received,
                reverse("wagtailsnippets_facilitation_submission:list") + "?status=received",
                20,
            )
        )
        since = timezone.now() - datetime.timedelta(days=RECENT_WITHDRAWAL_DAYS)
        withdrawals = ConsentRecord.objects.filter(kind=ConsentRecord.Kind.WITHDRAWAL, recorded_at__gte=since)
        items.append(
            DashboardItem(
                _("Consent withdrawals of the last 14 days: talk to the family"),
                policy.scope(user, withdrawals).count(),
                reverse("wagtailsnippets_facilitation_consentrecord:list") + "?kind=withdrawal",
                30,
            )
        )
        items.append(
            DashboardItem(
                _("Consents to ask again within 30 days (review date or 18th birthday)"),
                consents_due(user).count(),
                reverse("facilitation_consents_due"),
                40,
            )
        )
    for fn in hooks.get_hooks(DASHBOARD_ITEMS_HOOK):
        items.extend(fn(user) or [])
    return sorted(items, key=lambda item: item.order)


class NeedsMePanel(Component):
    name = "needs_me"
    template_name = "facilitation/panels/needs_me.html"
    order = 40

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        items = items_for(self.user)
        return {"items": [item for item in items if item.count], "checked": items, "title": _("What needs me")}


class UpcomingSessionsPanel(Component):
    """The facilitator's sessions of the coming weeks, each with a link to raise a concern."""

    name = "upcoming_sessions"
    template_name = "facilitation/panels/upcoming_sessions.html"
    order = 50

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context=None):
        sessions = (
            policy.scope(self.user, StorySession.objects.all())
            .filter(starts_at__gte=timezone.now(), status=StorySession.Status.PLANNED)
            .select_related("site")
            .order_by("starts_at")[:10]
        )
        return {"sessions": sessions, "title": _("My upcoming sessions")}


def homepage_panels(user) -> list[Component]:
    panels: list[Component] = []
    facilitates = bool(policy.may(user, Action.FOLLOW_SITE_WORK, None))
    if facilitates or policy.handles_concerns(user):  # the roles something can wait for
        panels.append(NeedsMePanel(user))
    if facilitates:
        panels.append(UpcomingSessionsPanel(user))
    return panels


def consents_due_view(request):
    """The list behind the dashboard's "consents to ask again": codes, site, why and by when, with the link to record
    a new consent."""
    if not policy.may(request.user, Action.MANAGE_CONSENT, None):
        raise Http404
    today = timezone.localdate()
    rows = []
    for participant in consents_due(request.user).select_related("family__site__region"):
        record = participant.consent_records.order_by("-recorded_at", "-id").first()
        dates = [d for d in (record.review_on if record else None, participant.eighteenth_birthday()) if d]
        due = min(dates) if dates else today
        rows.append(
            {
                "participant": participant,
                "due": due,
                "overdue": due < today,
                "record": record,
                "record_url": record_consent_url(participant),  # prefilled for this person, not a blank form
            }
        )
    rows.sort(key=lambda row: row["due"])
    title = gettext("Consents to ask again")
    return TemplateResponse(
        request,
        "facilitation/panels/consents_due.html",
        {
            "rows": rows,
            "header_title": title,
            "page_title": title,
            "breadcrumbs_items": [
                {"url": reverse("wagtailadmin_home"), "label": gettext("Home")},
                {"url": "", "label": title},
            ],
        },
    )
