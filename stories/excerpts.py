"""A story draft made from an excerpt's pseudonymised texts (facilitation asks through `story_draft_requested`).

The draft is a child of the story index, offline, with the excerpt as its source: publishing it is refused until
every proposal is decided, the texts are those the proposals were made for and the audio is rebuilt
(`facilitation.policy.excerpt_refusals`), and while everyone heard in the recording consents.
"""

from __future__ import annotations

from django.dispatch import receiver
from django.utils import translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from facilitation.excerpts import story_draft_requested

from .models import StoryIndexPage, StoryPage


@receiver(story_draft_requested, dispatch_uid="sbg_stories_draft_from_excerpt")
def story_draft_from_excerpt(sender, excerpt, actor=None, **kwargs) -> StoryPage | None:
    index = StoryIndexPage.objects.order_by("path").first()
    if index is None:
        return None
    texts = {code: text for code, text in (excerpt.pseudonymised or {}).items() if text.strip()}
    if not texts:
        return None
    first = excerpt.language if excerpt.language in texts else next(iter(texts))
    page = StoryPage(
        live=False,
        source_excerpt=excerpt,
        region=excerpt.recording.family.site.region,
        story_languages=[excerpt.language],
        slug=f"excerpt-{excerpt.pk}-{StoryPage.objects.filter(source_excerpt=excerpt).count() + 1}",
        owner=actor if getattr(actor, "pk", None) else None,
    )
    for code, text in texts.items():
        with translation.override(code):
            title = _("A story from excerpt #%(id)s") % {"id": excerpt.pk}
        setattr(page, f"title_{code}", title)
        setattr(page, f"slug_{code}", f"{page.slug}-{code}")
        setattr(page, f"summary_{code}", Truncator(text).chars(300))
        setattr(page, f"body_{code}", [("quote", {"text": text, "attribution": ""})])
    page.title = getattr(page, f"title_{first}")
    index.add_child(instance=page)
    page.save_revision(user=page.owner, log_action=True)
    return page
