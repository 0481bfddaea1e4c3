"""Uploading a recording in the admin: identified from its content, refused with a clear error when not audio."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from facilitation.factories import tone_wav
from facilitation.models import Recording

from ..facilitation.world import build_world


class AdminUploadTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def post(self, name: str, content: bytes):
        self.client.force_login(self.w.users["facilitator_a"])
        return self.client.post(
            "/admin/snippets/facilitation/recording/add/",
            {
                "family": self.w.elder_a.family_id,
                "speakers": [self.w.elder_a.pk],
                "source": "session",
                "language": "kk",
                "title": "",
                "file": SimpleUploadedFile(name, content),
            },
        )

    def test_real_audio_is_stored_with_what_it_really_is(self):
        response = self.post("interview.m4a", tone_wav(2.0))  # a WAV under an m4a name
        self.assertEqual(response.status_code, 302)
        recording = Recording.objects.latest("created_at")
        self.assertEqual(recording.original_format, "wav")
        self.assertAlmostEqual(recording.duration_seconds, 2.0, places=1)
        self.assertEqual(len(recording.checksum), 64)
        self.assertTrue(recording.file.name.endswith(".wav"))
        self.assertNotIn("interview", recording.file.name)

    def test_not_audio_is_refused_and_nothing_is_stored(self):
        before = Recording.objects.count()
        response = self.post("interview.mp3", Path("/bin/ls").read_bytes()[:100_000])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "error-message")
        self.assertEqual(Recording.objects.count(), before)
