"""The families' public pages: submit a story through an invitation, and withdraw consent with a receipt's key.

Every unusable invitation (unknown, expired, used) gets the same neutral page. Nothing here logs who the family is.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from media_tools.audio import AudioRejected
from media_tools.images import ImageRejected

from ..models import ConsentFormVersion, Submission
from ..models.submissions import Invitation
from ..withdrawal import withdraw_consent
from . import submission as flow
from . import uploads
from .forms import ConsentForm, StoryForm, WhoForm, WithdrawalForm
from .ratelimit import client_address, too_many


def _unavailable(request, status: int = 404):
    """One page for every unusable link: it must not differ between unknown, expired and used invitations."""
    links = [
        {"code": code, "name": name, "url": f"/{code}/share/", "available": False, "current": code == get_language()}
        for code, name in settings.LANGUAGES
    ]
    return render(request, "facilitation/family/unavailable.html", {"language_links": links}, status=status)


def _too_many(request):
    return render(request, "facilitation/family/too_many.html", status=429)


def with_invitation(view=None, *, json: bool = False):
    """Rate-limit per address and per invitation, then resolve the link; any unusable link gets the neutral page
    (or, for the page's script, a JSON error)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, token: str, *args, **kwargs):
            if too_many(f"ip:{client_address(request)}", f"inv:{token[:64]}"):
                if json:
                    message = _("Too many attempts. Please wait a little and try again.")
                    return JsonResponse({"error": message}, status=429)
                return _too_many(request)
            invitation = Invitation.open_by_secret(token)
            if invitation is None:
                if json:
                    return JsonResponse({"error": _("This link can no longer be used.")}, status=404)
                return _unavailable(request)
            return view(request, token, invitation, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


@never_cache
def start(request):
    """The short code from a paper hand-out leads to the same flow as the link."""
    code = request.POST.get("code", "") if request.method == "POST" else ""
    if code:
        if too_many(f"ip:{client_address(request)}"):
            return _too_many(request)
        invitation = Invitation.open_by_secret(code)
        if invitation is None:
            return _unavailable(request)
        return redirect("family_who", token=code.strip().upper().replace(" ", ""))
    return render(request, "facilitation/family/start.html")


@never_cache
@with_invitation
def who(request, token: str, invitation: Invitation):
    draft = flow.load_draft(request, invitation)
    participants = invitation.family.participants.all()
    form = WhoForm(request.POST or None, participants=participants, initial={"existing": draft["existing"]})
    if request.method == "POST" and form.is_valid():
        draft["existing"] = form.cleaned_data["existing"]
        draft["new"] = form.new_people()
        flow.save_draft(request, draft)
        return redirect("family_story", token=token)
    return render(request, "facilitation/family/who.html", {"form": form, "token": token, "step": 1})


@never_cache
@with_invitation
def story(request, token: str, invitation: Invitation):
    draft = flow.load_draft(request, invitation)
    if not draft["existing"] and not draft["new"]:
        return redirect("family_who", token=token)
    initial = draft["story"] or {"language": invitation.language}
    form = StoryForm(request.POST or None, request.FILES or None, initial=initial)
    if uploads.gather_uploads(request, invitation, draft):
        flow.save_draft(request, draft)
    if request.method == "POST" and request.POST.get("drop_unfinished"):
        for unfinished in uploads.pending_uploads(request, invitation):
            uploads.discard(unfinished)
    pending = list(uploads.pending_uploads(request, invitation))
    lost = draft.pop("lost", False)
    if lost:
        flow.save_draft(request, draft)
    if request.method == "POST" and form.is_valid():
        errors = _accept_files(request, draft, reserved=len(pending))
        draft["story"] = {k: form.cleaned_data[k] for k in ("title", "description", "language")}
        flow.save_draft(request, draft)
        for message in errors:
            form.add_error(None, message)
        if pending:
            # The receipt comes only once every file the family chose is on the server and checked.
            form.add_error(None, _("Some recordings have not finished sending. Wait until each one says “Sent”."))
        elif not draft["audio"]:
            form.add_error("audio", _("Add at least one recording: choose a file or record in the browser."))
        if form.is_valid() and not errors:
            return redirect("family_consent", token=token)
    return render(
        request,
        "facilitation/family/story.html",
        {
            "form": form,
            "token": token,
            "step": 2,
            "draft": draft,
            "lost": lost,
            "pending": [{"percent": int(100 * item.offset / item.length) if item.length else 0} for item in pending],
            "tus_url": reverse("family_uploads", kwargs={"token": token}),
            "chunk_bytes": uploads.chunk_bytes(),
            "upload_strings": _upload_strings(),
        },
    )


def _upload_strings() -> dict:
    """Words of the page's script (the recorder's states and each file's); {placeholders} are filled in by the
    script. Sent with `json_script`: a translation with a quote cannot break them."""
    return {
        "recording": _("Recording…"),
        "paused": _("Paused"),
        "idle": _("Not recording"),
        "sending": _("Sending…"),
        "sent": _("Received. You can record another part or continue."),
        "retry": _("The connection dropped. Trying again…"),
        "denied": _("The microphone is not available. You can choose a file instead."),
        "local": _("Saved on this phone, not yet sent"),
        "waiting": _("Waiting to be sent"),
        "sendingPercent": _("Sending… %(percent)s%%") % {"percent": "{percent}"},
        "timeLeft": _("about %(time)s left") % {"time": "{time}"},
        "sentItem": _("Sent"),
        "refused": _("Refused: %(reason)s") % {"reason": "{reason}"},
        "retrying": _("The connection dropped. The recording is kept on this phone; trying again…"),
        "failed": _("Sending failed. The recording is kept on this phone: press “Send again”."),
        "send": _("Send"),
        "again": _("Send again"),
        "remove": _("Remove"),
        "notYet": _("Some recordings have not finished sending. Wait until each one says “Sent”."),
        "recordingName": _("Recording %(number)s") % {"number": "{n}"},
        "recordingNow": _("Recording in progress"),
        "pageOnly": _("This phone cannot keep it: keep this page open until it is sent."),
    }


def _accept_files(request, draft: dict, reserved: int = 0) -> list[str]:
    """Files posted with the form (the no-JavaScript path). Each bad file gets its error; good ones are kept.
    `reserved`: recordings still being sent in pieces, which keep their place (the page already lists them)."""
    errors = []
    for uploaded in request.FILES.getlist("audio"):
        if len(draft["audio"]) + reserved >= settings.SUBMISSION_MAX_FILES:
            errors.append(_("You can send at most %(n)s recordings.") % {"n": settings.SUBMISSION_MAX_FILES})
            break
        try:
            draft["audio"].append(flow.store_draft_audio(uploaded))
        except AudioRejected as error:
            errors.append(f"{uploaded.name}: {error.message}")
    for uploaded in request.FILES.getlist("photos"):
        try:
            draft["photos"].append(flow.store_draft_photo(uploaded))
        except ImageRejected as error:
            errors.append(f"{uploaded.name}: {error.message}")
    return errors


@never_cache
@with_invitation
def consent(request, token: str, invitation: Invitation):
    draft = flow.load_draft(request, invitation)
    if uploads.gather_uploads(request, invitation, draft):
        flow.save_draft(request, draft)
    if flow.drop_missing_files(draft):
        draft["lost"] = True  # the story step says so, and the family sends the file again
        flow.save_draft(request, draft)
        return redirect("family_story", token=token)
    if not draft["audio"] or uploads.pending_uploads(request, invitation).exists():
        return redirect("family_story", token=token)
    form_version = ConsentFormVersion.current()
    if form_version is None:
        return _unavailable(request, status=503)
    everyone = flow.people(draft, invitation)
    forms = [(person, ConsentForm(request.POST or None, person=person, prefix=person["key"])) for person in everyone]
    if request.method == "POST" and all(form.is_valid() for _person, form in forms):
        consents = {person["key"]: {**form.cleaned_data, "language": get_language()} for person, form in forms}
        try:
            receipt = flow.complete(invitation, draft, consents)
        except PermissionError:
            return _unavailable(request)
        request.session.pop(flow.SESSION_KEY, None)
        uploads.forget_invitation(invitation)
        # The receipt is shown in this response, once, and stored nowhere: the reference and the withdrawal key are
        # secrets (with them anyone can withdraw), so they never go into the session table.
        return render(request, "facilitation/family/receipt.html", {"receipt": receipt.__dict__, "step": 4})
    has_errors = request.method == "POST"
    return render(
        request,
        "facilitation/family/consent.html",
        {
            "forms": forms,
            "token": token,
            "step": 3,
            "form_version": form_version,
            "has_errors": has_errors,
        },
    )


@never_cache
def receipt(request):
    """Only for sessions from before receipts stopped being stored: shown once more, and removed from the session."""
    data = request.session.pop("sbg_receipt", None)
    if not data:
        return _unavailable(request)
    return render(request, "facilitation/family/receipt.html", {"receipt": data, "step": 4})


@never_cache
def withdraw(request):
    """As easy as consenting: the receipt's reference and key withdraw all or some uses, for all or one person."""
    form = WithdrawalForm(request.POST or None)
    report = None
    if request.method == "POST":
        if too_many(f"withdraw:{client_address(request)}", limit=20):
            return _too_many(request)
        if form.is_valid():
            submission = Submission.objects.filter(reference__iexact=form.cleaned_data["reference"].strip()).first()
            if submission is None or not submission.key_matches(form.cleaned_data["key"]):
                form.add_error(None, _("The reference code and key do not match. Check them on your receipt."))
            else:
                people = list(submission.participants.select_related("family__site__region"))
                code = form.cleaned_data["who"].strip().upper()
                if code:
                    people = [p for p in people if p.code == code]
                if not people:
                    form.add_error("who", _("This code is not on your receipt."))
                else:
                    scopes = None if form.cleaned_data["everything"] == "all" else set(form.cleaned_data["scopes"])
                    lines = []
                    for person in people:
                        given_by = "guardian" if person.is_child else "participant"
                        lines += withdraw_consent(
                            person, scopes, given_by=given_by, method="digital", note="withdrawn by the family online"
                        ).actions
                    report = {"reference": submission.reference, "codes": [p.code for p in people], "lines": lines}
    return render(request, "facilitation/family/withdraw.html", {"form": form, "report": report})
