"""media_tools' part of what is held about a family: transcripts in a subject-access export, and transcripts,
exports and jobs deleted when a family's recordings are purged after the retention period (facilitation.retention)."""

from __future__ import annotations

from django.dispatch import receiver
from django.utils.translation import gettext as _

from facilitation.policy import audit
from facilitation.signals import recordings_purging, subject_access_requested

from .models import Transcript, TranscriptExport, TranscriptionJob


@receiver(subject_access_requested, dispatch_uid="sbg_media_tools_subject_access")
def transcripts_for_export(sender, family, bundle, recording_ids, **kwargs) -> None:
    """Transcripts (every revision, the machine draft included) of the family's own recordings."""
    transcripts = []
    for transcript in (
        Transcript.objects.filter(recording_id__in=recording_ids)
        .prefetch_related("segments")
        .order_by("recording_id", "revision")
    ):
        bundle.about(transcript)
        transcripts.append(
            {
                "recording": transcript.recording_id,
                "revision": transcript.revision,
                "machine_draft": transcript.is_machine_draft,
                "language": transcript.language,
                "created_at": transcript.created_at,
                "segments": [
                    {
                        "start": s.start,
                        "end": s.end,
                        "text": s.text,
                        "language": s.language,
                        "speaker": s.speaker,
                        "kind": s.kind,
                    }
                    for s in transcript.segments.all()
                ],
            }
        )
    bundle.add_json("transcripts", transcripts)
    bundle.add_json(
        "transcription_jobs",
        [
            {"recording": job.recording_id, "status": job.status, "created_at": job.created_at}
            for job in TranscriptionJob.objects.filter(recording_id__in=recording_ids).order_by("created_at")
        ],
    )


@receiver(recordings_purging, dispatch_uid="sbg_media_tools_recordings_purging")
def purge_derived(sender, recordings, actor=None, dry_run: bool = False, **kwargs) -> list[str]:
    """Jobs stop; exported files (deleted from storage, not only their rows) and transcripts go."""
    ids = [r.pk for r in recordings]
    exports = TranscriptExport.objects.filter(transcript__recording_id__in=ids)
    transcripts = Transcript.objects.filter(recording_id__in=ids)
    if dry_run:
        return [
            _("%(count)s transcript revision(s) would be deleted.") % {"count": transcripts.count()},
            _("%(count)s exported file(s) would be deleted.") % {"count": exports.count()},
        ]
    lines = []
    by_id = {r.pk: r for r in recordings}
    for job in TranscriptionJob.objects.filter(recording_id__in=ids, status__in=TranscriptionJob.ACTIVE):
        if job.cancel(reason="retention period passed"):
            audit(actor, "transcription.cancel", by_id[job.recording_id], True, detail={"job": job.pk})
            lines.append(_("Transcription job #%(id)s cancelled.") % {"id": job.pk})
    for export in exports.select_related("transcript"):
        export_id = export.pk
        audit(
            actor, "transcript_export.delete", by_id[export.transcript.recording_id], True, detail={"export": export_id}
        )
        export.delete()  # the file too
        lines.append(_("Exported file #%(id)s deleted.") % {"id": export_id})
    count = transcripts.count()
    if count:
        transcripts.delete()
        lines.append(_("%(count)s transcript revision(s) deleted.") % {"count": count})
    return lines
