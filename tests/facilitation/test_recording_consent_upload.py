"""Issue 9 item 4: a recording listing someone without consent to record audio is refused and nothing is stored."""

from pathlib import Path

from django.conf import settings
from django.test import TestCase

from facilitation.factories import ChildFactory, ConsentRecordFactory, ParticipantFactory, tone_wav
from facilitation.models import ConsentRecord, Recording

from .test_scope_writes import ADD, recording_post
from .world import build_world


def stored_files() -> set[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT)
    return {path for path in root.rglob("*") if path.is_file()} if root.exists() else set()


class RecordingConsentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        family = cls.w.elder_a.family
        cls.child_no = ChildFactory(family=family)
        ConsentRecordFactory(participant=cls.child_no, child_assent=ConsentRecord.Assent.NO)
        cls.elder_withdrawn = ParticipantFactory(family=family)
        ConsentRecordFactory(participant=cls.elder_withdrawn)
        ConsentRecordFactory(
            participant=cls.elder_withdrawn,
            kind=ConsentRecord.Kind.WITHDRAWAL,
            **{field: False for field in ("record_audio", "transcribe", "archive", "publish_text", "publish_audio")},
            publish_photos=False,
            evaluation=False,
        )
        cls.nobody_asked = ParticipantFactory(family=family)

    def setUp(self):
        self.client.force_login(self.w.users["facilitator_a"])

    def refused(self, speakers, codes):
        rows, files = Recording.objects.count(), stored_files()
        response = self.client.post(
            ADD.format(model="recording"), recording_post(self.w.elder_a.family, speakers, content=tone_wav(1.5))
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This recording cannot be stored")
        for code in codes:
            self.assertContains(response, code)
        self.assertEqual(Recording.objects.count(), rows, "no row")
        self.assertEqual(stored_files(), files, "no file in the private storage")

    def test_a_child_who_said_no(self):
        self.refused([self.w.elder_a, self.child_no], [self.child_no.code])

    def test_a_withdrawn_elder(self):
        self.refused([self.elder_withdrawn], [self.elder_withdrawn.code])

    def test_someone_never_asked(self):
        self.refused([self.w.child_a, self.nobody_asked], [self.nobody_asked.code])

    def test_everyone_consents_then_it_is_stored(self):
        files = stored_files()
        response = self.client.post(
            ADD.format(model="recording"), recording_post(self.w.elder_a.family, [self.w.elder_a, self.w.child_a])
        )
        self.assertEqual(response.status_code, 302)
        recording = Recording.objects.latest("created_at")
        self.assertEqual(set(recording.speakers.all()), {self.w.elder_a, self.w.child_a})
        self.assertEqual(len(stored_files() - files), 1)

    def test_adding_someone_without_consent_on_edit_is_refused(self):
        recording = self.w.recording_a
        url = f"/admin/snippets/facilitation/recording/edit/{recording.pk}/"
        data = recording_post(self.w.elder_a.family, [self.w.elder_a, self.child_no])
        del data["file"]
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.child_no.code)
        self.assertEqual(set(recording.speakers.all()), {self.w.elder_a, self.w.child_a})
