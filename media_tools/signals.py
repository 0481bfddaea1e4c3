"""media_tools' answers to facilitation's signals.

`recording_added`: the one place automatic transcription starts (staff "Transcribe" buttons call `jobs` directly).

`consent_changed`: stop transcription and delete transcripts and exports no longer covered. Decided on the current
consent state by the policy (facilitation.reconcile sends `consent_changed`), not on which scopes a withdrawal named:
a narrowed grant, an expiry or a new speaker without consent count the same.
"""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from facilitation.models import Recording
from facilitation.policy import SYSTEM, Action, Artefact, audit, may, must_take_down
from facilitation.signals import consent_changed, recording_added

from .jobs import JobRefused, start_transcription
from .models import Transcript, TranscriptExport, TranscriptionJob


@receiver(consent_changed, dispatch_uid="sbg_media_tools_consent_changed")
def stop_transcription_and_purge(sender, participants=None, actor=None, **kwargs) -> list[str]:
    lines: list[str] = []
    recordings = Recording.objects.all()
    if participants is not None:
        recordings = recordings.filter(speakers__in=[p.pk for p in participants]).distinct()
    with_jobs = recordings.filter(jobs__status__in=TranscriptionJob.ACTIVE).distinct()
    for recording in with_jobs:
        if may(SYSTEM, Action.TRANSCRIBE, recording):
            continue
        for job in TranscriptionJob.objects.filter(recording=recording, status__in=TranscriptionJob.ACTIVE):
            if job.cancel(reason="consent withdrawn"):
                audit(actor, "transcription.cancel", recording, True, detail={"job": job.pk})
                lines.append(_("Transcription job #%(id)s cancelled.") % {"id": job.pk})
    # A recording nobody is listed in yet is incomplete, not a consent change: its transcripts wait (and stay locked).
    # What comes down is the policy's table (`policy.TAKEDOWN`): transcripts and exports, for everyone heard.
    for recording in recordings.filter(transcripts__isnull=False, speakers__isnull=False).distinct():
        speakers = list(recording.speakers.select_related("family__site__region"))
        transcripts_go = must_take_down(Artefact.TRANSCRIPT, speakers)
        if not (transcripts_go or must_take_down(Artefact.EXPORT, speakers)):
            continue
        for export in TranscriptExport.objects.filter(transcript__recording=recording):  # made from the transcripts
            audit(actor, "transcript_export.delete", recording, True, detail={"export": export.pk})
            export_id = export.pk
            export.delete()
            lines.append(_("Exported file #%(id)s deleted.") % {"id": export_id})
        transcripts = Transcript.objects.filter(recording=recording)
        count = transcripts.count() if transcripts_go else 0
        if count:
            transcripts.delete()
            lines.append(_("%(count)s transcript revision(s) deleted.") % {"count": count})
    return lines


@receiver(recording_added, dispatch_uid="sbg_media_tools_recording_added")
def transcribe_added_recording(sender, recording: Recording, actor=None, **kwargs) -> bool:
    """A recording just added is transcribed straight away, where everyone heard consents to it and the actor may
    start it. Never a second job: one already queued or running is left alone. True when a job was started."""
    if not may(actor, Action.TRANSCRIBE, recording):
        return False
    try:
        start_transcription(recording, actor)
    except JobRefused:
        return False
    return True
