"""media_tools' part of a consent change: stop transcription and delete transcripts and exports no longer covered.

Decided on the current consent state by the policy (facilitation.reconcile sends `consent_changed`), not on which
scopes a withdrawal named: a narrowed grant, an expiry or a new speaker without consent count the same.
"""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from facilitation.models import Recording, Scope
from facilitation.policy import SYSTEM, Action, audit, may, recording_consent
from facilitation.signals import consent_changed

from .models import Transcript, TranscriptExport, TranscriptionJob

# What keeping a transcript (and its exports) needs from everyone heard: the same as reading it.
TRANSCRIPT_SCOPES = {Scope.RECORD, Scope.TRANSCRIBE, Scope.ARCHIVE}


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
    for recording in recordings.filter(transcripts__isnull=False, speakers__isnull=False).distinct():
        if not recording_consent(recording, TRANSCRIPT_SCOPES):
            continue
        for export in TranscriptExport.objects.filter(transcript__recording=recording):
            audit(actor, "transcript_export.delete", recording, True, detail={"export": export.pk})
            export_id = export.pk
            export.delete()
            lines.append(_("Exported file #%(id)s deleted.") % {"id": export_id})
        transcripts = Transcript.objects.filter(recording=recording)
        count = transcripts.count()
        if count:
            transcripts.delete()
            lines.append(_("%(count)s transcript revision(s) deleted.") % {"count": count})
    return lines
