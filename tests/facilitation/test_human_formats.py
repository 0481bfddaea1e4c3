"""Human formats on staff screens (issue 11 part C): 24-hour dates in kk/ru/en, durations as m:ss, yes/no words,
progress as a percentage, engine and language names; codes and keys typed with spaces or in lower case work."""

import datetime
import re

from django.test import SimpleTestCase, TestCase
from django.utils import timezone, translation
from django.utils.formats import date_format
from wagtail.users.models import UserProfile

from facilitation import formats
from facilitation.models.submissions import digest
from media_tools.models import TranscriptionJob

from .world import build_world


class FormatTests(SimpleTestCase):
    def test_dates_are_24_hour_in_every_language(self):
        moment = datetime.datetime(2026, 11, 25, 21, 5)
        for language in ("kk", "ru", "en"):
            with translation.override(language), self.subTest(language=language):
                for name in ("DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"):
                    text = date_format(moment, name)
                    self.assertIn("21:05", text)
                    self.assertNotRegex(text, r"p\.m\.|PM|9:05")

    def test_small_formats(self):
        self.assertEqual(formats.duration(15.108), "0:15")
        self.assertEqual(formats.duration(754), "12:34")
        self.assertEqual(formats.duration(3725), "1:02:05")
        self.assertEqual(formats.percent(1.0), "100\xa0%")
        self.assertEqual(formats.engine_name("faster"), "faster-whisper")
        with translation.override("en"):
            self.assertEqual(formats.yes_no(True), "Yes")
            self.assertEqual(formats.yes_no(False), "No")
            self.assertEqual(formats.language_name("kk"), "Kazakh")
        with translation.override("ru"):
            self.assertEqual(formats.yes_no(True), "Да")
        with translation.override("kk"):
            self.assertEqual(formats.yes_no(False), "Жоқ")

    def test_codes_typed_any_way(self):
        self.assertEqual(digest("abcd efgh"), digest("ABCD-EFGH"))
        self.assertEqual(digest(" ABCD – EFGH "), digest("ABCDEFGH"))
        self.assertEqual(digest("АВСD-ЕFGН"), digest("ABCD-EFGH"))  # typed on a Cyrillic layout
        self.assertEqual(formats.grouped_code("sbg abcd efgh", "SBG"), "SBG-ABCD-EFGH")
        self.assertEqual(formats.participant_code("akt 014 c1"), "AKT-014-C1")
        self.assertEqual(formats.participant_code("akt-014-c1"), "AKT-014-C1")


class AdminScreensTests(TestCase):
    """What the facilitator reads in the lists: no True/False, no 15.108, no 12-hour US dates."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.w.recording_a.duration_seconds = 15.108
        cls.w.recording_a.save()

    def setUp(self):
        self.client.force_login(self.w.users["facilitator_a"])

    def test_recordings_list(self):
        html = self.client.get("/admin/snippets/facilitation/recording/").content.decode()
        self.assertNotIn("15.108", html)
        self.assertIn("0:15", html)
        self.assertNotRegex(html, r"\b(a\.m\.|p\.m\.)")
        self.assertIn("Kazakh", html)

    def test_sessions_list(self):
        html = self.client.get("/admin/snippets/facilitation/storysession/").content.decode()
        cells = re.findall(r"<td[^>]*>\s*(True|False)\s*</td>", html)
        self.assertEqual(cells, [])
        self.assertIn("Yes", html)  # safeguarding concern of session A

    def test_kk_and_ru_dates(self):
        profile = UserProfile.get_for_user(self.w.users["facilitator_a"])
        local = timezone.localtime(self.w.recording_a.created_at)
        for language in ("kk", "ru"):
            profile.preferred_language = language
            profile.save()
            html = self.client.get("/admin/snippets/facilitation/recording/").content.decode()
            with self.subTest(language=language):
                self.assertIn(local.strftime("%d.%m.%Y %H:%M"), html)
        profile.preferred_language = "en"
        profile.save()

    def test_custom_screens_have_a_heading(self):
        job = TranscriptionJob.objects.create(recording=self.w.recording_a, status="done", progress=1.0)
        for url in (
            f"/admin/consent/withdraw/{self.w.elder_a.pk}/",
            "/admin/invitations/new/",
            f"/admin/transcription/jobs/{job.pk}/",
            f"/admin/transcription/start/{self.w.recording_a.pk}/",
        ):
            response = self.client.get(url)
            with self.subTest(url=url):
                self.assertEqual(response.status_code, 200)
                self.assertRegex(response.content.decode(), r'<h1 class="w-header__title"[^>]*>\s*\S')
        # another site's screens stay 404 (nothing to head)
        self.assertEqual(self.client.get(f"/admin/consent/withdraw/{self.w.elder_b.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/admin/transcription/start/{self.w.recording_b.pk}/").status_code, 404)
