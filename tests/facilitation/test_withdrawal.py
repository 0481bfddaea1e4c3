"""End to end: a published story with audio, a queued job, an exported file; the family withdraws; all goes."""

import io
import os
import tempfile
from pathlib import Path

import av
from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import translation
from wagtail.models import PageLogEntry
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from facilitation.factories import ConsentRecordFactory, tone_wav
from facilitation.models import AuditEvent, ConsentRecord
from facilitation.withdrawal import withdraw_consent
from media_tools.models import Transcript, TranscriptExport, TranscriptionJob
from stories.models import StoryContribution
from tests.media_tools.audio_factory import tone, write_audio

from ..stories.site_tree import build_site_tree
from .world import build_world


class WithdrawalTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.enterContext(translation.override("en"))  # reports are read in English here
        # Files on disk outlive the per-test database rollback: give each test its own audio file.
        self.w.recording_a.file.save("session.wav", ContentFile(tone_wav(1.0)))
        self.story = self.tree.story
        self.story.audio = self.w.recording_a
        self.story.contributions.add(
            StoryContribution(participant=self.w.child_a, uses_words=True, uses_audio=True),
            StoryContribution(participant=self.w.elder_a, uses_words=True),
        )
        self.story.save_revision().publish()
        self.job = TranscriptionJob.objects.create(recording=self.w.recording_a)
        transcript = Transcript.objects.create(recording=self.w.recording_a, engine="faster")
        self.export = TranscriptExport.objects.create(transcript=transcript, format="vtt")
        self.export.file.save("x.vtt", ContentFile("WEBVTT\n\n00:00.000 --> 00:01.000\nСәлем\n".encode()))
        self.story_url = "/kk/angimeler/koktemgi-ozen/"
        self.audio_url = f"/audio/story/{self.story.pk}/"
        self.file_url = f"/private/recordings/{self.w.recording_a.pk}/"

    def test_everything_is_up_before_withdrawal(self):
        self.assertEqual(self.client.get(self.story_url).status_code, 200)
        self.assertContains(self.client.get(self.story_url), self.audio_url)
        self.assertEqual(self.client.get(self.audio_url).status_code, 200)
        self.client.force_login(self.w.users["facilitator_a"])
        self.assertEqual(self.client.get(self.file_url).status_code, 200)

    def test_withdrawal_takes_everything_down_at_once_and_says_so(self):
        export_path = self.export.file.path
        recording_path = self.w.recording_a.file.path
        report = withdraw_consent(
            self.w.child_a, None, given_by=ConsentRecord.GivenBy.GUARDIAN, actor=self.w.users["facilitator_a"]
        )
        # The page is offline at once, and its audio URL and the private file URL are 404.
        self.assertEqual(self.client.get(self.story_url).status_code, 404)
        self.assertEqual(self.client.get(self.audio_url).status_code, 404)
        self.client.force_login(self.w.users["facilitator_a"])
        self.assertEqual(self.client.get(self.file_url).status_code, 404)
        # The job is cancelled; exports, transcripts and the recording's audio are deleted from disk.
        self.job.refresh_from_db()
        self.assertEqual(self.job.status, TranscriptionJob.Status.CANCELLED)
        self.assertFalse(TranscriptExport.objects.exists())
        self.assertFalse(Transcript.objects.exists())

        self.assertFalse(os.path.exists(export_path))
        self.assertFalse(os.path.exists(recording_path))
        # The consent records are kept: they prove what was agreed, and when it was withdrawn.
        self.assertEqual(
            list(self.w.child_a.consent_records.values_list("kind", flat=True)),
            [ConsentRecord.Kind.WITHDRAWAL, ConsentRecord.Kind.GRANT],
        )
        # The report and the audit log show each step.
        text = " ".join(report.actions)
        for expected in (
            "unpublished",
            f"#{self.job.pk} cancelled",
            "Exported file",
            f"Recording #{self.w.recording_a.pk} deleted",
        ):
            self.assertIn(expected, text)
        actions = set(AuditEvent.objects.values_list("action", flat=True))
        self.assertLessEqual(
            {"consent.withdraw", "transcription.cancel", "transcript_export.delete", "recording.delete"}, actions
        )
        self.assertTrue(PageLogEntry.objects.filter(page=self.story, action="sbg.consent_unpublish").exists())
        refused = AuditEvent.objects.filter(
            action="recording.stream", allowed=False, actor=self.w.users["facilitator_a"]
        )
        self.assertTrue(refused.exists())

    def test_withdrawing_only_publication_in_english_keeps_the_archive(self):
        withdraw_consent(self.w.child_a, {"publish_audio"}, given_by=ConsentRecord.GivenBy.GUARDIAN)
        self.assertEqual(self.client.get(self.story_url).status_code, 404)  # the page relied on the child's voice
        self.client.force_login(self.w.users["facilitator_a"])
        self.assertEqual(self.client.get(self.file_url).status_code, 200)  # the archive copy stays
        self.assertTrue(TranscriptExport.objects.exists())
        self.job.refresh_from_db()
        self.assertEqual(self.job.status, TranscriptionJob.Status.QUEUED)

    def test_recordings_stream_with_range_and_nosniff(self):
        self.client.force_login(self.w.users["facilitator_a"])
        response = self.client.get(self.file_url, HTTP_RANGE="bytes=0-99")
        self.assertEqual(response.status_code, 206)
        body = b"".join(response.streaming_content)
        self.assertEqual(len(body), 100)
        self.assertTrue(body.startswith(b"RIFF"))
        self.assertEqual(response["Content-Range"], f"bytes 0-99/{self.w.recording_a.file.size}")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertIn("no-store", response["Cache-Control"])


class PublicationRuleTests(TestCase):
    def setUp(self):
        super().setUp()
        self.enterContext(translation.override("en"))  # reasons and reports are read in English here

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def test_story_cannot_go_live_in_a_language_the_family_did_not_allow(self):
        ConsentRecordFactory(participant=self.w.elder_a, publish_languages=["kk", "ru"])  # not English
        story = self.tree.story
        story.contributions.add(StoryContribution(participant=self.w.elder_a, uses_words=True))
        story.save_revision().publish()  # published from code: the safety net takes it down
        story.refresh_from_db()
        self.assertFalse(story.live)
        self.assertEqual(self.client.get("/kk/angimeler/koktemgi-ozen/").status_code, 404)

    def test_editor_is_told_why_publishing_is_refused(self):
        ConsentRecordFactory(participant=self.w.elder_a, publish_text=False)
        story = self.tree.story
        story.unpublish()
        self.client.force_login(self.w.users["editor"])
        edit_url = f"/admin/pages/{story.pk}/edit/"
        body = streamfield([("paragraph", rich_text("<p>Text</p>"))])
        data = nested_form_data(
            {
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
                "contributions": inline_formset([{"participant": self.w.elder_a.pk, "uses_words": "on"}]),
                "action-publish": "action-publish",
            }
        )
        response = self.client.post(edit_url, data, follow=True)
        story.refresh_from_db()
        self.assertFalse(story.live)
        self.assertContains(response, "cannot be published")


class PublishedAudioTests(TestCase):
    """What the public hears is a copy without the phone's tags; the archive keeps the original."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def test_published_audio_has_no_metadata_and_goes_with_withdrawal(self):

        with tempfile.TemporaryDirectory() as tmp:
            tagged = write_audio(
                Path(tmp) / "phone.m4a",
                tone(2.0, 16000),
                fmt="m4a_aac",
                metadata={"title": "Айшаның әңгімесі", "location": "+43.2567+076.9286/"},
            )
            self.w.recording_a.file.save("phone.m4a", ContentFile(tagged.read_bytes()))
        story = self.tree.story
        story.audio = self.w.recording_a
        story.contributions.add(StoryContribution(participant=self.w.child_a, uses_audio=True))
        story.save_revision().publish()
        body = b"".join(self.client.get(f"/audio/story/{story.pk}/").streaming_content)
        self.assertNotIn("Айшаның".encode(), body)
        self.assertNotIn(b"+43.2567", body)
        with av.open(io.BytesIO(body)) as container:
            self.assertGreater(container.duration / 1_000_000, 1.5)
            self.assertNotIn("title", container.metadata)
        with self.w.recording_a.file.open("rb") as original:
            self.assertIn("Айшаның".encode(), original.read())  # the archive copy is untouched
        copy_path = Path(self.w.recording_a.file.storage.path(self.w.recording_a.published_copy_name()))
        self.assertTrue(copy_path.exists())
        withdraw_consent(self.w.child_a, {"publish_audio", "archive"}, given_by=ConsentRecord.GivenBy.GUARDIAN)
        self.assertFalse(copy_path.exists())
        self.assertEqual(self.client.get(f"/audio/story/{story.pk}/").status_code, 404)
