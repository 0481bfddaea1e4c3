"""One reconciliation: the sweep catches expiries nobody requested; everything is decided on the current state."""

import datetime
from io import StringIO
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TestCase
from django.utils import timezone, translation
from wagtail.models import PageLogEntry

from facilitation.factories import ConsentRecordFactory, tone_wav
from facilitation.models import Participant
from facilitation.reconcile import batched
from facilitation.signals import consent_changed
from facilitation.tasks import sweep_consent
from facilitation.withdrawal import withdraw_consent
from media_tools.models import Transcript, TranscriptExport, TranscriptionJob

from ..stories.site_tree import build_site_tree
from .world import build_world


class SweepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.enterContext(translation.override("en"))
        self.w.recording_a.file.save("session.wav", ContentFile(tone_wav(0.5)))
        self.story = self.tree.story
        self.story.source_session = None
        self.story.source_recording = self.w.recording_a
        self.story.save_revision().publish()
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)
        self.job = TranscriptionJob.objects.create(recording=self.w.recording_a)
        transcript = Transcript.objects.create(recording=self.w.recording_a, engine="faster")
        self.export = TranscriptExport.objects.create(transcript=transcript, format="vtt")
        self.export.file.save("x.vtt", ContentFile(b"WEBVTT\n"))

    def test_nothing_comes_down_while_consent_holds(self):
        call_command("reconcile_consent", stdout=StringIO())
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)
        self.assertTrue(TranscriptExport.objects.exists())

    def test_an_18th_birthday_reached_with_no_request_is_caught_by_the_sweep(self):
        # Time passes: the child is now 18 (their consent was a guardian's; their own is needed).
        Participant.objects.filter(pk=self.w.child_a.pk).update(birth_year=timezone.localdate().year - 18)
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)  # nothing happened by itself: no request, no record
        export_path = Path(self.export.file.path)
        out = StringIO()
        call_command("reconcile_consent", stdout=out)
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)
        self.assertEqual(self.client.get("/kk/angimeler/koktemgi-ozen/").status_code, 404)
        entry = PageLogEntry.objects.get(page=self.story, action="sbg.consent_unpublish")
        self.assertIn(f"{self.w.child_a.code}: now an adult; their own consent is needed.", entry.data["reasons"])
        self.job.refresh_from_db()
        self.assertEqual(self.job.status, TranscriptionJob.Status.CANCELLED)
        self.assertFalse(Transcript.objects.exists())  # derived files go
        self.assertFalse(export_path.exists())
        # An expiry is not a "no": the original recording is kept (locked by the policy) until consent is asked again.
        self.w.recording_a.refresh_from_db()
        self.assertTrue(Path(self.w.recording_a.file.path).exists())
        self.assertIn("unpublished", out.getvalue())

    def test_a_review_date_passed_is_caught_by_the_celery_beat_task(self):
        ConsentRecordFactory(participant=self.w.elder_a, review_on=timezone.localdate())  # still valid today
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)
        # Tomorrow the review date has passed. Records are append-only, so the test moves the date back in SQL:
        # what tomorrow's sweep would see, with no request and no new record.
        latest = self.w.elder_a.consent_records.first()
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {latest._meta.db_table} SET review_on = %s WHERE id = %s",
                [timezone.localdate() - datetime.timedelta(days=1), latest.pk],
            )
        sweep_consent.apply()  # what celery beat runs
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)

    def test_a_narrowed_grant_without_transcription_stops_the_job_and_deletes_transcripts(self):
        export_path = Path(self.export.file.path)
        ConsentRecordFactory(participant=self.w.elder_a, transcribe=False)
        self.job.refresh_from_db()
        self.assertEqual(self.job.status, TranscriptionJob.Status.CANCELLED)
        self.assertFalse(Transcript.objects.exists())
        self.assertFalse(export_path.exists())
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)  # publishing the words is still consented

    def test_a_narrowed_grant_without_archive_deletes_the_recording(self):
        path = Path(self.w.recording_a.file.path)
        ConsentRecordFactory(participant=self.w.elder_a, archive=False)
        self.assertFalse(path.exists())
        self.client.force_login(self.w.users["facilitator_a"])
        self.assertEqual(self.client.get(f"/private/recordings/{self.w.recording_a.pk}/").status_code, 404)

    def test_withdrawing_archive_alone_stops_the_job_on_the_deleted_audio(self):
        """Transcribing needs no archive consent, but the audio it would read is gone: the job stops too."""
        withdraw_consent(self.w.elder_a, {"archive"}, given_by="participant")
        self.job.refresh_from_db()
        self.assertNotIn(self.job.status, TranscriptionJob.ACTIVE)


class BatchedTests(TestCase):
    """A family's submission writes many records: one reconciliation at the end, still before the commit."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        self.calls = []

        def count(sender, participants, **kwargs):
            self.calls.append(sorted(p.pk for p in participants or []))
            return []

        consent_changed.connect(count, dispatch_uid="test-count", weak=False)
        self.addCleanup(consent_changed.disconnect, dispatch_uid="test-count")

    def test_many_changes_reconcile_once_and_a_narrowing_still_takes_effect(self):
        story = self.tree.story
        story.source_session = None
        story.source_recording = self.w.recording_a
        story.save_revision().publish()
        story.refresh_from_db()
        self.assertTrue(story.live)
        self.calls.clear()
        with batched(reason="test"):
            ConsentRecordFactory(participant=self.w.elder_a, publish_text=False)
            ConsentRecordFactory(participant=self.w.child_a)
            self.w.recording_a.speakers.set([self.w.elder_a, self.w.child_a])
            story.refresh_from_db()
            self.assertTrue(story.live)  # not yet: the batch reconciles when it ends
        self.assertEqual(self.calls, [sorted([self.w.elder_a.pk, self.w.child_a.pk])])
        story.refresh_from_db()
        self.assertFalse(story.live)

    def test_a_batch_that_fails_reconciles_nothing(self):

        self.calls.clear()
        with self.assertRaises(RuntimeError), transaction.atomic(), batched():
            ConsentRecordFactory(participant=self.w.elder_a)
            raise RuntimeError("the form failed")
        self.assertEqual(self.calls, [])
        ConsentRecordFactory(participant=self.w.elder_a)  # outside a batch: at once, as before
        self.assertEqual(self.calls, [[self.w.elder_a.pk]])
