"""stories' part of a subject-access export: the stories made from a family's material (facilitation.subject_access).

A story built from this family's recording, submission or session, or naming one of its people, is listed with its
titles (a shared story's only once it was published), whether it is online, and which of the family's material it
uses. Its summary is included only when the story
is about this family alone; nothing about the other people of a shared story is.
"""

from __future__ import annotations

from django.conf import settings
from django.dispatch import receiver
from modeltranslation.utils import build_localized_fieldname

from facilitation.models import Participant
from facilitation.policy import story_people
from facilitation.signals import subject_access_requested

from .signals import pages_depending_on


@receiver(subject_access_requested, dispatch_uid="sbg_stories_subject_access")
def stories_for_export(sender, family, bundle, participant_ids, **kwargs) -> None:
    people = list(Participant.objects.filter(pk__in=participant_ids))
    stories = []
    for page in sorted(pages_depending_on(people, live=False), key=lambda p: p.pk):
        needed = story_people(page)
        theirs = sorted(p.code for p in needed if p.pk in participant_ids)
        alone = all(p.pk in participant_ids for p in needed)
        # A shared story's titles are the family's to see only once they were public; a draft's may describe others.
        shown = alone or page.first_published_at is not None
        entry = {
            "id": page.pk,
            "title": {
                code: getattr(page, build_localized_fieldname("title", code), "") if shown else ""
                for code, _n in settings.LANGUAGES
            },
            "live": page.live,
            "first_published_at": page.first_published_at,
            "last_published_at": page.last_published_at,
            "people_of_this_family": theirs,
            "other_people": not alone,
            "source_recording": page.source_recording_id if page.source_recording_id else None,
            "source_submission": page.source_submission.reference if page.source_submission_id else None,
            "source_session": page.source_session_id,
            "audio": page.audio_id,
        }
        if alone:
            entry["summary"] = {
                code: getattr(page, build_localized_fieldname("summary", code), "") for code, _n in settings.LANGUAGES
            }
        stories.append(entry)
        bundle.about(page)
    bundle.add_json("stories", stories)
