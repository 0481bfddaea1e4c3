"""Transcription jobs, transcripts with their segments and revisions, and exported files (all private)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from facilitation.models import LANGUAGE_CHOICES, Recording, private_storage

from .guards import LOW_CONFIDENCE, LOW_TRANSCRIPT_CONFIDENCE


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
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    heartbeat_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last sign of life"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("transcription job")
        verbose_name_plural = _("transcription jobs")
        ordering = ["-created_at"]
        constraints = [
            # One job per recording at a time: two would make two machine drafts (`jobs.start_transcription`).
            models.UniqueConstraint(
                fields=["recording"],
                condition=models.Q(status__in=["queued", "running"]),
                name="one_active_job_per_recording",
            )
        ]

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
    job = models.ForeignKey(
        TranscriptionJob,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("transcription job"),
    )
    revision = models.PositiveIntegerField(_("revision"), default=1)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("based on")
    )
    is_machine_draft = models.BooleanField(_("machine draft"), default=True)
    engine = models.CharField(_("engine"), max_length=40, blank=True)
    model_name = models.CharField(_("model"), max_length=100, blank=True)
    model_checksum = models.CharField(max_length=64, blank=True, verbose_name=_("model checksum"))
    language = models.CharField(_("language"), max_length=8, blank=True)
    engine_settings = models.JSONField(default=dict, blank=True, verbose_name=_("engine settings"))
    timings = models.JSONField(default=dict, blank=True, verbose_name=_("timings"))
    confidence = models.FloatField(_("confidence"), null=True, blank=True)
    guard_events = models.JSONField(
        _("removed by the guards"),
        default=list,
        blank=True,
        help_text=_("Invented captions and repetition loops the pipeline removed, with their times."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")
        ordering = ["recording", "-revision"]
        constraints = [models.UniqueConstraint(fields=["recording", "revision"], name="unique_transcript_revision")]

    def __str__(self) -> str:
        return f"{self.recording} · r{self.revision}"

    @property
    def is_low_confidence(self) -> bool:
        return self.confidence is not None and self.confidence < LOW_TRANSCRIPT_CONFIDENCE

    def review_counts(self) -> tuple[int, int]:
        """(reviewed, all) segments, gaps included: a gap is work left to do."""
        counts = self.segments.aggregate(
            total=models.Count("pk"), reviewed=models.Count("pk", filter=models.Q(reviewed=True))
        )
        return counts["reviewed"], counts["total"]

    @property
    def reviewed_share(self) -> float:
        reviewed, total = self.review_counts()
        return reviewed / total if total else 0.0


class Segment(models.Model):
    class Kind(models.TextChoices):
        SPEECH = "speech", _("Speech")
        GAP = "gap", _("Not transcribed")

    class Speaker(models.TextChoices):
        UNKNOWN = "", _("Unknown")
        ELDER = "elder", _("Elder")
        CHILD = "child", _("Child")
        FACILITATOR = "facilitator", _("Facilitator")

    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, related_name="segments", verbose_name=_("transcript")
    )
    index = models.PositiveIntegerField(verbose_name=_("number"))
    start = models.FloatField(verbose_name=_("start (seconds)"))
    end = models.FloatField(verbose_name=_("end (seconds)"))
    text = models.TextField(blank=True, verbose_name=_("text"))
    language = models.CharField(max_length=8, blank=True, verbose_name=_("language"))
    confidence = models.FloatField(null=True, blank=True, verbose_name=_("confidence"))
    avg_logprob = models.FloatField(null=True, blank=True, verbose_name=_("average log probability"))
    no_speech_prob = models.FloatField(null=True, blank=True, verbose_name=_("probability of no speech"))
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.SPEECH, verbose_name=_("kind"))
    speaker = models.CharField(max_length=12, choices=Speaker.choices, blank=True, verbose_name=_("speaker"))
    words = models.JSONField(default=list, blank=True, verbose_name=_("words"))
    reviewed = models.BooleanField(default=False, verbose_name=_("reviewed"))

    class Meta:
        verbose_name = _("transcript segment")
        verbose_name_plural = _("transcript segments")
        ordering = ["transcript", "index"]
        constraints = [models.UniqueConstraint(fields=["transcript", "index"], name="unique_segment_index")]

    def __str__(self) -> str:
        return f"{self.start:.1f}–{self.end:.1f} {self.text[:40]}"

    @property
    def language_name(self) -> str:
        return str(dict(LANGUAGE_CHOICES).get(self.language, self.language))

    @property
    def is_low_confidence(self) -> bool:
        return self.kind == self.Kind.GAP or (self.confidence is not None and self.confidence < LOW_CONFIDENCE)


def export_path(instance: "TranscriptExport", filename: str) -> str:
    return f"transcript-exports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.format}"


class TranscriptExport(models.Model):
    """A derived file (subtitles, text, excerpt). Deleted when the archive consent is withdrawn."""

    transcript = models.ForeignKey(
        Transcript, on_delete=models.CASCADE, related_name="exports", verbose_name=_("transcript")
    )
    format = models.CharField(max_length=8, verbose_name=_("format"))
    file = models.FileField(upload_to=export_path, storage=private_storage, verbose_name=_("file"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("transcript export")
        verbose_name_plural = _("transcript exports")

    def __str__(self) -> str:
        return f"{self.transcript} · {self.format}"

    def delete(self, *args, **kwargs):
        self.file.delete(save=False)
        return super().delete(*args, **kwargs)
