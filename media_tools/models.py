"""Transcription jobs, transcripts with their segments and revisions, and exported files (all private)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilitation.models import Recording, private_storage


class TranscriptionJob(models.Model):
    """One run of the transcription pipeline over a recording. Progress is persisted so the admin can show it."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    recording = models.ForeignKey(Recording, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("recording"))
    engine = models.CharField(_("engine"), max_length=20, default="faster")
    language = models.CharField(_("language"), max_length=4, default="auto")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.FloatField(_("progress"), default=0.0)
    segments_done = models.PositiveIntegerField(_("segments so far"), default=0)
    error = models.TextField(_("reason"), blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("transcription job")
        verbose_name_plural = _("transcription jobs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()} ({self.progress:.0%})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def cancel(self, reason: str) -> bool:
        """Mark cancelled; a running worker sees it at its next consent check and discards its partial output."""
        updated = TranscriptionJob.objects.filter(pk=self.pk, status__in=self.ACTIVE).update(
            status=self.Status.CANCELLED, error=reason, finished_at=timezone.now()
        )
        return bool(updated)


class Transcript(models.Model):
    """A transcript revision. Revision 1 is the machine draft, kept as it was; each human edit adds a revision."""

    recording = models.ForeignKey(
        Recording, on_delete=models.CASCADE, related_name="transcripts", verbose_name=_("recording")
    )
    job = models.ForeignKey(TranscriptionJob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    revision = models.PositiveIntegerField(_("revision"), default=1)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    is_machine_draft = models.BooleanField(_("machine draft"), default=True)
    engine = models.CharField(_("engine"), max_length=40, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    model_checksum = models.CharField(max_length=64, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    engine_settings = models.JSONField(default=dict, blank=True)
    timings = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")
        ordering = ["recording", "-revision"]
        constraints = [models.UniqueConstraint(fields=["recording", "revision"], name="unique_transcript_revision")]

    def __str__(self) -> str:
        return f"{self.recording} · r{self.revision}"


class Segment(models.Model):
    class Speaker(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        ELDER = "elder", _("Elder")
        CHILD = "child", _("Child")
        FACILITATOR = "facilitator", _("Facilitator")

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    confidence = models.FloatField(null=True, blank=True)
    speaker = models.CharField(max_length=12, choices=Speaker.choices, blank=True)
    words = models.JSONField(default=list, blank=True)
    reviewed = models.BooleanField(default=False)

    class Meta:
        ordering = ["transcript", "index"]
        constraints = [models.UniqueConstraint(fields=["transcript", "index"], name="unique_segment_index")]

    def __str__(self) -> str:
        return f"{self.start:.1f}–{self.end:.1f} {self.text[:40]}"


def export_path(instance: "TranscriptExport", filename: str) -> str:
    return f"transcript-exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.format}"


class TranscriptExport(models.Model):
    """A derived file (subtitles, text, excerpt). Deleted when the archive consent is withdrawn."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="exports")
    format = models.CharField(max_length=8)
    file = models.FileField(upload_to=export_path, storage=private_storage)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.transcript} · {self.format}"

    def delete(self, *args, **kwargs):
        self.file.delete(save=False)
        return super().delete(*args, **kwargs)
