"""media_tools' part of a consent withdrawal: cancel transcription, delete transcripts and derived files."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from facilitation.models import Scope
from facilitation.policy import audit
from facilitation.signals import consent_withdrawn

from .models import Transcript, TranscriptExport, TranscriptionJob

STOPS_TRANSCRIPTION = {Scope.TRANSCRIBE, Scope.RECORD, Scope.ARCHIVE}
REMOVES_DERIVED = {Scope.ARCHIVE, Scope.RECORD, Scope.TRANSCRIBE}


@receiver(consent_withdrawn)
def stop_transcription_and_purge(sender, participant, withdrawn, actor=None, **kwargs) -> list[str]:
    lines: list[str] = []
    recordings = participant.recordings.all()
    if set(withdrawn) & STOPS_TRANSCRIPTION:
        for job in TranscriptionJob.objects.filter(recording__in=recordings, status__in=TranscriptionJob.ACTIVE):
            if job.cancel(reason="consent withdrawn"):
                audit(actor, "transcription.cancel", job.recording, True, detail={"job": job.pk})
                lines.append(_("Transcription job #%(id)s cancelled.") % {"id": job.pk})
    if set(withdrawn) & REMOVES_DERIVED:
        for export in TranscriptExport.objects.filter(transcript__recording__in=recordings):
            audit(actor, "transcript_export.delete", export.transcript.recording, True, detail={"export": export.pk})
            export.delete()
            lines.append(_("Exported file #%(id)s deleted.") % {"id": export.pk})
        transcripts = Transcript.objects.filter(recording__in=recordings)
        count = transcripts.count()
        if count:
            transcripts.delete()
            lines.append(_("%(count)s transcript revision(s) deleted.") % {"count": count})
    return lines
