"""Review of the issue-14 restructure (policy.scope, ProgrammePermissionPolicy, recording_added, published audio):
by URL, with real roles, what the old code refused must still be refused, and what it did must still happen."""

import os
import subprocess
import tempfile
from pathlib import Path

from django.test import SimpleTestCase, TestCase

from config.entrypoints import settings_module_from_dotenv
from facilitation.factories import ConsentRecordFactory, ParticipantFactory
from facilitation.models import Recording, StorySession
from facilitation.roles import FACILITATOR, SAFEGUARDING, ensure_role_groups
from media_tools.models import TranscriptionJob
from tests.facilitation.test_scope_writes import recording_post
from tests.facilitation.world import build_world

ROOT = Path(__file__).resolve().parent.parent
SESSIONS = "/admin/snippets/facilitation/storysession/"
RECORDINGS = "/admin/snippets/facilitation/recording/"


class DualRoleTests(TestCase):
    """A facilitator of site A who is also a safeguarding lead: the lead reads every site's sessions, but writing
    (edit, delete, copy) is work, for the user's own sites only (ProgrammePermissionPolicy's docstring; policy
    `_edit_session`: `_staff_for_site`)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        groups = ensure_role_groups()
        cls.dual = cls.w.users["facilitator_a"]
        cls.dual.groups.add(groups[SAFEGUARDING])
        assert {g.name for g in cls.dual.groups.all()} == {FACILITATOR, SAFEGUARDING}

    def setUp(self):
        self.client.force_login(self.dual)

    def test_reads_every_sites_sessions(self):
        self.assertEqual(self.client.get(f"{SESSIONS}history/{self.w.session_b.pk}/").status_code, 200)

    def test_edits_own_sites_session(self):
        self.assertEqual(self.client.get(f"{SESSIONS}edit/{self.w.session_a.pk}/").status_code, 200)

    def test_cannot_open_the_edit_form_of_another_sites_session(self):
        response = self.client.get(f"{SESSIONS}edit/{self.w.session_b.pk}/")
        # The lead is sent to the read-only session (safeguarding.read_only_for_leads), never to the form.
        self.assertNotEqual(response.status_code, 200, "the edit form of site B's session opened for site A's staff")

    def test_cannot_save_another_sites_session(self):
        before = StorySession.objects.get(pk=self.w.session_b.pk).log
        self.client.post(
            f"{SESSIONS}edit/{self.w.session_b.pk}/",
            {
                "site": self.w.site_b.pk,
                "starts_at": "2026-01-01 10:00",
                "duration_minutes": "60",
                "status": "held",
                "log": "overwritten by site A",
                "observations": "",
                "wish_respected": "",
                "follow_up_actions": "",
                **{
                    f"{n}-{k}": v
                    for n in ("pairs", "ratings")
                    for k, v in (
                        ("TOTAL_FORMS", "0"),
                        ("INITIAL_FORMS", "0"),
                        ("MIN_NUM_FORMS", "0"),
                        ("MAX_NUM_FORMS", "1000"),
                    )
                },
            },
        )
        self.assertEqual(StorySession.objects.get(pk=self.w.session_b.pk).log, before)

    def test_cannot_delete_another_sites_session(self):
        response = self.client.get(f"{SESSIONS}delete/{self.w.session_b.pk}/")
        self.assertNotEqual(response.status_code, 200, "the delete confirmation of site B's session opened")
        self.client.post(f"{SESSIONS}delete/{self.w.session_b.pk}/")
        self.assertTrue(StorySession.objects.filter(pk=self.w.session_b.pk).exists(), "site B's session was deleted")

    def test_cannot_copy_another_sites_session(self):
        """Copying is adding (Wagtail's CopyView: permission "add"), work for one's own sites; ScopedObjectMixin asks
        "view" for every object view, so site B's session, private log included, opens prefilled. Also so at HEAD."""
        response = self.client.get(f"{SESSIONS}copy/{self.w.session_b.pk}/")
        self.assertNotEqual(response.status_code, 200, "site B's session was copied into a prefilled form")

    def test_bulk_delete_of_another_sites_session_is_refused(self):
        self.client.post(f"/admin/bulk/facilitation/storysession/delete/?id={self.w.session_b.pk}")
        self.assertTrue(StorySession.objects.filter(pk=self.w.session_b.pk).exists())


class CrossSiteBulkActionTests(TestCase):
    """Wagtail's bulk actions ask the permission policy per record: another site's record by id is not reached."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_bulk_delete_of_another_sites_recording(self):
        self.client.force_login(self.w.users["facilitator_a"])
        self.client.post(f"/admin/bulk/facilitation/recording/delete/?id={self.w.recording_b.pk}")
        self.assertTrue(Recording.objects.filter(pk=self.w.recording_b.pk).exists())

    def test_bulk_delete_confirmation_names_no_other_sites_record(self):
        self.client.force_login(self.w.users["facilitator_a"])
        page = self.client.get(f"/admin/bulk/facilitation/participant/delete/?id={self.w.elder_b.pk}")
        self.assertNotIn(self.w.elder_b.real_name, page.content.decode())


class AutomaticTranscriptionTests(TestCase):
    """`recording_added`: an upload is transcribed straight away only where everyone heard consents to transcription."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        self.client.force_login(self.w.users["facilitator_a"])

    def upload(self, speakers) -> Recording:
        family = self.w.elder_a.family
        response = self.client.post(RECORDINGS + "add/", recording_post(family, speakers))
        self.assertEqual(response.status_code, 302, response.content.decode()[:1500])
        return Recording.objects.filter(family=family).latest("pk")

    def test_upload_with_everyone_consenting_is_transcribed(self):
        recording = self.upload([self.w.elder_a])
        self.assertEqual(TranscriptionJob.objects.filter(recording=recording).count(), 1)

    def test_upload_with_a_speaker_refusing_transcription_is_not(self):
        refuses = ParticipantFactory(family=self.w.elder_a.family)
        ConsentRecordFactory(participant=refuses, transcribe=False)
        recording = self.upload([self.w.elder_a, refuses])
        self.assertFalse(TranscriptionJob.objects.filter(recording=recording).exists())

    def test_editing_a_recording_starts_nothing(self):
        recording = self.w.recording_a
        post = recording_post(recording.family, [self.w.elder_a, self.w.child_a])
        post.pop("file")
        self.client.post(f"{RECORDINGS}edit/{recording.pk}/", post)
        self.assertFalse(TranscriptionJob.objects.filter(recording=recording).exists())


class MakefileSettingsTests(SimpleTestCase):
    """`make` picks the settings from .env as the entry points do (config/entrypoints.py), so a checkout whose .env
    names production never runs `make run` with development's debug pages."""

    def make_choice(self, dotenv: str) -> str:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, ".env").write_text(dotenv)
            extra = Path(tmp, "print.mk")
            extra.write_text("print-settings:\n\t@echo $$DJANGO_SETTINGS_MODULE\n")
            env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
            result = subprocess.run(
                ["make", "-s", "-C", tmp, "-f", str(ROOT / "Makefile"), "-f", str(extra), "print-settings"],
                capture_output=True,
                text=True,
                env=env,
            )
            return result.stdout.strip()

    def test_plain_line(self):
        dotenv = "DJANGO_SETTINGS_MODULE=config.settings.production\n"
        self.assertEqual(self.make_choice(dotenv), "config.settings.production")

    def test_export_line_as_entrypoints_read_it(self):
        dotenv = "export DJANGO_SETTINGS_MODULE=config.settings.production\n"
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, ".env").write_text(dotenv)
            expected = settings_module_from_dotenv(Path(tmp, ".env"))
        self.assertEqual(expected, "config.settings.production")
        self.assertEqual(self.make_choice(dotenv), expected, "make fell back to config.settings.dev")

    def test_commented_line_as_entrypoints_read_it(self):
        dotenv = "DJANGO_SETTINGS_MODULE=config.settings.production  # the server\n"
        self.assertEqual(self.make_choice(dotenv), "config.settings.production")
