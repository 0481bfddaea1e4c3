"""Role-specific admin screens: the safeguarding lead's concerns, consent withdrawal, family invitations."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import policy, roles
from .models import StorySession
from .policy import Action
from .views import not_found

# The evaluators' screens (session logs, indicators, exports) live in facilitation/evaluation/views.py.


def safeguarding_index(request):
    if not (policy.is_admin(request.user) or roles.SAFEGUARDING in policy.role_names(request.user)):
        raise Http404
    sessions = StorySession.objects.filter(safeguarding_concern=True).select_related("site__region")
    for session in sessions:
        policy.authorize(request.user, Action.VIEW_SAFEGUARDING_NOTE, session)
    return TemplateResponse(
        request,
        "facilitation/safeguarding_index.html",
        {"sessions": sessions, "header_title": _("Safeguarding concerns")},
    )


def withdraw_consent_view(request, participant_id: int):
    """A facilitator records a family's (or child's) withdrawal; the report says what was taken down."""
    from django.shortcuts import get_object_or_404

    from .forms import WithdrawalForm
    from .models import Participant
    from .withdrawal import withdraw_consent

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
            "header_title": _("Withdraw consent: %(code)s") % {"code": participant.code},
        },
    )


def new_invitation(request):
    """A facilitator creates an invitation for a family of their site and prints the hand-out (shown once)."""
    from django import forms as django_forms
    from django.utils.safestring import mark_safe

    from .invitations import create_invitation, invitation_url, qr_svg
    from .models import LANGUAGE_CHOICES, Family, StorySession

    sites = policy.sites_of(request.user)
    if not sites.exists():
        return not_found(request)

    class InvitationForm(django_forms.Form):
        family = django_forms.ModelChoiceField(policy.scoped_choices(request.user, Family), label=_("Family"))
        session = django_forms.ModelChoiceField(
            policy.scoped_choices(request.user, StorySession), required=False, label=_("Session (optional)")
        )

        def clean(self):
            data = super().clean()
            family, session = data.get("family"), data.get("session")
            if family is not None and session is not None:
                for reason in policy.site_mismatches(family.site, [session]):
                    self.add_error("session", reason)
            return data

        language = django_forms.ChoiceField(choices=LANGUAGE_CHOICES, label=_("Language of the link"))

    form = InvitationForm(request.POST or None)
    context = {"form": form, "header_title": _("Invite a family to share a story")}
    if request.method == "POST" and form.is_valid():
        invitation, token, code = create_invitation(
            form.cleaned_data["family"],
            language=form.cleaned_data["language"],
            session=form.cleaned_data["session"],
            actor=request.user,
        )
        url = invitation_url(request, token, invitation.language)
        policy.audit(request.user, "invitation.create", invitation, True)
        context.update({"invitation": invitation, "url": url, "code": code, "qr": mark_safe(qr_svg(url)), "form": None})
    return TemplateResponse(request, "facilitation/new_invitation.html", context)
