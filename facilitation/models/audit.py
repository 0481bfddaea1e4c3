"""The append-only audit log: every consent change and every access to a recording or transcript."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import AppendOnlyModel

# What each audited action is called on staff screens (the audit log's list, filter and detail). An action missing
# here is shown by its code: add it when a new one is audited.
ACTION_LABELS = {
    "recording.view": _("Opening a recording"),
    "recording.stream": _("Listening to a recording"),
    "recording.download": _("Downloading a recording"),
    "recording.listen_published": _("Listening to published audio"),
    "recording.transcribe": _("Starting a transcription"),
    "recording.store": _("Saving a recording"),
    "recording.delete": _("Deleting a recording"),
    "recording.delete_published_copy": _("Deleting the published copy of a recording"),
    "transcript.view": _("Reading a transcript"),
    "transcript.edit": _("Editing a transcript"),
    "transcript.export": _("Exporting a transcript"),
    "transcript_export.delete": _("Deleting a transcript export"),
    "transcription.cancel": _("Cancelling a transcription"),
    "transcription.discarded": _("Discarding a transcription result"),
    "story.publish": _("Publishing a story"),
    "story.attest_no_personal_content": _("Confirming a story has no personal content"),
    "participant.view": _("Viewing a participant"),
    "participant.view_real_name": _("Viewing a participant's real name"),
    "consent.manage": _("Recording consent"),
    "consent.withdraw": _("Withdrawing consent"),
    "consent.view_evidence": _("Viewing the proof of a consent"),
    "session.view": _("Viewing a session"),
    "session.edit": _("Editing a session"),
    "session.view_safeguarding_note": _("Reading a safeguarding note"),
    "session.export_log": _("Exporting a session log"),
    "evaluation.view": _("Viewing the evaluation"),
    "evaluation.export_indicators": _("Exporting the evaluation indicators"),
    "concern.raise": _("Raising a safeguarding concern"),
    "concern.view": _("Reading a safeguarding concern"),
    "concern.handle": _("Handling a safeguarding concern"),
    "family.view": _("Opening a family page"),
    "submission.review": _("Reviewing a family submission"),
    "submission.accept": _("Accepting a family submission"),
    "submission.decline": _("Declining a family submission"),
    "photo.view": _("Viewing a family photo"),
    "photo.delete": _("Deleting a family photo"),
    "media.view": _("Viewing an editorial image or document"),
    "invitation.create": _("Creating an invitation"),
    "family.export": _("Exporting everything held about a family"),
    "family.retention_purge": _("Deleting a family's material after the retention period"),
    "account.two_factor": _("Confirming a sign-in with a one-time code"),
    "account.issue_setup_code": _("Issuing a two-step sign-in setup code"),
    "excerpt.create": _("Making an excerpt for a story"),
    "excerpt.view": _("Reading an excerpt"),
    "excerpt.decide": _("Reviewing an excerpt"),
    "excerpt.listen": _("Listening to an excerpt"),
    "excerpt.story_draft": _("Making a story draft from an excerpt"),
    "excerpt.listen_published": _("Listening to a published excerpt"),
    "excerpt.created": _("Excerpt made"),
    "excerpt.proposals_found": _("Looking for names in an excerpt"),
    "excerpt.proposal_decided": _("Deciding on a pseudonymisation proposal"),
    "excerpt.text_saved": _("Saving an excerpt's text"),
    "excerpt.audio_rebuilt": _("Rebuilding an excerpt's audio"),
    "excerpt.story_drafted": _("Story draft made from an excerpt"),
    "excerpt.deleted": _("Deleting an excerpt and its pseudonymised copies"),
    "audit.view": _("Reading the audit log"),
    "family.invite": _("Inviting a family"),
    "recording.follow_transcription": _("Following a transcription"),
    "consent.print_forms": _("Printing blank consent forms"),
    "site.follow_work": _("Following a site's work"),
}


def action_choices() -> list[tuple[str, str]]:
    """The audit log's actions with their names: a callable, so naming a new action needs no migration."""
    return list(ACTION_LABELS.items())


class AuditEvent(AppendOnlyModel):
    """Who did (or tried) what to which artefact. Targets are named by pseudonymous label, never a real name."""

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("who"),
    )
    actor_label = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=60, db_index=True, choices=action_choices)
    target_type = models.CharField(_("artefact type"), max_length=60)
    target_id = models.CharField(_("artefact id"), max_length=40)
    target_label = models.CharField(_("artefact"), max_length=200, blank=True)
    allowed = models.BooleanField(_("allowed"))
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        parts = [f"{self.at:%d.%m.%Y %H:%M} {self.actor_label}", str(self.get_action_display()), self.target_label]
        return " · ".join(part for part in parts if part)
