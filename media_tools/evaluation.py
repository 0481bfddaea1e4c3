"""What media_tools adds to the evaluators' indicators (registered in wagtail_hooks.py): how many of the period's
recordings have a transcript, a column of the sessions table."""

from django.db.models import Count, Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from facilitation.evaluation.indicators import RecordingMeasure

from .models import Transcript


def transcribed_recordings() -> RecordingMeasure:
    """Recordings with a transcript (for the `register_evaluation_recording_measures` hook)."""
    return RecordingMeasure(
        "transcribed",
        _("Recordings transcribed"),
        Count("pk", filter=Q(Exists(Transcript.objects.filter(recording=OuterRef("pk"))))),
    )
