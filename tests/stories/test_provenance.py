"""Provenance (issue 9, items 1, 2 and 5-takedown), from outside: the admin's edit and add URLs, the public URLs."""

import io
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import translation
from PIL import Image as PILImage
from wagtail.images.models import Image
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from facilitation.factories import ConsentRecordFactory, ParticipantFactory, RecordingFactory, tone_wav
from facilitation.models import AuditEvent, ConsentRecord
from facilitation.policy import SYSTEM, Action, may
from facilitation.withdrawal import withdraw_consent
from stories.factories import StoryPageFactory
from stories.models import StoryContribution, StoryPage

from ..facilitation.world import build_world
from .site_tree import build_site_tree

STORY_URLS = ("/kk/angimeler/koktemgi-ozen/", "/ru/istorii/vesennyaya-reka/", "/en/stories/spring-river/")


def png_bytes(colour=(200, 30, 30)) -> bytes:

    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), colour).save(buffer, "PNG")
    return buffer.getvalue()


def edit_form(story: StoryPage, **extra) -> dict:
    body = streamfield([("paragraph", rich_text("<p>Text</p>"))])
    data = {
        "title_kk": "Көктемгі өзен",
        "title_ru": "Весенняя река",
        "title_en": "The spring river",
        "slug_kk": "koktemgi-ozen",
        "slug_ru": "vesennyaya-reka",
        "slug_en": "spring-river",
        "summary_kk": "Қысқаша",
        "summary_ru": "Кратко",
        "summary_en": "Short",
        "body_kk": body,
        "body_ru": body,
        "body_en": body,
        "contributions": inline_formset([]),
        "action-publish": "action-publish",
    }
    data.update(extra)
    return nested_form_data(data)


class ProvenanceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.enterContext(translation.override("en"))
        self.w.recording_a.file.save("session.wav", ContentFile(tone_wav(0.5)))
        self.story = self.tree.story
        self.story.source_recording = self.w.recording_a  # the elder and the child are heard in it
        self.story.source_session = None
        self.story.contributions.add(StoryContribution(participant=self.w.child_a, uses_words=True))
        self.story.save_revision().publish()
        self.story.refresh_from_db()

    def test_published_story_with_consent_is_public_in_every_language(self):
        self.assertTrue(self.story.live)
        for url in STORY_URLS:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_deleting_contribution_rows_after_a_withdrawal_does_not_republish(self):
        """Issue item 1: the family withdrew; the editor deletes "Whose story is used" and presses Publish."""
        withdraw_consent(self.w.child_a, None, given_by=ConsentRecord.GivenBy.GUARDIAN)
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)
        self.client.force_login(self.w.users["editor"])
        url = f"/admin/pages/{self.story.pk}/edit/"
        response = self.client.post(url, edit_form(self.story, source_recording=self.w.recording_a.pk), follow=True)
        self.assertContains(response, "cannot be published")
        self.assertContains(response, f"{self.w.child_a.code}: no consent to “Publish the story&#x27;s words”.")
        # Removing the source as well does not help: a story with no source cannot go live.
        response = self.client.post(url, edit_form(self.story), follow=True)
        self.assertContains(response, "has no source")
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)
        self.client.logout()
        for url in STORY_URLS:
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_a_narrowed_grant_without_publish_text_takes_the_story_offline_with_a_history_entry(self):
        """Issue item 2: not the withdrawal screen, a new grant that drops "publish the words"."""
        ConsentRecordFactory(participant=self.w.elder_a, publish_text=False)
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)
        for url in STORY_URLS:
            self.assertEqual(self.client.get(url).status_code, 404, url)
        entry = PageLogEntry.objects.get(page=self.story, action="sbg.consent_unpublish")
        self.assertIn(f"{self.w.elder_a.code}: no consent to “Publish the story's words”.", entry.data["reasons"])
        self.client.force_login(self.w.users["admin"])
        history = self.client.get(f"/admin/pages/{self.story.pk}/history/")
        self.assertContains(history, "Unpublished: consent withdrawn")

    def test_a_narrowed_language_takes_the_story_offline(self):
        ConsentRecordFactory(participant=self.w.child_a, publish_languages=["kk", "ru"])
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)

    def test_a_new_speaker_without_consent_takes_the_story_offline(self):
        stranger = ParticipantFactory(family=self.w.elder_a.family)  # no consent at all
        self.w.recording_a.speakers.add(stranger)
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)

    def test_scheduled_or_code_publication_is_taken_back_offline(self):
        ConsentRecordFactory(participant=self.w.elder_a, publish_text=False)
        self.story.save_revision().publish()  # what scheduled publishing does: no admin hook
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)


class NoSourceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.enterContext(translation.override("en"))

    def add_form(self, **extra) -> dict:
        body = streamfield([("paragraph", rich_text("<p>Жаңа әңгіме</p>"))])
        data = {
            "title_kk": "Жаңа әңгіме",
            "title_ru": "Новая история",
            "title_en": "A new story",
            "slug_kk": "zhana",
            "slug_ru": "novaya",
            "slug_en": "new-story",
            "summary_kk": "Қысқаша",
            "summary_ru": "Кратко",
            "summary_en": "Short",
            "body_kk": body,
            "body_ru": body,
            "body_en": body,
            "contributions": inline_formset([]),
            "action-publish": "action-publish",
        }
        data.update(extra)
        return nested_form_data(data)

    def test_a_new_story_with_no_source_cannot_be_published_by_an_editor(self):
        self.client.force_login(self.w.users["editor"])
        url = f"/admin/pages/add/stories/storypage/{self.tree.index.pk}/"
        # An editor cannot give the attestation either: the field is not theirs, so it is ignored.
        response = self.client.post(url, self.add_form(no_personal_content="on"), follow=True)
        self.assertContains(response, "has no source")
        page = StoryPage.objects.get(slug_en="new-story")
        self.assertFalse(page.live)
        self.assertFalse(page.no_personal_content)
        self.client.logout()
        for url in ("/kk/angimeler/zhana/", "/ru/istorii/novaya/", "/en/stories/new-story/"):
            self.assertEqual(self.client.get(url).status_code, 404, url)

    def test_a_story_with_no_source_published_from_code_goes_back_offline(self):
        page = StoryPageFactory(parent=self.tree.index, title_kk="Кодтан", slug_kk="kodtan")
        page.save_revision().publish()
        page.refresh_from_db()
        self.assertFalse(page.live)
        reasons = may(SYSTEM, Action.PUBLISH_STORY, page).reasons
        self.assertIn(
            "The story has no source: choose the recording, family submission or session it was made from.", reasons
        )

    def test_an_administrators_audited_attestation_lets_a_page_without_personal_content_go_live(self):
        self.client.force_login(self.w.users["admin"])
        url = f"/admin/pages/add/stories/storypage/{self.tree.index.pk}/"
        self.client.post(url, self.add_form(no_personal_content="on"), follow=True)
        page = StoryPage.objects.get(slug_en="new-story")
        self.assertTrue(page.live)
        self.assertEqual(self.client.get("/en/stories/new-story/").status_code, 200)
        event = AuditEvent.objects.get(action="story.attest_no_personal_content")
        self.assertEqual((event.actor, event.detail["attested"]), (self.w.users["admin"], True))
        # An editor's later edit clears it (it covered what the administrator saw): their version cannot go live,
        # and the live page stays the version the administrator attested.
        self.client.force_login(self.w.users["editor"])
        response = self.client.post(f"/admin/pages/{page.pk}/edit/", self.add_form(), follow=True)
        self.assertContains(response, "has no source")
        page.refresh_from_db()
        self.assertFalse(page.get_latest_revision_as_object().no_personal_content)
        self.assertTrue(page.no_personal_content)

    def test_the_attestation_set_in_code_without_an_administrator_does_not_count(self):
        page = StoryPageFactory(parent=self.tree.index, title_kk="Белгі", slug_kk="belgi", no_personal_content=True)
        page.save_revision().publish()
        page.refresh_from_db()
        self.assertFalse(page.live)


class ImagesGoDownWithTheStoryTests(TestCase):
    """Issue item 5 (takedown): the images a story showed, and their renditions, leave public media with it."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def test_withdrawal_deletes_the_storys_images_and_renditions_but_not_those_another_live_page_shows(self):
        own = Image.objects.create(title="photo", file=ContentFile(png_bytes(), name="family.png"))
        shared = Image.objects.create(title="shared", file=ContentFile(png_bytes((0, 90, 0)), name="shared.png"))
        renditions = [own.get_rendition("fill-32x32"), shared.get_rendition("fill-32x32")]
        own_files = [Path(own.file.path), Path(renditions[0].file.path)]
        shared_files = [Path(shared.file.path), Path(renditions[1].file.path)]
        for path in own_files + shared_files:
            self.assertTrue(path.exists())
            self.assertTrue(str(path).startswith(str(Path(settings.MEDIA_ROOT))))
        story = self.tree.story
        story.source_session = None
        story.source_recording = self.w.recording_a
        blocks = [
            ("image", {"image": own, "alt_text": "Әже", "caption": ""}),
            ("image", {"image": shared, "alt_text": "Өзен", "caption": ""}),
        ]
        for lang in ("kk", "ru", "en"):
            setattr(story, f"body_{lang}", blocks)
        story.save_revision().publish()
        story.refresh_from_db()
        self.assertTrue(story.live)
        other = self.tree.no_english_story
        other.body_kk = [("image", {"image": shared, "alt_text": "Өзен", "caption": ""})]
        other.save_revision().publish()
        other.refresh_from_db()
        self.assertTrue(other.live)

        ConsentRecordFactory(participant=self.w.child_a, publish_photos=False)  # a narrowed grant: no photos

        story.refresh_from_db()
        self.assertFalse(story.live)
        for path in own_files:
            self.assertFalse(path.exists(), path)
        self.assertFalse(Image.objects.filter(pk=own.pk).exists())
        for path in shared_files:
            self.assertTrue(path.exists(), path)  # still shown by a live page with its own consent
        self.assertTrue(Image.objects.filter(pk=shared.pk).exists())


class SourceChoiceTests(TestCase):
    """The chooser lists only usable material; an id posted by hand is refused the same way."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.enterContext(translation.override("en"))
        self.client.force_login(self.w.users["editor"])

    def test_an_unconsented_recording_posted_by_hand_is_refused_and_nothing_changes(self):
        unasked = ParticipantFactory(family=self.w.elder_b.family)  # no consent recorded
        hidden = RecordingFactory(family=self.w.elder_b.family, speakers=[unasked])
        story = self.tree.story
        before = story.source_recording_id
        form = edit_form(story, source_recording=hidden.pk)
        form.pop("action-publish")
        response = self.client.post(f"/admin/pages/{story.pk}/edit/", form)
        self.assertContains(response, "Not available for stories")
        story.refresh_from_db()
        self.assertEqual(story.source_recording_id, before)
        self.assertNotEqual(story.get_latest_revision_as_object().source_recording_id, hidden.pk)

    def test_a_consented_recording_can_be_chosen(self):
        story = self.tree.story
        form = edit_form(story, source_recording=self.w.recording_b.pk)
        form.pop("action-publish")
        response = self.client.post(f"/admin/pages/{story.pk}/edit/", form)
        self.assertEqual(response.status_code, 302)
        story.refresh_from_db()
        self.assertEqual(story.get_latest_revision_as_object().source_recording_id, self.w.recording_b.pk)
