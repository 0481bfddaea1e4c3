"""How sure the machine was, and how much a person has reviewed, for the job and recording screens."""

from django import template

from media_tools.models import Transcript

register = template.Library()


@register.simple_tag
def transcript_quality(job) -> dict | None:
    """For a finished job: its machine draft's confidence and the review share of the recording's latest revision."""
    draft = Transcript.objects.filter(job=job, is_machine_draft=True).order_by("revision").first()
    if draft is None:
        return None
    latest = Transcript.objects.filter(recording_id=job.recording_id).order_by("-revision").first()
    reviewed, total = latest.review_counts()
    return {
        "draft": draft,
        "low": draft.is_low_confidence,
        "confidence_percent": round(100 * draft.confidence) if draft.confidence is not None else None,
        "reviewed": reviewed,
        "total": total,
        "reviewed_percent": round(100 * reviewed / total) if total else 0,
        "removed": len(draft.guard_events or []),
    }
