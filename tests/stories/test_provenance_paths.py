"""The paths a review found around provenance: session people, swapped sources, offline pages' images, a listener
racing a narrowing, an expiry between two sweeps, a corrected birth year, an upload that could not be kept."""

import datetime
from pathlib import Path
from unittest import mock

from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone, translation
from wagtail.images.models import Image

from facilitation.factories import ChildFactory, ConsentRecordFactory, ParticipantFactory, tone_wav
from facilitation.models import ConsentRecord, Participant, SessionPair, StorySession
from facilitation.policy import Action, may, story_people
from facilitation.withdrawal import withdraw_consent
from stories import views

from ..facilitation.world import build_world
from .site_tree import build_site_tree
from .test_provenance import STORY_URLS, edit_form, png_bytes


class StoryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.enterContext(translation.override("en"))
        self.w.recording_a.file.save("session.wav", ContentFile(tone_wav(1.0)))
        self.story = self.tree.story

    def publish(self, **sources):
        for name in ("source_recording", "source_session", "source_submission", "audio"):
            setattr(self.story, name, sources.get(name))
        self.story.save_revision().publish()
        self.story.refresh_from_db()

    def assert_offline(self):
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)
        self.client.logout()
        for url in STORY_URLS:
            self.assertEqual(self.client.get(url).status_code, 404, url)


class SessionPeopleTests(StoryTests):
    def test_a_new_attendee_without_consent_takes_the_sessions_story_offline_at_once(self):
        self.publish(source_session=self.w.session_a)
        self.assertTrue(self.story.live)
        session = StorySession.objects.get(pk=self.w.session_a.pk)
        session.attendees.add(ChildFactory(family=self.w.elder_a.family))  # nobody asked them
        session.save()  # what the admin's session form does
        self.assert_offline()

    def test_the_child_of_an_elder_child_pair_must_consent(self):
        stranger = ChildFactory(family=self.w.elder_a.family)
        SessionPair.objects.create(session=self.w.session_a, elder=self.w.elder_a, child=stranger)
        self.publish(source_session=self.w.session_a)
        self.assert_offline()
        self.assertIn(stranger, story_people(self.story))


class StickyProvenanceTests(StoryTests):
    def test_swapping_the_source_after_a_withdrawal_does_not_bring_the_story_back(self):
        self.publish(source_recording=self.w.recording_a)
        self.assertTrue(self.story.live)
        withdraw_consent(self.w.child_a, None, given_by=ConsentRecord.GivenBy.GUARDIAN)
        self.client.force_login(self.w.users["editor"])
        url = f"/admin/pages/{self.story.pk}/edit/"
        response = self.client.post(url, edit_form(self.story, source_recording=self.w.recording_b.pk), follow=True)
        self.assertContains(response, "cannot be published")
        self.assert_offline()

    def test_a_draft_may_change_its_source_freely_before_it_was_ever_published(self):
        self.story.unpublish()
        self.story.source_recording = self.w.recording_a
        self.story.save_revision()
        self.assertEqual(self.story.bound_participants.count(), 0)
        self.publish(source_recording=self.w.recording_b)
        self.assertTrue(self.story.live)
        self.assertEqual(set(self.story.bound_participants.all()), {self.w.elder_b})


class OfflineImageTests(StoryTests):
    def test_images_of_a_once_published_story_go_with_the_consent_even_if_it_was_unpublished_by_hand(self):
        photo = Image.objects.create(title="photo", file=ContentFile(png_bytes(), name="family.png"))
        path = Path(photo.file.path)
        for language in ("kk", "ru", "en"):
            setattr(self.story, f"body_{language}", [("image", {"image": photo, "alt_text": "x", "caption": ""})])
        self.publish(source_recording=self.w.recording_a)
        self.assertTrue(self.story.live)
        self.story.unpublish()  # an editor takes it offline to rework it
        withdraw_consent(self.w.child_a, None, given_by=ConsentRecord.GivenBy.GUARDIAN)
        self.assertFalse(path.exists())
        self.assertFalse(Image.objects.filter(pk=photo.pk).exists())


class ListenerRaceTests(StoryTests):
    def test_a_copy_made_by_a_listener_while_audio_consent_is_narrowed_does_not_survive(self):
        self.publish(source_recording=self.w.recording_a, audio=self.w.recording_a)
        self.assertTrue(self.story.live)
        recording = self.w.recording_a
        copy = Path(recording.file.storage.path(recording.published_copy_name()))
        real = views.authorize

        def authorize_then_narrow(*args, **kwargs):
            decision = real(*args, **kwargs)
            # The facilitator's narrowing commits between the listener's check and the copy being made.
            ConsentRecordFactory(participant=self.w.child_a, publish_audio=False)
            return decision

        with mock.patch.object(views, "authorize", authorize_then_narrow):
            response = self.client.get(f"/audio/story/{self.story.pk}/")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(copy.exists())


class ExpiryBetweenSweepsTests(StoryTests):
    def test_a_review_date_passed_hides_the_story_before_any_sweep_runs(self):
        today = timezone.localdate()
        ConsentRecordFactory(participant=self.w.elder_a, review_on=today)
        self.publish(source_recording=self.w.recording_a)
        self.assertTrue(self.story.live)
        for url in STORY_URLS:
            self.assertEqual(self.client.get(url).status_code, 200, url)
        tomorrow = today + datetime.timedelta(days=1)
        with mock.patch("django.utils.timezone.localdate", return_value=tomorrow):
            for url in STORY_URLS:  # midnight passed, no sweep yet: the page is not served
                self.assertEqual(self.client.get(url).status_code, 404, url)
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)  # the sweep will tidy up; nothing was shown meanwhile


class CorrectedParticipantTests(StoryTests):
    def test_a_birth_year_corrected_to_a_child_locks_at_once_and_destroys_nothing(self):
        self.publish(source_recording=self.w.recording_a)
        self.assertTrue(self.story.live)
        elder = Participant.objects.get(pk=self.w.elder_a.pk)
        elder.birth_year = timezone.localdate().year - 10  # the grant was the participant's own, not a guardian's
        elder.role = Participant.Role.CHILD
        elder.index = 99  # codes are numbered per role
        elder.save()
        self.assert_offline()
        self.w.recording_a.refresh_from_db()
        self.assertTrue(self.w.recording_a.file)  # locked, not deleted: consent is asked again
        self.assertTrue(Path(self.w.recording_a.file.path).exists())


class StoreWhatCanBeKeptTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_an_upload_whose_audio_could_not_be_kept_is_refused_before_anything_is_stored(self):
        self.enterContext(translation.override("en"))
        person = ParticipantFactory(family=self.w.elder_a.family)
        ConsentRecordFactory(participant=person, archive=False)  # yes to recording, no to keeping it
        decision = may(self.w.users["facilitator_a"], Action.STORE_RECORDING, person.family, speakers=[person])
        self.assertFalse(decision.allowed)
        self.assertIn("Keep in the programme archive", " ".join(decision.reasons))
