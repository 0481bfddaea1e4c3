"""Reviewing what a family sent: listen to the recordings, look at the photos, read each person's consent, then
accept (the material joins the family and a session of its site; transcription starts where consent allows) or
decline (every file and row of the recordings and photos is purged; the family's status page says it was declined).

Each decision asks the policy and is written to the audit log.
"""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from wagtail.admin import messages
from wagtail.admin.widgets import ListingButton
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.views.snippets import IndexView, InspectView

from . import policy
from .consent_views import LANGUAGE_NAMES, inspect_url, language_names, scope_rows
from .families.submission import announce_recordings
from .family_page import family_url, mm_ss, transcription_state
from .models import StorySession, Submission, SubmissionPhoto, private_storage
from .policy import Action
from .serving import serve_private_file
from .views import not_found


class ReviewRefused(Exception):
    pass


class AcceptForm(forms.Form):
    session = forms.ModelChoiceField(
        queryset=StorySession.objects.none(),
        required=False,
        label=gettext_lazy("Session"),
        empty_label=gettext_lazy("No session"),
        help_text=gettext_lazy("The session of this site the recordings and photos belong to."),
    )

    def __init__(self, *args, user, submission: Submission, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = (
            policy.scope(user, StorySession.objects.select_related("site__region"))
            .filter(site=submission.family.site)
            .order_by("-starts_at")
        )
        self.initial.setdefault("session", submission.session_id or submission.invitation.session_id)


def stories_using_submission(submission: Submission):
    """Story pages built from the submission or its recordings (looked up by label: stories depends on us)."""
    story_page = apps.get_model("stories", "StoryPage")
    return story_page.objects.filter(
        Q(source_submission=submission) | Q(source_recording__submission=submission) | Q(audio__submission=submission)
    ).distinct()


@transaction.atomic
def accept(submission: Submission, session: StorySession | None, actor) -> list[str]:
    """Attach the recordings and photos to the family's session; start transcription where everyone consents."""
    submission = Submission.objects.select_for_update().select_related("family__site").get(pk=submission.pk)
    if submission.status != Submission.Status.RECEIVED:
        raise ReviewRefused(_("This submission has already been reviewed."))
    if session is not None and policy.site_mismatches(submission.family.site, [session]):
        raise ReviewRefused(_("Choose a session of this family's site."))
    recordings = list(submission.recordings.filter(deleted_at__isnull=True))
    for recording in recordings:
        recording.session = session
        recording.save(update_fields=["session"])
    submission.session = session
    submission.status = Submission.Status.REVIEWED
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = actor
    submission.save(update_fields=["session", "status", "reviewed_at", "reviewed_by"])
    waiting = [recording for recording in recordings if not recording.jobs.exists()]
    started = announce_recordings(waiting)
    policy.audit(
        actor,
        "submission.accept",
        submission,
        True,
        detail={"session": session.pk if session else None, "recordings": len(recordings), "transcribing": started},
    )
    lines = [_("Accepted. Recordings attached to the family: %(n)s.") % {"n": len(recordings)}]
    if started:
        lines.append(_("Transcription started where everyone heard consented to it."))
    return lines


@transaction.atomic
def decline(submission: Submission, actor) -> list[str]:
    """Purge the recordings and photos, files and rows; keep only what proves consent and the declined status."""
    submission = Submission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != Submission.Status.RECEIVED:
        raise ReviewRefused(_("This submission has already been reviewed."))
    if stories_using_submission(submission).exists():
        raise ReviewRefused(_("A story is built from this submission: it cannot be declined."))
    names: list[str] = []
    recordings = list(submission.recordings.all())
    for recording in recordings:
        recording.jobs.filter(status__in=("queued", "running")).update(
            status="cancelled", error="submission declined", finished_at=timezone.now()
        )
        for transcript in recording.transcripts.all():
            names += [export.file.name for export in transcript.exports.all() if export.file]
        if recording.file:
            names += [recording.file.name, recording.published_copy_name()]
        recording.delete()
    photos = list(submission.photos.all())
    names += [photo.image.name for photo in photos if photo.image]
    SubmissionPhoto.objects.filter(pk__in=[photo.pk for photo in photos]).delete()
    forgotten = forget_names_only_this_submission_gave(submission)
    submission.title = ""
    submission.description = ""
    submission.status = Submission.Status.DECLINED
    submission.reviewed_at = timezone.now()
    submission.reviewed_by = actor
    submission.save(update_fields=["title", "description", "status", "reviewed_at", "reviewed_by"])
    policy.audit(
        actor,
        "submission.decline",
        submission,
        True,
        detail={"recordings": len(recordings), "photos": len(photos), "names_forgotten": forgotten},
    )

    def delete_files() -> None:
        storage = private_storage()
        for name in names:
            if storage.exists(name):
                storage.delete(name)

    # Files go once the rows are gone for good (a rollback keeps both).
    transaction.on_commit(delete_files, robust=True)
    return [
        _("Declined. Deleted: recordings: %(recordings)s, photos: %(photos)s.")
        % {"recordings": len(recordings), "photos": len(photos)}
    ]


def forget_names_only_this_submission_gave(submission: Submission) -> int:
    """Whoever used the link typed in the people it added; once declined, no real name of theirs is kept. A person
    counts as added by this submission when every consent record of theirs came with it and nothing else (another
    submission, a recording, a session) knows them. Their rows and consent records stay (append-only proof)."""
    note = f"family submission {submission.reference}"
    forgotten = 0
    for person in submission.participants.exclude(real_name=""):
        known_elsewhere = (
            person.consent_records.exclude(note=note).exists()
            or person.submissions.exclude(pk=submission.pk).exists()
            or person.recordings.exclude(submission=submission).exists()
            or person.sessions_attended.exists()
        )
        if not known_elsewhere:
            person.real_name = ""
            person.save(update_fields=["real_name"])
            forgotten += 1
    return forgotten


def _reviewable(request, pk: int) -> Submission | None:
    submission = get_object_or_404(
        policy.scope(request.user, Submission.objects.select_related("family__site__region", "invitation")), pk=pk
    )
    if not policy.authorize(request.user, Action.REVIEW_SUBMISSION, submission):
        return None
    return submission


class SubmissionReviewView(InspectView):
    """The Family submissions snippet's inspect view, made into the review screen."""

    template_name = "facilitation/staff/submission_review.html"

    def get_object(self, queryset=None):
        submission = super().get_object(queryset)
        if not policy.authorize(self.request.user, Action.REVIEW_SUBMISSION, submission):
            raise Http404
        return submission

    def get_page_title(self):
        return _("Review a family submission")

    def get_page_subtitle(self):
        return self.object.reference

    def get_edit_url(self):
        return None

    def get_delete_url(self):
        return None

    @cached_property
    def header_buttons(self):
        return [HeaderButton(_("Family page"), url=family_url(self.object.family_id), icon_name="group")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        submission = self.object
        user = self.request.user
        people = []
        for participant in submission.participants.select_related("family__site__region").order_by("role", "index"):
            record = participant.consent_records.select_related("form_version").order_by("-recorded_at", "-id").first()
            people.append(
                {
                    "participant": participant,
                    "real_name": participant.real_name
                    if participant.real_name and policy.may(user, Action.VIEW_REAL_NAME, participant)
                    else "",
                    "record": record,
                    "record_url": inspect_url(record) if record else "",
                    "scopes": scope_rows(record),
                    "languages": language_names(record.publish_languages) if record else "—",
                    "state": policy.consent_state(participant),
                }
            )
        recordings = []
        for recording in submission.recordings.prefetch_related("jobs").order_by("created_at"):
            decision = policy.may(user, Action.STREAM_RECORDING, recording)
            recordings.append(
                {
                    "recording": recording,
                    "audio_url": reverse("facilitation:recording_file", args=[recording.pk])
                    if decision.allowed
                    else "",
                    "refused": decision.reasons,
                    "duration": mm_ss(recording.duration_seconds),
                    "transcription": transcription_state(recording),
                }
            )
        photos = []
        for photo in submission.photos.order_by("pk"):
            decision = policy.may(user, Action.VIEW_PHOTO, photo)
            photos.append(
                {
                    "photo": photo,
                    "url": reverse("facilitation_submission_photo", args=[photo.pk]) if decision.allowed else "",
                    "refused": decision.reasons,
                }
            )
        open_for_review = submission.status == Submission.Status.RECEIVED
        context.update(
            {
                "submission": submission,
                "language": LANGUAGE_NAMES.get(submission.language, submission.language),
                "people": people,
                "recordings": recordings,
                "photos": photos,
                "open_for_review": open_for_review,
                "accept_form": AcceptForm(user=user, submission=submission) if open_for_review else None,
                "accept_url": reverse("facilitation_submission_accept", args=[submission.pk]),
                "decline_url": reverse("facilitation_submission_decline", args=[submission.pk]),
                "family_url": family_url(submission.family_id),
                "used_by_stories": open_for_review and stories_using_submission(submission).exists(),
            }
        )
        return context


def review_url(submission: Submission) -> str:
    return reverse("wagtailsnippets_facilitation_submission:inspect", args=[submission.pk])


class SubmissionIndexView(IndexView):
    """Each row opens the review screen; there is no edit view (a review decides the status)."""

    def get_edit_url(self, instance):
        return review_url(instance)

    def get_copy_url(self, instance):
        return None

    def get_list_more_buttons(self, instance):
        return [
            ListingButton(_("Review"), url=review_url(instance), icon_name="view", priority=10),
            ListingButton(_("Family page"), url=family_url(instance.family_id), icon_name="group", priority=20),
        ]


@require_POST
def accept_view(request, pk: int):
    submission = _reviewable(request, pk)
    if submission is None:
        return not_found(request)
    form = AcceptForm(request.POST, user=request.user, submission=submission)
    if not form.is_valid():
        for error in form.errors.get("session", []):
            messages.error(request, error)
        return redirect(review_url(submission))
    try:
        lines = accept(submission, form.cleaned_data["session"], request.user)
    except ReviewRefused as refused:
        messages.error(request, str(refused))
        return redirect(review_url(submission))
    messages.success(request, " ".join(lines))
    return redirect(family_url(submission.family_id))


@require_POST
def decline_view(request, pk: int):
    submission = _reviewable(request, pk)
    if submission is None:
        return not_found(request)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that everything the family sent is to be deleted."))
        return redirect(review_url(submission))
    try:
        lines = decline(submission, request.user)
    except ReviewRefused as refused:
        messages.error(request, str(refused))
        return redirect(review_url(submission))
    messages.success(request, " ".join(lines))
    return redirect(family_url(submission.family_id))


def photo_file(request, pk: int):
    """A photo a family sent, after the policy says yes; never from MEDIA_URL. Refusals are 404."""
    photo = get_object_or_404(SubmissionPhoto.objects.select_related("submission__family__site"), pk=pk)
    if not policy.authorize(request.user, Action.VIEW_PHOTO, photo):
        return not_found(request)
    name = photo.image.name
    try:
        return serve_private_file(request, photo.image.storage, name, filename=f"photo-{photo.pk}{Path(name).suffix}")
    except FileNotFoundError:
        return not_found(request)
