"""Role-specific admin screens: consent withdrawal, family invitations.

The safeguarding lead's screens live in facilitation/safeguarding.py, the dashboards in facilitation/dashboard.py."""

from django import forms
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from . import policy
from .families.invitations import create_invitation, handout
from .formats import family_label, headed
from .forms import WithdrawalForm
from .models import LANGUAGE_CHOICES, Family, Participant, StorySession
from .policy import Action
from .views import not_found
from .withdrawal import withdraw_consent

# The evaluators' screens (session logs, indicators, exports) live in facilitation/evaluation/views.py.


def _headed(title):
    return headed(title, (_("Participants"), reverse("wagtailsnippets_facilitation_participant:list")))


def withdraw_consent_view(request, participant_id: int):
    """A facilitator records a family's (or child's) withdrawal; the report says what was taken down."""
    participant = get_object_or_404(Participant.objects.select_related("family__site"), pk=participant_id)
    if not policy.may(request.user, Action.MANAGE_CONSENT, participant):
        return not_found(request)
    report = None
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        report = withdraw_consent(
            participant,
            form.withdrawn(),
            given_by=form.cleaned_data["given_by"],
            actor=request.user,
            note=form.cleaned_data["note"],
        )
        form = None
    return TemplateResponse(
        request,
        "facilitation/withdraw_consent.html",
        {
            "participant": participant,
            "form": form,
            "report": report,
            **_headed(_("Withdraw consent: %(code)s") % {"code": participant.code}),
        },
    )


def new_invitation(request):
    """A facilitator creates an invitation for a family of their site and prints the hand-out (shown once)."""
    if not policy.may(request.user, Action.INVITE_FAMILY, None):
        return not_found(request)

    class InvitationForm(forms.Form):
        family = forms.ModelChoiceField(
            policy.scoped_choices(request.user, Family).select_related("site__region"), label=_("Family")
        )
        family.label_from_instance = family_label
        session = forms.ModelChoiceField(
            policy.scoped_choices(request.user, StorySession), required=False, label=_("Session (optional)")
        )

        def clean(self):
            data = super().clean()
            family, session = data.get("family"), data.get("session")
            if family is not None and session is not None:
                for reason in policy.site_mismatches(family.site, [session]):
                    self.add_error("session", reason)
            return data

        language = forms.ChoiceField(
            choices=[("", _("The family's preferred language")), *LANGUAGE_CHOICES],
            required=False,
            label=_("Language of the link and the hand-out"),
        )

    form = InvitationForm(request.POST or None)
    context = {"form": form, **headed(_("Invite a family to share a story"))}
    if request.method == "POST" and form.is_valid():
        family = form.cleaned_data["family"]
        invitation, token, code = create_invitation(
            family,
            language=form.cleaned_data["language"] or family.preferred_language,
            session=form.cleaned_data["session"],
            actor=request.user,
        )
        policy.audit(request.user, "invitation.create", invitation, True)
        context.update({**handout(request, invitation, token, code), "form": None})
    return TemplateResponse(request, "facilitation/new_invitation.html", context)
