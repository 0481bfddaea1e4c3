"""The family page: one place per family for its site's staff, reached from every listing that names the family.

Its people (codes; real names only where the policy allows), everyone's current consent as a use × person matrix,
the recordings (played through the private, policy-checked view), submissions, sessions and the stories built from
them, with the actions that apply. Only for those the policy lets see the family; everyone else gets a 404.
"""

from __future__ import annotations

from django.apps import apps
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from wagtail.admin.widgets import ListingButton
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import IndexView, InspectView

from . import policy
from .consent_views import LANGUAGE_NAMES, inspect_url, language_names, latest_record, record_consent_url
from .models import Family, Participant, Recording, Scope, StorySession
from .policy import Action


def family_url(family_or_id) -> str:
    pk = getattr(family_or_id, "pk", family_or_id)
    return reverse("wagtailsnippets_facilitation_family:inspect", args=[pk])


def mm_ss(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    total = int(round(seconds))
    return f"{total // 60:02d}:{total % 60:02d}"


def stories_using(family: Family, sessions) -> list:
    """Story pages built from this family's material or naming its people (stories.StoryPage, by its label: the
    dependency runs stories -> facilitation, so the model is looked up, not imported)."""
    try:
        story_page = apps.get_model("stories", "StoryPage")
    except LookupError:
        return []
    people = Participant.objects.filter(family=family)
    uses = (
        Q(source_recording__family=family)
        | Q(audio__family=family)
        | Q(source_submission__family=family)
        | Q(source_session__in=sessions)
        | Q(contributions__participant__in=people)
        | Q(bound_participants__in=people)
    )
    ids = story_page.objects.filter(uses).values("pk")
    return list(story_page.objects.filter(pk__in=ids).order_by("-latest_revision_created_at", "pk"))


def transcription_state(recording: Recording) -> str:
    jobs = list(recording.jobs.all())
    if not jobs:
        return _("Not transcribed")
    job = max(jobs, key=lambda j: (j.created_at, j.pk))
    return job.get_status_display()


class FamilyIndexView(IndexView):
    """Each row opens the family page; editing the family's site or language stays in the row's menu."""

    def get_edit_url(self, instance):
        return family_url(instance)

    def get_list_more_buttons(self, instance):
        buttons = [ListingButton(_("Family page"), url=family_url(instance), icon_name="group", priority=5)]
        if self.edit_url_name and self.user_has_permission("change"):
            edit_url = reverse(self.edit_url_name, args=[instance.pk])
            buttons.append(ListingButton(_("Edit"), url=edit_url, icon_name="edit", priority=10))
        return buttons


class FamilyPageView(InspectView):
    """The Families snippet's inspect view, made into the family page (the listing's row link leads here)."""

    template_name = "facilitation/staff/family_page.html"

    def get_object(self, queryset=None):
        family = super().get_object(queryset)
        if not policy.may(self.request.user, Action.VIEW_FAMILY, family):
            raise Http404
        return family

    def get_page_title(self):
        return _("Family page")

    def get_page_subtitle(self):
        return self.object.code

    def get_edit_url(self):
        return None

    def get_delete_url(self):
        return None

    @cached_property
    def header_buttons(self):
        family = self.object
        user = self.request.user
        buttons = []
        if policy.may(user, Action.VIEW_FAMILY, family):
            buttons.append(
                HeaderButton(
                    _("Upload a recording"),
                    url=reverse("wagtailsnippets_facilitation_recording:add") + f"?family={family.pk}",
                    icon_name="media",
                )
            )
            buttons.append(
                HeaderButton(
                    _("Invite to share a story"),
                    url=reverse("facilitation_new_invitation") + f"?family={family.pk}",
                    icon_name="mail",
                )
            )
            buttons.append(
                HeaderButton(
                    _("Add a person"),
                    url=reverse("wagtailsnippets_facilitation_participant:add") + f"?family={family.pk}",
                    icon_name="user",
                )
            )
        if policy.may(user, Action.EXPORT_FAMILY, family):  # subject access: facilitation/subject_access_views.py
            buttons.append(
                HeaderButton(
                    _("Export everything held"),
                    url=reverse("facilitation_family_export", args=[family.pk]),
                    icon_name="download",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        family = self.object
        user = self.request.user
        participants = list(family.participants.select_related("family__site__region").order_by("role", "index"))
        people = []
        for participant in participants:
            record = latest_record(participant)
            state = policy.consent_state(participant)
            manage = policy.may(user, Action.MANAGE_CONSENT, participant)
            people.append(
                {
                    "participant": participant,
                    "real_name": participant.real_name
                    if participant.real_name and policy.may(user, Action.VIEW_REAL_NAME, participant)
                    else "",
                    "record": record,
                    "record_url": inspect_url(record) if record else "",
                    "state": state,
                    "languages": language_names(sorted(state.languages)) if record else "—",
                    "change_url": record_consent_url(participant) if manage else "",
                    "withdraw_url": reverse("facilitation_withdraw_consent", args=[participant.pk])
                    if manage and record
                    else "",
                    "edit_url": reverse("wagtailsnippets_facilitation_participant:edit", args=[participant.pk]),
                }
            )
        matrix = []
        for value, label in Scope.choices:
            cells = []
            for person in people:
                record = person["record"]
                stated = bool(record and getattr(record, value))
                cells.append({"in_force": value in person["state"].scopes, "stated": stated})
            matrix.append({"value": value, "label": label, "cells": cells})

        recordings = []
        for recording in (
            family.recordings.select_related("session", "submission")
            .prefetch_related("speakers__family__site__region", "jobs")
            .order_by("-created_at")
        ):
            decision = policy.may(user, Action.STREAM_RECORDING, recording)
            playable = decision.allowed
            recordings.append(
                {
                    "recording": recording,
                    "playable": playable,
                    "audio_url": reverse("facilitation:recording_file", args=[recording.pk]) if playable else "",
                    "duration": mm_ss(recording.duration_seconds),
                    "speakers": ", ".join(p.code for p in recording.speakers.all()),
                    "transcription": transcription_state(recording),
                    "language": LANGUAGE_NAMES.get(recording.language, _("Detect automatically")),
                    "refused": decision.reasons,
                }
            )
        sessions = (
            StorySession.objects.filter(
                Q(attendees__family=family)
                | Q(pairs__elder__family=family)
                | Q(pairs__child__family=family)
                | Q(recordings__family=family)
            )
            .filter(site=family.site)
            .distinct()
            .order_by("-starts_at")
        )
        sessions = list(sessions)
        stories = []
        for page in stories_using(family, sessions):
            needed = policy.story_people(page)
            stories.append(
                {
                    "page": page,
                    # modeltranslation: the admin's language, falling back to another; the raw column is not read.
                    "title": page.title or page.get_admin_display_title(),
                    "live": page.live,
                    "people": ", ".join(sorted(p.code for p in needed if p.family_id == family.pk)),
                }
            )
        submissions = list(family.submissions.order_by("-created_at"))
        context.update(
            {
                "family": family,
                "people": people,
                "matrix": matrix,
                "recordings": recordings,
                "sessions": sessions,
                "submissions": [
                    {
                        "submission": submission,
                        "url": reverse("wagtailsnippets_facilitation_submission:inspect", args=[submission.pk]),
                        "people": ", ".join(p.code for p in submission.participants.all()),
                    }
                    for submission in submissions
                ],
                "stories": stories,
                "site_language": LANGUAGE_NAMES.get(family.preferred_language, family.preferred_language),
            }
        )
        return context
