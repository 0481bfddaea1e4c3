"""The families' flow from the server's side: each step, each bad input (an error, and nothing stored), withdrawal."""

import io
import os
import re
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase, override_settings
from django.utils import timezone, translation
from PIL import Image

from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.families.invitations import create_invitation
from facilitation.models import ConsentRecord, Invitation, Recording, Submission, SubmissionPhoto
from media_tools.models import TranscriptionJob

from .world import build_world

CONSENT_ALL = ["record_audio", "transcribe", "archive", "publish_text", "evaluation"]


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (64, 48), "orange")
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (43.0, 15.0, 0.0), 3: "E", 4: (76.0, 57.0, 0.0)}  # GPS: Almaty
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def drafts() -> list[str]:
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / "drafts"
    return sorted(os.listdir(folder)) if folder.exists() else []


class FamilyFlowTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        ConsentFormVersionFactory()

    def setUp(self):
        self.enterContext(translation.override("kk"))
        self.invitation, self.token, self.code = create_invitation(self.w.elder_a.family, language="kk")
        self.base = f"/kk/share/{self.token}/"

    def go_to_story(self):
        response = self.client.post(
            self.base,
            {"existing": [str(self.w.elder_a.pk)], "new_1_role": "child", "new_1_name": "Айша", "new_1_age": "10-13"},
        )
        self.assertRedirects(response, self.base + "story/")

    def post_story(self, audio: bytes, name="story.m4a", **extra):
        return self.client.post(
            self.base + "story/",
            {
                "audio": SimpleUploadedFile(name, audio),
                "title": "Көктем",
                "language": "kk",
                **extra,
            },
        )

    def consent_data(self, **overrides):
        people = [f"p{self.w.elder_a.pk}", "n0"]
        data = {}
        for key in people:
            for scope in CONSENT_ALL:
                data[f"{key}-{scope}"] = "on"
            data[f"{key}-publish_languages"] = ["kk", "ru"]
        data["n0-guardian_relation"] = "әжесі"
        data["n0-child_assent"] = "yes"
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    def test_the_whole_flow_in_kazakh(self):
        self.assertContains(self.client.get(self.base), '<html lang="kk">')
        self.go_to_story()
        photo = SimpleUploadedFile("photo.jpg", jpeg_with_gps(), content_type="image/jpeg")
        response = self.post_story(tone_wav(2.0), name="әңгіме.wav", photos=photo)
        self.assertRedirects(response, self.base + "consent/")
        page = self.client.get(self.base + "consent/").content.decode()
        self.assertNotIn("checked", page)  # nothing pre-ticked
        response = self.client.post(self.base + "consent/", self.consent_data(), follow=True)
        html = response.content.decode()
        submission = Submission.objects.get()
        self.assertIn(submission.reference, html)
        self.assertEqual(submission.family, self.w.elder_a.family)
        recording = Recording.objects.get(submission=submission)
        self.assertEqual(recording.source, "family")
        self.assertEqual(set(recording.speakers.all()), set(submission.participants.all()))
        self.assertEqual(recording.original_format, "wav")
        child = submission.participants.get(role="child")
        self.assertEqual(child.real_name, "Айша")
        record = child.consent_records.get()
        self.assertEqual((record.given_by, record.child_assent, record.guardian_relation), ("guardian", "yes", "әжесі"))
        self.assertFalse(record.publish_audio)
        self.assertEqual(record.form_language, "kk")
        # Photos are re-encoded without EXIF or GPS.
        photo = SubmissionPhoto.objects.get()
        with Image.open(photo.image.path) as stored:
            self.assertEqual(dict(stored.getexif()), {})
        # Everyone heard consented to transcription, but nothing is transcribed before a facilitator accepts it.
        self.assertFalse(TranscriptionJob.objects.filter(recording=recording).exists())
        # The invitation is used up: the link now gives the neutral page, like an unknown one.
        used = self.client.get(self.base)
        unknown = self.client.get("/kk/share/not-a-real-token/")
        self.assertEqual((used.status_code, unknown.status_code), (404, 404))
        self.assertEqual(used.content, unknown.content)

    def test_transcription_waits_when_the_child_says_no(self):
        self.go_to_story()
        self.post_story(tone_wav(2.0), name="a.wav")
        self.client.post(self.base + "consent/", self.consent_data(**{"n0-child_assent": "no"}))
        self.assertEqual(Submission.objects.count(), 1)
        self.assertFalse(TranscriptionJob.objects.exists())

    def test_short_code_opens_the_same_flow(self):
        response = self.client.post("/kk/share/", {"code": self.code.lower()})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get(response["Location"]).status_code, 200)

    def test_expired_invitation_gives_the_neutral_page(self):
        Invitation.objects.filter(pk=self.invitation.pk).update(expires_at=timezone.now())
        response = self.client.get(self.base)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.content, self.client.get("/kk/share/unknown/").content)

    def test_wrong_type_under_a_right_name_is_refused_and_nothing_kept(self):
        self.go_to_story()
        before = drafts()
        executable = Path("/bin/ls").read_bytes()[:200_000]
        for name, content in (("story.m4a", executable), ("story.mp3", b"ID3" + b"\x00" * 5000), ("story.wav", b"")):
            response = self.post_story(content, name=name)
            self.assertEqual(response.status_code, 200, name)
            self.assertContains(response, "error-summary")
        self.assertEqual(drafts(), before)
        self.assertContains(self.post_story(b"PK\x03\x04" + b"\x00" * 100, name="story.ogg"), "story.ogg")

    @override_settings(AUDIO_MAX_BYTES=20_000)
    def test_oversized_audio_is_refused_with_the_limit(self):
        self.go_to_story()
        before = drafts()
        response = self.post_story(tone_wav(2.0))  # 64 kB
        self.assertContains(response, "error-summary")
        self.assertEqual(drafts(), before)

    def test_corrupt_and_bomb_images_are_refused(self):
        self.go_to_story()
        bomb = io.BytesIO()
        Image.new("1", (12000, 12000)).save(bomb, "PNG")  # tiny file, 144 megapixels
        for name, content in (("a.jpg", b"\xff\xd8\xff\xe0 not really a jpeg"), ("bomb.png", bomb.getvalue())):
            response = self.post_story(
                tone_wav(1.0), name="ok.wav", photos=SimpleUploadedFile(name, content, content_type="image/png")
            )
            self.assertContains(response, name)
        self.assertFalse(SubmissionPhoto.objects.exists())

    def test_missing_consent_keeps_the_form_and_stores_nothing(self):
        self.go_to_story()
        self.post_story(tone_wav(1.0), name="a.wav")
        data = self.consent_data(**{f"p{self.w.elder_a.pk}-record_audio": None, "n0-child_assent": None})
        response = self.client.post(self.base + "consent/", data)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "error-summary")
        self.assertEqual(Submission.objects.count(), 0)
        self.assertEqual(ConsentRecord.objects.filter(note__startswith="family").count(), 0)
        self.assertEqual(Recording.objects.filter(source="family").count(), 0)

    def test_a_replayed_invitation_cannot_submit_twice(self):
        self.go_to_story()
        self.post_story(tone_wav(1.0), name="a.wav")
        self.client.post(self.base + "consent/", self.consent_data())
        replay = self.client.post(self.base + "consent/", self.consent_data())
        self.assertEqual(replay.status_code, 404)
        self.assertEqual(Submission.objects.count(), 1)

    @override_settings(SUBMISSION_RATE_PER_HOUR=3)
    def test_rate_limited_per_invitation(self):
        cache.clear()
        codes = [self.client.get(self.base).status_code for _ in range(5)]
        self.assertEqual(codes[:3], [200, 200, 200])
        self.assertEqual(codes[-1], 429)
        cache.clear()

    def test_family_withdraws_everything_with_the_receipt(self):
        self.go_to_story()
        self.post_story(tone_wav(1.0), name="a.wav")
        shown = self.client.post(self.base + "consent/", self.consent_data()).content.decode()
        receipt = {  # read off the receipt page, as the family does (it is stored nowhere)
            "reference": re.search(r"data-reference>([^<]+)<", shown).group(1),
            "withdrawal_key": re.search(r"data-key>([^<]+)<", shown).group(1),
        }
        recording = Recording.objects.get(source="family")
        wrong = self.client.post(
            "/kk/withdraw/", {"reference": receipt["reference"], "key": "WRONG-KEY", "everything": "all"}
        )
        self.assertContains(wrong, "error-summary")
        self.assertTrue(Recording.objects.get(pk=recording.pk).file)
        done = self.client.post(
            "/kk/withdraw/", {"reference": receipt["reference"], "key": receipt["withdrawal_key"], "everything": "all"}
        )
        self.assertContains(done, receipt["reference"])
        recording.refresh_from_db()
        self.assertFalse(recording.file)
        for participant in Submission.objects.get().participants.all():
            self.assertEqual(participant.consent_records.first().kind, "withdrawal")

    def test_facilitator_of_the_site_sees_the_submission(self):
        self.go_to_story()
        self.post_story(tone_wav(1.0), name="a.wav")
        self.client.post(self.base + "consent/", self.consent_data())
        reference = Submission.objects.get().reference
        self.client.force_login(self.w.users["facilitator_a"])
        self.assertContains(self.client.get("/admin/snippets/facilitation/submission/"), reference)
        self.client.force_login(self.w.users["facilitator_b"])
        self.assertNotContains(self.client.get("/admin/snippets/facilitation/submission/"), reference)
