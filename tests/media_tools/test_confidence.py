"""How sure the machine was, shown to people; gaps they can fill; autosave into revisions that keep the machine draft;
and who may do any of it (by URL, for reads and writes, every role)."""

from __future__ import annotations

import json

import pytest
from django.core.files import File
from django.test import TestCase
from wagtail.users.models import UserProfile

from facilitation.policy import Action, may
from media_tools.editor import WORKING_REVISION_MINUTES
from media_tools.exports import render, transcript_segments
from media_tools.models import Segment, Transcript, TranscriptionJob

from ..facilitation.world import build_world
from .audio_factory import write_audio
from .real_speech import russian_speech


def make_draft(recording, confidences, *, kinds=None, job=None) -> Transcript:
    draft = Transcript.objects.create(
        recording=recording,
        job=job,
        engine="faster",
        model_name="whisper-base",
        language="kk",
        confidence=sum(c for c in confidences if c) / max(len([c for c in confidences if c]), 1),
        guard_events=[{"kind": "caption", "start": 9.0, "end": 10.0, "text": "Аплодисменты."}],
    )
    kinds = kinds or ["speech"] * len(confidences)
    Segment.objects.bulk_create(
        Segment(
            transcript=draft,
            index=i,
            start=3.0 * i,
            end=3.0 * i + 2.5,
            text="" if kind == "gap" else f"Сөйлем {i}.",
            language="kk",
            confidence=c,
            kind=kind,
        )
        for i, (c, kind) in enumerate(zip(confidences, kinds, strict=True))
    )
    return draft


class ConfidenceShownTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.low_job = TranscriptionJob.objects.create(recording=cls.w.recording_a, status="done", progress=1.0)
        cls.low = make_draft(cls.w.recording_a, [0.9, 0.2, 0.3, 0.0], kinds=["speech", "speech", "speech", "gap"])
        cls.low.job = cls.low_job
        cls.low.save()
        cls.sure_job = TranscriptionJob.objects.create(recording=cls.w.recording_b, status="done", progress=1.0)
        cls.sure = make_draft(cls.w.recording_b, [0.9, 0.8], job=cls.sure_job)

    def test_low_confidence_segments_and_gaps_are_highlighted(self):
        self.client.force_login(self.w.users["facilitator_a"])
        page = self.client.get(f"/admin/transcripts/{self.low.pk}/").content.decode()
        self.assertEqual(page.count('class="segment segment--low"'), 2)
        self.assertEqual(page.count("segment--gap"), 1)
        self.assertIn('data-kind="gap"', page)
        self.assertIn("Not transcribed: listen and type what is said.", page)  # the gap's placeholder
        self.assertIn("Аплодисменты.", page)  # what the guards removed is on record, visibly
        self.assertIn("Reviewed: 0 of 4 segments (0%)", page)

    def test_a_low_confidence_job_says_so_and_suggests_a_larger_model(self):
        self.client.force_login(self.w.users["facilitator_a"])
        page = self.client.get(f"/admin/transcription/jobs/{self.low_job.pk}/").content.decode()
        self.assertIn('id="low-confidence-notice"', page)
        self.assertIn("larger speech model", page)
        self.assertIn("Reviewed: 0 of 4 segments (0%)", page)
        self.client.force_login(self.w.users["admin"])
        page = self.client.get(f"/admin/transcription/jobs/{self.sure_job.pk}/").content.decode()
        self.assertNotIn('id="low-confidence-notice"', page)
        self.assertIn("Machine confidence: 85%", page)

    def test_the_notice_is_in_the_users_language(self):
        user = self.w.users["facilitator_a"]
        self.client.force_login(user)
        for language in ("kk", "ru"):
            UserProfile.objects.filter(user=user).update(preferred_language=language)
            page = self.client.get(f"/admin/transcription/jobs/{self.low_job.pk}/").content.decode()
            self.assertIn('id="low-confidence-notice"', page)
            self.assertIn(f'lang="{language}"', page)

    def test_exports_leave_unfilled_gaps_out_of_subtitles_but_keep_them_in_json(self):
        segments = transcript_segments(self.low)
        self.assertEqual(render("txt", segments).count("\n"), 3)
        data = json.loads(render("json", segments))
        self.assertEqual([s["kind"] for s in data["segments"]][-1], "gap")


class AutosaveTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.draft = make_draft(cls.w.recording_a, [0.9, 0.3, 0.0], kinds=["speech", "speech", "gap"])

    def autosave(self, transcript, segments, user="facilitator_a"):
        self.client.force_login(self.w.users[user])
        return self.client.post(
            f"/admin/transcripts/{transcript.pk}/autosave/",
            json.dumps({"segments": segments}),
            content_type="application/json",
        )

    def edited(self):
        return [
            {"start": 0.0, "end": 1.2, "text": "Сөйлем", "speaker": "elder", "reviewed": True, "language": "kk"},
            {"start": 1.2, "end": 2.5, "text": "нөл.", "speaker": "elder", "reviewed": False, "language": "kk"},
            {"start": 3.0, "end": 8.5, "text": "Сөйлем бір. Мен толтырдым.", "speaker": "child", "kind": "speech"},
        ]

    def test_autosave_keeps_the_draft_and_reuses_one_working_revision(self):
        response = self.autosave(self.draft, self.edited())
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(data["revision"], 2)
        self.assertEqual((data["reviewed"], data["total"]), (1, 3))
        working = Transcript.objects.get(pk=data["id"])
        self.assertFalse(working.is_machine_draft)
        self.assertEqual(
            [(s.start, s.end, s.speaker, s.kind) for s in working.segments.all()],
            [(0.0, 1.2, "elder", "speech"), (1.2, 2.5, "elder", "speech"), (3.0, 8.5, "child", "speech")],
        )
        # The machine draft is as it was: three segments, the gap still a gap.
        self.assertEqual([s.kind for s in self.draft.segments.all()], ["speech", "speech", "gap"])
        # The next autosave of the same person goes into the same revision...
        again = self.autosave(working, self.edited()[:2]).json()
        self.assertEqual((again["id"], again["revision"]), (working.pk, 2))
        self.assertEqual(working.segments.count(), 2)
        # ...but someone else's edit, or one after a pause, starts a new revision.
        other = self.autosave(working, self.edited(), user="admin").json()
        self.assertEqual(other["revision"], 3)
        Transcript.objects.filter(pk=other["id"]).update(
            created_at=working.created_at.replace(year=working.created_at.year - 1)
        )
        later = self.autosave(Transcript.objects.get(pk=other["id"]), self.edited(), user="admin").json()
        self.assertEqual(later["revision"], 4)
        self.assertGreater(WORKING_REVISION_MINUTES, 0)

    def test_times_out_of_order_or_garbage_are_refused_and_nothing_is_stored(self):
        bad = self.edited()
        bad[1]["start"], bad[1]["end"] = 5.0, 4.0
        for payload in (bad, "nope", [{"start": "x", "end": 1}], [{"start": -1, "end": 1}]):
            response = self.autosave(self.draft, payload)
            self.assertEqual(response.status_code, 400)
        self.assertEqual(Transcript.objects.filter(recording=self.w.recording_a).count(), 1)

    def test_the_save_button_posts_split_and_merged_segments(self):
        self.client.force_login(self.w.users["facilitator_a"])
        response = self.client.post(
            f"/admin/transcripts/{self.draft.pk}/", {"segments_json": json.dumps(self.edited())}
        )
        new = Transcript.objects.get(recording=self.w.recording_a, revision=2)
        self.assertRedirects(response, f"/admin/transcripts/{new.pk}/")
        self.assertEqual(new.segments.count(), 3)


# --------------------------------------------------------------------------- who may (by URL, every role)

ROLES = ("admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator", None)


class EditorAccessMatrixTests(TestCase):
    """Reads and writes of the editor's endpoints answer as the policy says; everyone else gets 404 (or sign-in)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.draft = make_draft(cls.w.recording_a, [0.9])

    def test_every_role_by_url(self):
        payload = json.dumps({"segments": [{"start": 0.0, "end": 2.5, "text": "Иә."}]})
        for role in ROLES:
            with self.subTest(role=role):
                self.client.logout()
                user = self.w.users[role] if role else None
                if user:
                    self.client.force_login(user)
                before = Transcript.objects.count()
                read = self.client.get(f"/admin/transcripts/{self.draft.pk}/")
                write = self.client.post(
                    f"/admin/transcripts/{self.draft.pk}/autosave/", payload, content_type="application/json"
                )
                again = self.client.post(
                    f"/admin/transcripts/{self.draft.pk}/retranscribe/",
                    json.dumps({"start": 0, "end": 1, "language": "zz"}),
                    content_type="application/json",
                )
                if user is None:
                    self.assertEqual(read.status_code, 302)
                    self.assertIn(write.status_code, (302, 403))
                    self.assertIn(again.status_code, (302, 403))
                    self.assertEqual(Transcript.objects.count(), before)
                    continue
                allowed = bool(may(user, Action.EDIT_TRANSCRIPT, self.draft))
                if role in ("admin", "facilitator_a"):
                    self.assertTrue(allowed)
                if role in ("editor", "facilitator_b", "evaluator"):
                    self.assertFalse(allowed)
                self.assertEqual(read.status_code, 200 if allowed else 404)
                self.assertEqual(write.status_code, 200 if allowed else 404)
                self.assertEqual(again.status_code, 400 if allowed else 404)  # "zz" is no language
                if allowed:
                    Transcript.objects.exclude(pk=self.draft.pk).delete()
                else:
                    self.assertEqual(Transcript.objects.count(), before)

    def test_another_sites_facilitator_cannot_write_into_this_sites_transcript(self):
        self.client.force_login(self.w.users["facilitator_b"])
        response = self.client.post(
            f"/admin/transcripts/{self.draft.pk}/",
            {"segments_json": json.dumps([{"start": 0, "end": 1, "text": "x"}])},
        )
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Transcript.objects.count(), 1)


# --------------------------------------------------------------------------- transcribe one stretch again


@pytest.mark.django_db
def test_a_stretch_is_transcribed_again_in_the_chosen_language(client, settings, base_model, tmp_path):
    """The endpoint decodes only that stretch of the recording, in the language asked for, and stores nothing.

    Human Russian (festvox-ru): on espeak's, Whisper base is unsure enough (mean log-probability -1.1) to fall back
    to sampling at random, and now and then nothing was left to assert on."""
    settings.WHISPER_MODEL_PATH = str(base_model)
    settings.WHISPER_ENGINE = "faster"
    world = build_world()
    wav = write_audio(tmp_path / "ru.wav", russian_speech(), fmt="wav")
    recording = world.recording_a
    with wav.open("rb") as fh:
        recording.file.save("again.wav", File(fh), save=True)
    draft = make_draft(recording, [0.2])
    client.force_login(world.users["facilitator_a"])
    response = client.post(
        f"/admin/transcripts/{draft.pk}/retranscribe/",
        json.dumps({"start": 0.0, "end": 6.5, "language": "ru"}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["language"] == "ru"
    letters = [c for c in data["text"] if c.isalpha()]
    assert letters and sum("\u0400" <= c <= "\u04ff" for c in letters) / len(letters) > 0.8
    assert Transcript.objects.filter(recording=recording).count() == 1
