"""Role-specific admin screens: the safeguarding lead's concerns, and the evaluators' pseudonymised session log."""

import csv

from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from . import policy, roles
from .models import StorySession
from .policy import Action
from .views import not_found

# What an evaluator may see of a session: structure, never names, recordings, transcripts or safeguarding notes.
EVALUATION_COLUMNS = [
    ("region", _("Region")),
    ("site", _("Site")),
    ("date", _("Date")),
    ("status", _("Status")),
    ("duration", _("Duration (minutes)")),
    ("pairs", _("Elder–child pairs")),
    ("attendance", _("Attendance")),
    ("child_wished_to_stop", _("A child wished to stop")),
    ("wish_respected", _("Wish respected")),
    ("log", _("Session log (shareable only)")),
]


def evaluation_rows(actor):
    """Pseudonymised session rows. Participants without the evaluation scope are left out of pairs and counts."""
    sessions = (
        StorySession.objects.select_related("site__region")
        .prefetch_related("pairs__elder__family__site__region", "pairs__child__family__site__region", "attendees")
        .order_by("-starts_at")
    )
    rows = []
    for session in sessions:

        def visible(participant):
            return policy.may(actor, Action.VIEW_PARTICIPANT, participant).allowed

        pairs = [
            f"{pair.elder.code}+{pair.child.code}"
            for pair in session.pairs.all()
            if visible(pair.elder) and visible(pair.child)
        ]
        rows.append(
            {
                "region": session.site.region.code,
                "site": session.site.name,
                "date": session.starts_at.date().isoformat(),
                "status": session.get_status_display(),
                "duration": session.duration_minutes or "",
                "pairs": ", ".join(pairs),
                "attendance": sum(1 for p in session.attendees.all() if visible(p)),
                "child_wished_to_stop": _("yes") if session.child_wished_to_stop else _("no"),
                "wish_respected": session.get_wish_respected_display() if session.child_wished_to_stop else "",
                "log": "\n".join(filter(None, [session.log, session.observations])) if session.log_shareable else "",
            }
        )
    return rows


def evaluation_index(request):
    if not policy.may(request.user, Action.EXPORT_SESSION_LOG, None):
        raise Http404
    return TemplateResponse(
        request,
        "facilitation/evaluation_index.html",
        {"columns": EVALUATION_COLUMNS, "rows": evaluation_rows(request.user), "header_title": _("Session logs")},
    )


def evaluation_export(request):
    if not policy.authorize(request.user, Action.EXPORT_SESSION_LOG, None, detail={"format": "csv"}):
        return not_found(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="session-log.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Cyrillic correctly with a BOM
    writer = csv.writer(response)
    writer.writerow([str(label) for _key, label in EVALUATION_COLUMNS])
    for row in evaluation_rows(request.user):
        writer.writerow([row[key] for key, _label in EVALUATION_COLUMNS])
    return response


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
            participant, form.withdrawn(), given_by=form.cleaned_data["given_by"], actor=request.user,
            note=form.cleaned_data["note"],
        )
        form = None
    return TemplateResponse(
        request,
        "facilitation/withdraw_consent.html",
        {"participant": participant, "form": form, "report": report,
         "header_title": _("Withdraw consent: %(code)s") % {"code": participant.code}},
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
        family = django_forms.ModelChoiceField(Family.objects.filter(site__in=sites), label=_("Family"))
        session = django_forms.ModelChoiceField(
            StorySession.objects.filter(site__in=sites), required=False, label=_("Session (optional)")
        )
        language = django_forms.ChoiceField(choices=LANGUAGE_CHOICES, label=_("Language of the link"))

    form = InvitationForm(request.POST or None)
    context = {"form": form, "header_title": _("Invite a family to share a story")}
    if request.method == "POST" and form.is_valid():
        invitation, token, code = create_invitation(
            form.cleaned_data["family"], language=form.cleaned_data["language"],
            session=form.cleaned_data["session"], actor=request.user,
        )
        url = invitation_url(request, token, invitation.language)
        policy.audit(request.user, "invitation.create", invitation, True)
        context.update({"invitation": invitation, "url": url, "code": code, "qr": mark_safe(qr_svg(url)), "form": None})
    return TemplateResponse(request, "facilitation/new_invitation.html", context)
