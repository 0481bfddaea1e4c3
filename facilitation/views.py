"""Private files. Everything refused answers 404, so the existence of a record is never revealed."""

from pathlib import Path

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.defaults import page_not_found

from .models import Recording, private_storage
from .policy import SYSTEM, Action, authorize, may, story_may_be_shown
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


def published_story_audio(request, page_id: int):
    """The public audio of a live story page, while everyone heard in it consents to publishing audio."""
    from stories.models import StoryPage

    page = StoryPage.objects.live().public().filter(pk=page_id).select_related("audio").first()
    if page is None or page.audio is None:
        raise Http404
    if not authorize(request.user, Action.LISTEN_PUBLISHED_AUDIO, page.audio, page=page):
        return not_found(request)
    if not story_may_be_shown(page):  # the page itself is not shown (see StoryPage.serve)
        return not_found(request)
    from media_tools.publishing import ensure_published_copy

    # The public never gets the original: only a copy without the phone's tags (GPS, device, names).
    # Reads run outside a transaction (config.middleware): a withdrawal committed after the policy said yes may
    # have deleted the files by now. The withdrawal wins: 404, never a 500.
    try:
        name = ensure_published_copy(page.audio)
        # Asked again once the copy exists: a consent change committed while it was being made has deleted nothing
        # (there was nothing yet), so the copy must not outlive it.
        if not may(SYSTEM, Action.LISTEN_PUBLISHED_AUDIO, page.audio, page=page):
            private_storage().delete(name)
            return not_found(request)
        return serve_private_file(request, private_storage(), name, filename=f"story-{page.pk}{Path(name).suffix}")
    except FileNotFoundError:
        return not_found(request)
