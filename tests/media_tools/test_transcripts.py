"""Transcripts in the admin: the editor keeps the machine draft, exports are valid files behind the policy and
audited, and the command line transcribes one file."""

import io
import json
from io import StringIO

import srt
import webvtt
from django.core.management import call_command
from django.test import TestCase

from facilitation.models import AuditEvent
from media_tools.models import Segment, Transcript, TranscriptExport

from ..facilitation.world import build_world


class TranscriptAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.draft = Transcript.objects.create(
            recording=cls.w.recording_a, engine="faster", model_name="whisper-base", language="kk"
        )
        Segment.objects.bulk_create(
            [
                Segment(
                    transcript=cls.draft,
                    index=0,
                    start=0.0,
                    end=2.5,
                    text="Біздің ауылда көктем ерте келетін.",
                    language="kk",
                ),
                Segment(transcript=cls.draft, index=1, start=2.5, end=4.0, text="Правда, бабушка?", language="ru"),
            ]
        )

    def setUp(self):
        self.client.force_login(self.w.users["facilitator_a"])

    def test_editing_adds_a_revision_and_keeps_the_machine_draft(self):
        url = f"/admin/transcripts/{self.draft.pk}/"
        page = self.client.get(url)
        self.assertContains(page, 'data-start="2.500"')
        self.assertContains(page, f"/private/recordings/{self.w.recording_a.pk}/")
        response = self.client.post(
            url,
            {
                "text-0": "Біздің ауылда көктем ерте келетін еді.",
                "speaker-0": "elder",
                "reviewed-0": "on",
                "text-1": "Правда, бабушка?",
                "speaker-1": "child",
            },
        )
        new = Transcript.objects.get(recording=self.w.recording_a, revision=2)
        self.assertRedirects(response, f"/admin/transcripts/{new.pk}/")
        self.assertFalse(new.is_machine_draft)
        first = new.segments.get(index=0)
        self.assertEqual(
            (first.text, first.speaker, first.reviewed), ("Біздің ауылда көктем ерте келетін еді.", "elder", True)
        )
        self.assertEqual(self.draft.segments.get(index=0).text, "Біздің ауылда көктем ерте келетін.")

    def test_exports_are_valid_files_kept_as_derived_and_audited(self):
        base = f"/admin/transcripts/{self.draft.pk}/export"
        vtt = self.client.get(f"{base}/vtt/").content.decode()
        captions = webvtt.from_buffer(io.StringIO(vtt))
        self.assertEqual([c.text for c in captions][0], "Біздің ауылда көктем ерте келетін.")
        subtitles = list(srt.parse(self.client.get(f"{base}/srt/").content.decode()))
        self.assertEqual(subtitles[1].start.total_seconds(), 2.5)
        data = json.loads(self.client.get(f"{base}/json/").content)
        self.assertEqual([s["language"] for s in data["segments"]], ["kk", "ru"])
        self.assertIn("Правда, бабушка?", self.client.get(f"{base}/txt/").content.decode())
        self.assertEqual(TranscriptExport.objects.count(), 4)
        self.assertEqual(AuditEvent.objects.filter(action="transcript.export", allowed=True).count(), 4)

    def test_others_get_404_and_the_refusal_is_audited(self):
        for role in ("facilitator_b", "evaluator", "editor"):
            self.client.force_login(self.w.users[role])
            self.assertEqual(self.client.get(f"/admin/transcripts/{self.draft.pk}/export/vtt/").status_code, 404)
            self.assertEqual(self.client.get(f"/admin/transcripts/{self.draft.pk}/").status_code, 404)
        self.assertEqual(AuditEvent.objects.filter(action="transcript.export", allowed=False).count(), 3)
        self.assertFalse(TranscriptExport.objects.exists())


def test_transcribe_command_prints_webvtt(base_model, english_wav, settings):
    settings.WHISPER_MODEL_PATH = str(base_model)
    out = StringIO()
    call_command("transcribe", str(english_wav), "--language", "en", "--format", "vtt", stdout=out)
    captions = webvtt.from_buffer(io.StringIO(out.getvalue()))
    assert "grandmother" in " ".join(c.text for c in captions).lower()
