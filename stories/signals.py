"""Publishing follows consent: a withdrawal unpublishes the stories that relied on it, and a story whose consent
does not cover it cannot stay live, however it was published (admin, scheduled publishing, code)."""

from django.dispatch import receiver
from django.utils.translation import gettext as _
from wagtail.actions.unpublish_page import UnpublishPageAction
from wagtail.log_actions import log
from wagtail.signals import page_published

from facilitation.models import Scope
from facilitation.policy import PUBLICATION_SCOPES, SYSTEM, Action, may
from facilitation.signals import consent_withdrawn

from .models import StoryContribution, StoryPage


def take_offline(page: StoryPage, reasons: list[str], actor=None) -> None:
    user = actor if getattr(actor, "pk", None) else None
    # Consent outranks page permissions: whoever recorded the withdrawal takes the page down.
    UnpublishPageAction(page, user=user, log_action=False).execute(skip_permission_checks=True)
    log(
        page,
        "sbg.consent_unpublish",
        user=user,
        data={"reasons": [str(r) for r in reasons]},
    )


@receiver(consent_withdrawn)
def unpublish_stories_of(sender, participant, withdrawn, actor=None, **kwargs) -> list[str]:
    if not (set(withdrawn) & (PUBLICATION_SCOPES | {Scope.RECORD, Scope.ARCHIVE})):
        return []
    page_ids = set(StoryContribution.objects.filter(participant=participant).values_list("page_id", flat=True))
    page_ids |= set(StoryPage.objects.filter(audio__speakers=participant).values_list("pk", flat=True))
    lines = []
    for page in StoryPage.objects.live().filter(pk__in=page_ids):
        decision = may(SYSTEM, Action.PUBLISH_STORY, page)
        if not decision.allowed:
            take_offline(page, decision.reasons, actor)
            lines.append(_("Story “%(title)s” unpublished.") % {"title": page.title})
    return lines


@receiver(page_published)
def refuse_unconsented_publication(sender, instance, revision=None, **kwargs) -> None:
    page = instance.specific if not isinstance(instance, StoryPage) else instance
    if isinstance(page, StoryPage):
        page.refresh_from_db()
        decision = may(SYSTEM, Action.PUBLISH_STORY, page)
        if not decision.allowed:
            take_offline(page, decision.reasons)
