"""Review of the resumable uploads (tus) and the families' story step: each test shows a defect found in review.

- A recording the family removes after it reached their draft must not be submitted anyway.
- One invitation link cannot be used to reserve disk without end by opening new browser sessions.
- A file posted with the form (the phone could not keep it) must not push out a recording still being sent: the
  page said "Sent" for it, and it would be dropped silently when it arrived.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import translation

from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.families.invitations import create_invitation
from facilitation.families.uploads import partial_root
from facilitation.models import DraftUpload

from .world import build_world

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
CONSENT_ALL = ["record_audio", "transcribe", "archive", "publish_text", "evaluation"]


def drafts() -> list[str]:
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / "drafts"
    return sorted(os.listdir(folder)) if folder.exists() else []


class UploadReviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        ConsentFormVersionFactory()

    def setUp(self):
        shutil.rmtree(partial_root(), ignore_errors=True)
        shutil.rmtree(Path(settings.PRIVATE_STORAGE_ROOT) / "drafts", ignore_errors=True)
        self.enterContext(translation.override("kk"))
        self.invitation, self.token, _code = create_invitation(self.w.elder_a.family, language="kk")
        self.base = f"/kk/share/{self.token}/"
        self.client.post(self.base, {"existing": [str(self.w.elder_a.pk)]})

    def browser(self):
        """Another browser session that opened the same link and reached the story step."""
        client = self.client_class()
        client.post(self.base, {"existing": [str(self.w.elder_a.pk)]})
        return client

    def create(self, length: int, client=None):
        return (client or self.client).post(f"{self.base}uploads/", HTTP_UPLOAD_LENGTH=str(length), **TUS)

    def patch(self, url: str, data: bytes, offset: int, client=None):
        return (client or self.client).generic(
            "PATCH",
            url,
            data=data,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET=str(offset),
            **TUS,
        )

    def send_whole(self, data: bytes):
        created = self.create(len(data))
        self.assertEqual(created.status_code, 201)
        url = urlsplit(created["Location"]).path
        return url, self.patch(url, data, 0)

    def test_a_recording_removed_after_it_joined_the_draft_is_not_submitted(self):
        # The last piece's answer was lost, the page was reloaded (the story step took the file into the draft) and
        # the phone still lists it with "Remove": the family removes it.
        url, response = self.send_whole(tone_wav(2.0))
        self.assertEqual(response["Upload-State"], "accepted")
        self.client.get(self.base + "story/")
        self.assertEqual(len(self.client.session["sbg_family_draft"]["audio"]), 1)
        self.assertEqual(self.client.delete(url, **TUS).status_code, 204)
        # It is gone from the draft and from the server's disk: the consent step has nothing to turn into a recording.
        self.assertEqual(self.client.session["sbg_family_draft"]["audio"], [])
        self.assertEqual(drafts(), [])
        self.assertRedirects(self.client.get(self.base + "consent/"), self.base + "story/")

    @override_settings(SUBMISSION_MAX_FILES=2)
    def test_one_link_cannot_reserve_disk_without_end_through_new_sessions(self):
        # One session sends a recording and the story step takes it into that session's draft: it still counts.
        self.send_whole(tone_wav(1.0))
        self.client.get(self.base + "story/")
        self.assertTrue(DraftUpload.objects.get().in_draft)
        created = 1
        for _attempt in range(6):
            other = self.browser()
            for _file in range(2):
                if self.create(1_000_000, client=other).status_code == 201:
                    created += 1
        # However many browsers open the link, the uploads in flight for one invitation stay bounded (two phones
        # of one family still have room).
        self.assertLessEqual(DraftUpload.objects.filter(invitation=self.invitation).count(), 4)
        self.assertEqual(created, DraftUpload.objects.count())

    @override_settings(SUBMISSION_MAX_FILES=1)
    def test_a_file_posted_with_the_form_does_not_push_out_a_recording_being_sent(self):
        audio = tone_wav(2.0)
        url = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(url, audio[:4000], 0)
        posted = SimpleUploadedFile("b.wav", tone_wav(1.0), content_type="audio/wav")
        response = self.client.post(self.base + "story/", {"language": "kk", "audio": posted})
        self.assertEqual(response.status_code, 200)
        # The recording being sent arrives; the page tells the family "Sent".
        done = self.patch(url, audio[4000:], 4000)
        self.assertEqual(done["Upload-State"], "accepted")
        self.client.get(self.base + "story/")
        # What the page called "Sent" is in the draft (the extra file posted with the form was refused, with a reason).
        draft = self.client.session["sbg_family_draft"]
        self.assertEqual([item["size"] for item in draft["audio"]], [len(audio)])
        self.assertContains(response, translation.gettext("You can send at most %(n)s recordings.") % {"n": 1})

    @override_settings(SUBMISSION_RATE_PER_HOUR=5)
    def test_guessing_links_through_the_upload_address_is_limited_like_the_pages(self):
        # A browser with a session (from any invitation) asks the upload address of made-up short codes: a known
        # code answers differently (OPTIONS 204) from an unknown one (404), so it must not be a faster way to guess
        # than the pages (SUBMISSION_RATE_PER_HOUR per address).
        answers = [self.client.options(f"/kk/share/ABCD{n:04d}/uploads/", **TUS).status_code for n in range(8)]
        self.assertEqual(answers[:4], [404] * 4)
        self.assertIn(429, answers)

    def test_a_draft_file_purged_after_two_days_sends_the_family_back_instead_of_an_error(self):
        url, _response = self.send_whole(tone_wav(2.0))
        self.assertRedirects(self.client.post(self.base + "story/", {"language": "kk"}), self.base + "consent/")
        # The family comes back three days later (the session lasts weeks): the purge of abandoned drafts took the file.
        for name in drafts():
            path = Path(settings.PRIVATE_STORAGE_ROOT) / "drafts" / name
            os.utime(path, (path.stat().st_mtime - 72 * 3600,) * 2)
        call_command("purge_submission_drafts", verbosity=0)
        self.assertEqual(drafts(), [])
        data = {f"p{self.w.elder_a.pk}-{scope}": "on" for scope in CONSENT_ALL}
        data[f"p{self.w.elder_a.pk}-publish_languages"] = ["kk"]
        response = self.client.post(self.base + "consent/", data)  # before: FileNotFoundError (a server error)
        self.assertRedirects(response, self.base + "story/", fetch_redirect_response=False)
        self.assertEqual(self.client.session["sbg_family_draft"]["audio"], [])
        page = self.client.get(self.base + "story/")
        self.assertContains(page, translation.gettext("This upload is not available. Send the file again."))

    def test_two_pieces_at_once_never_interleave(self):
        """Not a defect: the lock the review relies on (a second PATCH while one is writing is refused, 423)."""
        audio = tone_wav(2.0)
        url = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(url, audio[:1000], 0)
        upload = DraftUpload.objects.get()
        with open(partial_root() / f"{upload.pk.hex}.part", "r+b") as busy:
            fcntl.flock(busy, fcntl.LOCK_EX)  # another request of the same upload is still writing
            self.assertEqual(self.patch(url, audio[1000:2000], 1000).status_code, 423)
        self.assertEqual(self.client.head(url, **TUS)["Upload-Offset"], "1000")
        self.assertEqual((partial_root() / f"{upload.pk.hex}.part").stat().st_size, 1000)
