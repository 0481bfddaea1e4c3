"""One transcription job per recording at a time. Duplicates already queued or running (two clicks before this
rule) are cancelled first, the oldest kept, so the constraint can be added."""

from django.db import migrations, models


def cancel_duplicate_active_jobs(apps, schema_editor):
    from django.utils import timezone

    Job = apps.get_model("media_tools", "TranscriptionJob")
    active = Job.objects.filter(status__in=["queued", "running"]).order_by("recording_id", "created_at", "pk")
    seen = set()
    for job in active.only("pk", "recording_id"):
        if job.recording_id in seen:
            Job.objects.filter(pk=job.pk).update(
                status="cancelled", error="A second job for the same recording.", finished_at=timezone.now()
            )
        seen.add(job.recording_id)


class Migration(migrations.Migration):
    dependencies = [("media_tools", "0002_segment_confidence_review")]

    operations = [
        migrations.RunPython(cancel_duplicate_active_jobs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="transcriptionjob",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status__in", ["queued", "running"])),
                fields=("recording",),
                name="one_active_job_per_recording",
            ),
        ),
    ]
