"""Private files. Everything refused answers 404, so the existence of a record is never revealed."""

from pathlib import Path

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.defaults import page_not_found

from .models import Recording
from .policy import Action, authorize
from .serving import serve_private_file


def not_found(request):
    """A 404 *response*, not a raised Http404: raising would roll back the request's transaction, audit row included."""
    return page_not_found(request, Http404())


def recording_file(request, pk: int, download: bool = False):
    recording = get_object_or_404(Recording.objects.select_related("family__site"), pk=pk)
    action = Action.DOWNLOAD_RECORDING if download else Action.STREAM_RECORDING
    if not authorize(request.user, action, recording, detail={"range": request.headers.get("Range", "")}):
        return not_found(request)
    suffix = Path(recording.file.name).suffix
    try:
        return serve_private_file(
            request,
            recording.file.storage,
            recording.file.name,
            filename=f"recording-{recording.pk}{suffix}",
            download=download,
        )
    except FileNotFoundError:  # a withdrawal deleted it after the policy said yes: the withdrawal wins
        return not_found(request)
