"""The published audio of a story page. Everything refused answers 404, so the existence of a record is never
revealed."""

from pathlib import Path

from django.http import Http404

from facilitation.models import private_storage
from facilitation.policy import SYSTEM, Action, authorize, may, story_may_be_shown
from facilitation.published_audio import ensure_published_copy
from facilitation.serving import serve_private_file
from facilitation.views import not_found

from .models import StoryPage


def published_story_audio(request, page_id: int):
    """The public audio of a live story page, while everyone heard in it consents to publishing audio."""
    page = StoryPage.objects.live().public().filter(pk=page_id).select_related("audio").first()
    if page is None or page.audio is None:
        raise Http404
    if not authorize(request.user, Action.LISTEN_PUBLISHED_AUDIO, page.audio, page=page):
        return not_found(request)
    if not story_may_be_shown(page):  # the page itself is not shown (see StoryPage.serve)
        return not_found(request)
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


def published_excerpt_audio(request, page_id: int):
    """The redacted audio excerpt a live story plays instead of a whole recording (names muted, no metadata: made by
    `facilitation.excerpts.rebuild_audio`), while the excerpt is ready and everyone heard consents."""
    page = StoryPage.objects.live().public().filter(pk=page_id).select_related("source_excerpt").first()
    if page is None or page.source_excerpt is None:
        raise Http404
    excerpt = page.source_excerpt
    if not authorize(request.user, Action.LISTEN_PUBLISHED_EXCERPT, excerpt, page=page):
        return not_found(request)
    if not story_may_be_shown(page):
        return not_found(request)
    try:
        name = excerpt.audio.name
        return serve_private_file(request, excerpt.audio.storage, name, filename=f"story-{page.pk}{Path(name).suffix}")
    except FileNotFoundError:  # a withdrawal emptied the excerpt after the policy said yes: the withdrawal wins
        return not_found(request)
