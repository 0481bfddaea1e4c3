"""Consent records for staff: a readable record, "change consent" as a new record prefilled from the current one, the
evidence scan served through the policy, and printable consent forms per language and form version.

Records stay append-only: no screen edits one. Every link the consent listing and its messages offer leads to the
readable record or to a new record, never to an edit view that does not exist.
"""

from __future__ import annotations

from pathlib import Path

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import override as language_override
from wagtail.admin import messages
from wagtail.admin.widgets import ListingButton
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import CreateView, IndexView, InspectView

from . import policy
from .models import LANGUAGE_CHOICES, ConsentFormVersion, ConsentRecord, Participant, Scope
from .policy import Action
from .serving import serve_private_file
from .views import not_found

LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)
# Copied into a new record by "change consent": what the person said last time, to be confirmed or changed.
CARRIED_OVER = (
    "form_language",
    "given_by",
    "guardian_relation",
    "child_assent",
    "publish_languages",
    "witness_id",
    "review_on",
    *(scope.value for scope in Scope),
)


def inspect_url(record: ConsentRecord) -> str:
    return reverse("wagtailsnippets_facilitation_consentrecord:inspect", args=[record.pk])


def record_consent_url(participant: Participant) -> str:
    """A new consent record for the participant, prefilled from their current one when there is one."""
    return reverse("wagtailsnippets_facilitation_consentrecord:add") + f"?participant={participant.pk}"


def language_names(codes) -> str:
    """Language names in the programme's order (Kazakh, Russian, English), never codes."""
    chosen = set(codes or [])
    return ", ".join(str(name) for code, name in LANGUAGE_CHOICES if code in chosen) or _("none")


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def scope_rows(record: ConsentRecord | None) -> list[dict]:
    """Each use, one by one, with its human label and whether this record grants it."""
    granted = record.scopes if record is not None else set()
    withdrawn = set(record.withdrawn_scopes or []) if record is not None else set()
    return [
        {"value": value, "label": label, "granted": value in granted, "withdrawn": value in withdrawn}
        for value, label in Scope.choices
    ]


def latest_record(participant: Participant) -> ConsentRecord | None:
    return (
        participant.consent_records.select_related("form_version", "recorded_by", "witness")
        .order_by("-recorded_at", "-id")
        .first()
    )


# --- The listing and "change consent" ------------------------------------------------------------------------------


class ConsentRecordIndexView(IndexView):
    """Row links go to the readable record; "Copy" becomes "change consent" (a new record); nothing leads to edit."""

    def get_edit_url(self, instance):
        return inspect_url(instance)

    def get_copy_url(self, instance):
        if self.user_has_permission("add") and policy.may(
            self.request.user, Action.MANAGE_CONSENT, instance.participant
        ):
            return record_consent_url(instance.participant)
        return None

    def get_list_more_buttons(self, instance):
        buttons = []
        buttons.append(ListingButton(_("View"), url=inspect_url(instance), icon_name="view", priority=10))
        if copy_url := self.get_copy_url(instance):
            buttons.append(ListingButton(_("Change consent"), url=copy_url, icon_name="edit", priority=20))
        return buttons


class ConsentRecordCreateView(CreateView):
    """A new record. With `?participant=<id>` it starts from that person's current record ("change consent"):
    same uses, languages, guardian and review date, to be confirmed with the person; new date, method and proof."""

    @cached_property
    def source_participant(self) -> Participant | None:
        pk = self.request.GET.get("participant", "")
        if not pk.isdigit():
            return None
        participant = (
            policy.scope(self.request.user, Participant.objects.select_related("family__site__region"))
            .filter(pk=pk)
            .first()
        )
        if participant is None or not policy.may(self.request.user, Action.MANAGE_CONSENT, participant):
            raise Http404
        return participant

    def get_initial_form_instance(self):
        participant = self.source_participant
        if participant is None:
            return super().get_initial_form_instance()
        instance = ConsentRecord(participant=participant, form_language=participant.preferred_language)
        current = latest_record(participant)
        if current is not None:
            for name in CARRIED_OVER:
                setattr(instance, name, getattr(current, name))
            instance.publish_languages = list(current.publish_languages or [])
        form_version = ConsentFormVersion.current()
        if form_version is not None:
            instance.form_version = form_version
        instance.given_on = timezone.localdate()
        return instance

    def get_page_title(self):
        participant = self.source_participant
        if participant is not None:
            return _("Change consent") if participant.consent_records.exists() else _("Record consent")
        return super().get_page_title()

    def get_page_subtitle(self):
        participant = self.source_participant
        if participant is not None:
            return participant.code
        return super().get_page_subtitle()

    def save_instance(self):
        self.form.instance.recorded_by = self.request.user
        return super().save_instance()

    def get_edit_url(self):
        # Append-only: after saving, "Edit" in the message (and the JSON answer) means the readable record.
        return inspect_url(self.object)

    def get_success_url(self):
        return inspect_url(self.object)

    def get_success_buttons(self):
        return [messages.button(inspect_url(self.object), _("View"))]

    def save_action(self):
        response = super().save_action()
        report = getattr(self.object, "reconcile_report", None)
        lines = list(getattr(report, "actions", []) or [])
        if lines:
            messages.warning(
                self.request,
                _("Taken down because consent no longer covers it: %(lines)s")
                % {"lines": "; ".join(str(line) for line in lines)},
            )
        return response


class ConsentRecordView(InspectView):
    """The readable record: uses as a checklist with their names, languages by name, the form and its language, who
    recorded it and when, and the evidence opened through the policy."""

    template_name = "facilitation/staff/consent_record.html"

    def get_edit_url(self):
        return None

    def get_delete_url(self):
        return None

    def get_page_title(self):
        return _("Consent record")

    def get_page_subtitle(self):
        return str(self.object)

    @cached_property
    def header_buttons(self):
        record = self.object
        buttons = []
        if policy.may(self.request.user, Action.MANAGE_CONSENT, record.participant):
            buttons.append(
                HeaderButton(_("Change consent"), url=record_consent_url(record.participant), icon_name="edit")
            )
        if policy.may(self.request.user, Action.VIEW_FAMILY, record.participant.family):
            buttons.append(
                HeaderButton(
                    _("Family page"),
                    url=reverse("wagtailsnippets_facilitation_family:inspect", args=[record.participant.family_id]),
                    icon_name="group",
                )
            )
        return buttons

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.object
        participant = record.participant
        current = latest_record(participant)
        context.update(
            {
                "record": record,
                "participant": participant,
                "scopes": scope_rows(record),
                "languages": language_names(record.publish_languages),
                "form_language": LANGUAGE_NAMES.get(record.form_language, record.form_language),
                "is_current": current is not None and current.pk == record.pk,
                "current": current,
                "state": policy.consent_state(participant),
                "evidence_url": (
                    reverse("facilitation_consent_evidence", args=[record.pk])
                    if policy.may(self.request.user, Action.VIEW_CONSENT_EVIDENCE, record)
                    else ""
                ),
                "print_url": reverse(
                    "facilitation_consent_form_print", args=[record.form_version_id, record.form_language]
                ),
                "history": participant.consent_records.select_related("recorded_by").order_by("-recorded_at", "-id"),
            }
        )
        return context


# --- Files and printable forms -------------------------------------------------------------------------------------


def evidence_file(request, pk: int):
    """The scan (or spoken recording) behind a consent record, after the policy says yes; refusals are 404."""
    record = get_object_or_404(ConsentRecord.objects.select_related("participant__family__site"), pk=pk)
    if not policy.authorize(request.user, Action.VIEW_CONSENT_EVIDENCE, record):
        return not_found(request)
    name = record.evidence_file.name
    try:
        return serve_private_file(
            request, record.evidence_file.storage, name, filename=f"consent-{record.pk}{Path(name).suffix}"
        )
    except FileNotFoundError:
        return not_found(request)


def may_print_forms(user) -> bool:
    """Blank forms hold nothing about anyone; they are for the staff who collect consent (`policy`)."""
    return bool(policy.may(user, Action.PRINT_CONSENT_FORMS, None))


def print_url(form_version, language: str) -> str:
    return reverse("facilitation_consent_form_print", args=[form_version.pk, language])


def print_consent_form(request, pk: int, language: str):
    """A consent form ready to print: the guardian's form and the child's assent page, in one language, from the
    stored text of one form version. For staff who collect consent on paper."""
    if not may_print_forms(request.user):
        raise Http404
    if language not in LANGUAGE_NAMES:
        raise Http404
    form_version = get_object_or_404(ConsentFormVersion, pk=pk)
    with language_override(language):
        text = getattr(form_version, f"text_{language}", "") or form_version.text
        child_text = getattr(form_version, f"child_text_{language}", "") or form_version.child_text
        context = {
            "form_version": form_version,
            "language": language,
            "text": text,
            "child_text": child_text,
            "scopes": [label for _value, label in Scope.choices],
            "languages": [(code, str(name)) for code, name in LANGUAGE_CHOICES],
            "other_languages": [
                (code, str(name), reverse("facilitation_consent_form_print", args=[form_version.pk, code]))
                for code, name in LANGUAGE_CHOICES
            ],
        }
        response = TemplateResponse(request, "facilitation/staff/consent_form_print.html", context)
        response.render()
    return response


def consent_forms(request):
    """Which consent forms can be printed: every form version, in every language."""
    if not may_print_forms(request.user):
        raise Http404
    versions = ConsentFormVersion.objects.order_by("-effective_from")
    rows = [
        {
            "version": version,
            "links": [
                (str(name), reverse("facilitation_consent_form_print", args=[version.pk, code]))
                for code, name in LANGUAGE_CHOICES
            ],
        }
        for version in versions
    ]
    return TemplateResponse(
        request,
        "facilitation/staff/consent_forms.html",
        {"rows": rows, "header_title": _("Printable consent forms")},
    )
