"""Editorial images are public only while a live page shows them with consent (draft images are not public media).

An image an editor uploads for a story draft (a child's photo before anyone consented to its publication) used to be
served from /media/ to anyone holding the URL; a story whose consent lapsed between two sweeps kept its images public.
Checked from outside, by URL, anonymous and as staff."""

from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone, translation
from wagtail.documents.models import Document
from wagtail.images.models import Image

from facilitation.factories import tone_wav
from facilitation.models import Participant
from stories.models import StoryContribution

from ..facilitation.world import build_world
from .site_tree import build_site_tree
from .test_provenance import png_bytes


class EditorialMediaTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.enterContext(translation.override("en"))
        self.image = Image.objects.create(title="grandmother", file=ContentFile(png_bytes(), name="grandmother.png"))
        self.rendition = self.image.get_rendition("fill-32x32")
        self.w.recording_a.file.save("session.wav", ContentFile(tone_wav(0.5)))

    def urls(self) -> list[str]:
        return [self.image.file.url, self.rendition.url]

    def show_in_story(self, publish: bool = True):
        story = self.tree.story
        if not publish:
            story.unpublish()
        story.source_session = None
        story.source_recording = self.w.recording_a
        story.contributions.add(StoryContribution(participant=self.w.child_a, uses_words=True))
        for lang in ("kk", "ru", "en"):
            setattr(story, f"body_{lang}", [("image", {"image": self.image, "alt_text": "Әже", "caption": ""})])
        revision = story.save_revision()
        if publish:
            revision.publish()
        story.refresh_from_db()
        return story

    def assert_status(self, status: int, client=None) -> None:
        client = client or self.client
        for url in self.urls():
            self.assertTrue(url.startswith("/media/"), url)
            response = client.get(url)
            self.assertEqual(response.status_code, status, url)
            if status == 200:
                self.assertEqual(response["Content-Type"], "image/png")
                self.assertEqual(response["X-Content-Type-Options"], "nosniff")
                self.assertIn("no-cache", response["Cache-Control"])
                b"".join(response.streaming_content)

    def test_an_image_no_live_page_shows_is_not_public(self):
        self.assert_status(404)

    def test_an_image_only_a_draft_shows_is_not_public_but_its_editor_sees_it(self):
        story = self.show_in_story(publish=False)
        self.assertFalse(story.live)
        self.assert_status(404)
        self.client.force_login(self.w.users["editor"])
        self.assert_status(200)

    def test_staff_without_image_work_do_not_see_draft_images(self):
        for user in (self.w.users["facilitator_a"], self.w.users["evaluator"]):
            self.client.force_login(user)
            self.assert_status(404)

    def test_an_image_a_consented_live_story_shows_is_public(self):
        story = self.show_in_story()
        self.assertTrue(story.live)
        self.assert_status(200)

    def test_an_image_of_a_story_whose_consent_lapsed_before_the_sweep_is_not_public(self):
        story = self.show_in_story()
        self.assertTrue(story.live)
        # The child turns 18 with no request and no sweep yet (an update, no signal): the page is still live.
        Participant.objects.filter(pk=self.w.child_a.pk).update(birth_year=timezone.localdate().year - 19)
        story.refresh_from_db()
        self.assertTrue(story.live)
        self.assert_status(404)

    def test_other_files_under_media_and_paths_outside_it_are_not_served(self):
        for url in ("/media/documents/anything.pdf", "/media/../private/x.wav", "/media/original_images/nope.png"):
            self.assertEqual(self.client.get(url).status_code, 404, url)


class EditorialDocumentTests(TestCase):
    """Documents: the admin's document screens work (they link to the serve view), and a document is sent only like
    an editorial image (a live page shows it, or an editor asks)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.document = Document.objects.create(title="guide", file=ContentFile(b"%PDF-1.4 guide", name="guide.pdf"))

    def test_the_document_screens_open_for_staff_who_manage_documents(self):
        self.client.force_login(self.w.users["admin"])
        for url in ("/admin/documents/", "/admin/documents/chooser/", f"/admin/documents/edit/{self.document.pk}/"):
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_a_document_no_live_page_shows_is_sent_only_to_editors(self):
        url = self.document.url
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.w.users["facilitator_a"])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.client.force_login(self.w.users["editor"])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(b"".join(response.streaming_content), b"%PDF-1.4 guide")
