"""Retention purge from the outside: `manage.py purge_retention` on families who left long ago, recently, or never."""

import datetime
import os

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from facilitation.factories import RecordingFactory
from facilitation.models import AuditEvent, Invitation, Recording, Submission, SubmissionPhoto
from facilitation.policy import retention_passed
from facilitation.tasks import purge_retention
from media_tools.models import Segment, Transcript, TranscriptExport

from ..stories.site_tree import build_site_tree
from .world import build_world


@override_settings(RETENTION_AFTER_LEAVING_DAYS=365)
class RetentionPurgeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.tree = build_site_tree()

    def setUp(self):
        w = self.w
        self.family_a, self.family_b = w.elder_a.family, w.elder_b.family
        # Files on disk outlive the per-test rollback: each test gets its own.
        w.recording_a.file.save("a.wav", ContentFile(b"RIFF audio of family A"))
        w.recording_b.file.save("b.wav", ContentFile(b"RIFF audio of family B"))
        self.extra_a = RecordingFactory(family=self.family_a, speakers=[w.elder_a])
        transcript = Transcript.objects.create(recording=w.recording_a, engine="faster")
        Segment.objects.create(transcript=transcript, index=0, start=0, end=1, text="Өзен")
        self.export = TranscriptExport.objects.create(transcript=transcript, format="vtt")
        self.export.file.save("a.vtt", ContentFile(b"WEBVTT\n"))
        Transcript.objects.create(recording=w.recording_b, engine="faster")
        invitation = Invitation(family=self.family_a)
        invitation.issue_secrets()
        invitation.save()
        submission = Submission(invitation=invitation, family=self.family_a, language="kk")
        submission.issue_secrets()
        submission.save()
        submission.participants.set([w.elder_a])
        self.photo = SubmissionPhoto(submission=submission, width=1, height=1)
        self.photo.image.save("p.jpg", ContentFile(b"jpeg of family A"), save=False)
        self.photo.save()
        # A live story made from family A's recording; the site tree's other story (another family) stays live.
        self.story = self.tree.story
        self.story.source_recording = w.recording_a
        self.story.save_revision().publish()
        self.story_url = "/kk/angimeler/koktemgi-ozen/"
        self.other_story = self.tree.no_english_story
        # Then they leave (the story was published while they took part).
        today = timezone.localdate()
        self.family_a.left_on = today - datetime.timedelta(days=400)  # left long ago
        self.family_a.save()
        self.family_b.left_on = today - datetime.timedelta(days=30)  # left recently: everything stays
        self.family_b.save()
        self.assertEqual(self.client.get(self.story_url).status_code, 404)  # past retention: never shown
        self.assertTrue(retention_passed(self.family_a))
        self.assertFalse(retention_passed(self.family_b))

    def test_dry_run_changes_nothing(self):
        call_command("purge_retention", dry_run=True, verbosity=0)
        self.assertTrue(os.path.exists(self.w.recording_a.file.path))
        self.assertEqual(Recording.objects.filter(family=self.family_a).count(), 2)
        self.assertTrue(Transcript.objects.filter(recording=self.w.recording_a).exists())
        self.assertTrue(SubmissionPhoto.objects.filter(pk=self.photo.pk).exists())
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)
        self.assertFalse(AuditEvent.objects.filter(action="family.retention_purge").exists())

    def test_purge_deletes_their_material_and_takes_the_story_offline(self):
        paths = [self.w.recording_a.file.path, self.extra_a.file.path, self.export.file.path, self.photo.image.path]
        call_command("purge_retention", verbosity=0)
        for path in paths:
            self.assertFalse(os.path.exists(path), path)
        # The unreferenced recording row is gone; the one a story names is an empty tombstone.
        self.assertFalse(Recording.objects.filter(pk=self.extra_a.pk).exists())
        tombstone = Recording.objects.get(pk=self.w.recording_a.pk)
        self.assertEqual((tombstone.file.name, tombstone.title), ("", ""))
        self.assertEqual(tombstone.deletion_reason, "retention period passed")
        self.assertFalse(Transcript.objects.filter(recording=self.w.recording_a).exists())
        self.assertFalse(TranscriptExport.objects.exists())
        self.assertFalse(SubmissionPhoto.objects.filter(submission__family=self.family_a).exists())
        self.story.refresh_from_db()
        self.assertFalse(self.story.live)
        self.assertEqual(self.client.get(self.story_url).status_code, 404)
        # Audited: each recording and the family.
        events = AuditEvent.objects.filter(action="family.retention_purge")
        self.assertEqual(
            set(events.values_list("target_type", "target_id")),
            {
                ("facilitation.recording", str(self.w.recording_a.pk)),
                ("facilitation.recording", str(self.extra_a.pk)),
                ("facilitation.family", str(self.family_a.pk)),
            },
        )
        self.assertTrue(AuditEvent.objects.filter(action="photo.delete").exists())
        # Consent records stay: they prove what was agreed.
        self.assertTrue(self.w.elder_a.consent_records.exists())

        # Who left recently or never left keeps everything; the other family's story stays live.
        self.assertTrue(os.path.exists(self.w.recording_b.file.path))
        self.assertTrue(Transcript.objects.filter(recording=self.w.recording_b).exists())
        self.other_story.refresh_from_db()
        self.assertTrue(self.other_story.live)

        # Idempotent: a second run finds nothing more to do and audits nothing more.
        count = AuditEvent.objects.count()
        call_command("purge_retention", verbosity=0)
        self.assertEqual(AuditEvent.objects.count(), count)

    @override_settings(RETENTION_AFTER_LEAVING_DAYS=500)
    def test_a_longer_retention_period_keeps_everything(self):
        call_command("purge_retention", verbosity=0)
        self.assertTrue(os.path.exists(self.w.recording_a.file.path))
        self.assertTrue(SubmissionPhoto.objects.filter(pk=self.photo.pk).exists())
        self.story.refresh_from_db()
        self.assertTrue(self.story.live)

    def test_daily_task_runs_the_purge(self):

        entry = [e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "facilitation.tasks.purge_retention"]
        self.assertEqual(entry[0]["schedule"], 24 * 60 * 60)
        purge_retention()
        self.assertFalse(Recording.objects.filter(pk=self.extra_a.pk).exists())


class LeftOnAdminTests(TestCase):
    """Staff record the leaving date on the family's edit screen; another site's facilitator cannot."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def edit(self, user: str, family, left_on: str):
        self.client.force_login(self.w.users[user])
        url = f"/admin/snippets/facilitation/family/edit/{family.pk}/"
        data = {"site": family.site_id, "preferred_language": "kk", "left_on": left_on}
        return self.client.get(url), self.client.post(url, data)

    def test_facilitator_of_the_site_sets_the_date(self):
        family = self.w.elder_a.family
        shown, saved = self.edit("facilitator_a", family, "2025-03-01")
        self.assertContains(shown, 'name="left_on"')
        self.assertEqual(saved.status_code, 302)
        family.refresh_from_db()
        self.assertEqual(family.left_on, datetime.date(2025, 3, 1))

    def test_another_sites_facilitator_gets_404_and_nothing_changes(self):
        family = self.w.elder_a.family
        shown, saved = self.edit("facilitator_b", family, "2020-01-01")
        self.assertEqual((shown.status_code, saved.status_code), (404, 404))
        family.refresh_from_db()
        self.assertIsNone(family.left_on)
