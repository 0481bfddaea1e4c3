"""Publishing follows consent: a story the current consent no longer covers goes offline, with its images, however it
was published (admin, scheduled publishing, code) and whatever changed the consent (facilitation.reconcile)."""

from __future__ import annotations

from django.db.models import Q
from django.dispatch import receiver
from django.utils.translation import gettext as _
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.images import get_image_model
from wagtail.log_actions import log
from wagtail.signals import page_published

from facilitation.policy import PEOPLE_LOOKUPS, STORY_SOURCES, SYSTEM, Action, audit, may, story_people
from facilitation.signals import consent_changed

from .models import ApproachPage, HomePage, StoryPage, images_in


def take_offline(page: StoryPage, reasons: list[str], actor=None, *, with_images: bool = True) -> list[str]:
    """Unpublish for consent (a page-history entry says why) and delete the images only this page showed."""
    user = actor if getattr(actor, "pk", None) else None
    # Consent outranks page permissions: whoever recorded the change takes the page down.
    UnpublishPageAction(page, user=user, log_action=False).execute(skip_permission_checks=True)
    log(page, "sbg.consent_unpublish", user=user, data={"reasons": [str(r) for r in reasons]})
    lines = [_("Story “%(title)s” unpublished.") % {"title": page.title}]
    return lines + (delete_images_of(page, actor) if with_images else [])


def delete_images_of(page: StoryPage, actor=None) -> list[str]:
    """The Wagtail images a page taken offline for consent showed, with their renditions (files included), unless
    another live page shows them: a public URL under /media/ must not outlive the consent."""
    ids = page.image_ids()
    if not ids:
        return []
    still_shown = set()
    for model in (HomePage, ApproachPage, StoryPage):
        for other in model.objects.live().exclude(pk=page.pk):
            still_shown |= {image.pk for image in images_in(other, ("body",))}
    lines = []
    for image in get_image_model().objects.filter(pk__in=ids - still_shown):
        image_id = image.pk
        for rendition in image.renditions.all():
            rendition.file.delete(save=False)
        image.file.delete(save=False)
        audit(actor or SYSTEM, "image.delete", image, True, detail={"page": page.pk, "reason": "consent"})
        image.delete()
        lines.append(_("Image #%(id)s deleted.") % {"id": image_id})
    return lines


def pages_depending_on(participants, *, live: bool = True):
    """Story pages whose consent involves any of `participants` (None: every page); live ones unless live=False."""
    pages = StoryPage.objects.live() if live else StoryPage.objects.all()
    if participants is None:
        return list(pages)
    ids = [p.pk for p in participants]
    relations = [
        f"{field_name}__{lookup}" for field_name, label in STORY_SOURCES.items() for lookup in PEOPLE_LOOKUPS[label]
    ] + ["contributions__participant", "bound_participants"]
    page_ids: set[int] = set()
    for relation in relations:
        page_ids |= set(pages.filter(**{f"{relation}__in": ids}).values_list("pk", flat=True))
    return list(pages.filter(Q(pk__in=page_ids)))


@receiver(consent_changed, dispatch_uid="sbg_stories_consent_changed")
def unpublish_stories_of(sender, participants=None, actor=None, **kwargs) -> list[str]:
    """Each page's fate is `may(PUBLISH_STORY)`: the scopes it needs are the policy's table (`policy.TAKEDOWN`:
    story_page, story_audio, story_photos, public_audio_copy), read through `story_people`."""
    lines: list[str] = []
    for page in pages_depending_on(participants, live=False):
        decision = may(SYSTEM, Action.PUBLISH_STORY, page)
        if page.live and not decision.allowed:
            lines.extend(take_offline(page, decision.reasons, actor))
        elif page.live:
            bind_people(page)  # the sweep also binds pages published before provenance was sticky
        elif not decision.allowed and page.first_published_at:
            # Offline already (unpublished by hand, refused), but once public: its images go with the consent.
            lines.extend(delete_images_of(page, actor))
    return lines


def bind_people(page: StoryPage) -> None:
    """Everyone the published page derives stays required from now on (see StoryPage.bound_participants)."""
    page.bound_participants.add(*story_people(page).keys())


@receiver(page_published, dispatch_uid="sbg_refuse_unconsented_publication")
def refuse_unconsented_publication(sender, instance, revision=None, **kwargs) -> None:
    page = instance.specific if not isinstance(instance, StoryPage) else instance
    if isinstance(page, StoryPage):
        page.refresh_from_db()
        if not page.live:
            return
        decision = may(SYSTEM, Action.PUBLISH_STORY, page)
        if decision.allowed:
            bind_people(page)
        else:
            # A publication consent never covered: the page goes back offline; its images were never public with
            # consent, so they stay for the editor to fix the page (a consent change deletes them).
            take_offline(page, decision.reasons, getattr(revision, "user", None), with_images=False)
