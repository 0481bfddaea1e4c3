"""Subject-access export from the outside: `manage.py export_family` writes a zip; we open it and read every byte.

The family's own data is all there (real names, consent with its evidence, their recordings' audio, photos,
transcripts, stories, audit events); nothing of another family ever is, not even in a shared session or concern.
"""

import hashlib
import io
import json
import tempfile
import zipfile
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command
from django.test import TestCase

from facilitation.factories import (
    ChildFactory,
    ConsentRecordFactory,
    FamilyFactory,
    RecordingFactory,
    StorySessionFactory,
    tone_wav,
)
from facilitation.models import AuditEvent, Concern, Invitation, Submission, SubmissionPhoto
from facilitation.policy import Action, audit, authorize
from media_tools.models import Segment, Transcript
from stories.factories import StoryPageFactory

from ..stories.site_tree import build_site_tree
from .world import build_world

OTHER_FAMILY_SECRETS = [
    "Бақыт Жұмабаев",  # family B's elder (another site)
    "Сара Оспанова",  # family C's child (same site, shared session and concern)
    "Private log text B",
    "Shared session log mentions Сара",
    "Concern about two children",
    "Family C heard here",
    "transcript of family B",
    "Draft about Sara of family C",
    "Черновик о Саре",
]


class SubjectAccessExportTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        w = cls.w = build_world()
        cls.tree = build_site_tree()
        cls.family = w.elder_a.family
        cls.family_b = w.elder_b.family
        # Family C: same site as A, sharing a session, a concern and a recording with A.
        cls.family_c = FamilyFactory(site=w.site_a)
        cls.child_c = ChildFactory(family=cls.family_c, real_name="Сара Оспанова")
        ConsentRecordFactory(participant=cls.child_c)
        # A's own material: evidence of consent, a transcript, a family submission with a photo, a private session.
        cls.evidence = ConsentRecordFactory(
            participant=w.elder_a,
            method="paper",
            evidence_file=ContentFile(b"%PDF-1.4 scan of the signed form", name="scan.pdf"),
        )
        transcript = Transcript.objects.create(recording=w.recording_a, engine="faster", language="kk")
        Segment.objects.create(transcript=transcript, index=0, start=0, end=1, text="Өзен жағасында өстім")
        transcript_b = Transcript.objects.create(recording=w.recording_b, engine="faster")
        Segment.objects.create(transcript=transcript_b, index=0, start=0, end=1, text="transcript of family B")
        invitation = Invitation(family=cls.family)
        invitation.issue_secrets()
        invitation.save()
        submission = Submission(invitation=invitation, family=cls.family, language="kk", title="Біздің бақ")
        submission.issue_secrets()
        submission.save()
        submission.participants.set([w.elder_a, w.child_a])
        cls.photo = SubmissionPhoto(submission=submission, width=1, height=1)
        cls.photo.image.save("p.jpg", ContentFile(b"\xff\xd8\xff fake jpeg of the garden"), save=False)
        cls.photo.save()
        own_session = StorySessionFactory(site=w.site_a, log="Only family A was here", safeguarding_note="A's note")
        own_session.attendees.set([w.elder_a, w.child_a])
        own_session.save()
        # w.session_a is A's; we add family C to it: its log and note are now about another family too.
        w.session_a.log = "Shared session log mentions Сара"
        w.session_a.attendees.add(cls.child_c)
        w.session_a.save()
        shared = Concern.objects.create(site=w.site_a, note="Concern about two children")
        shared.children.set([w.child_a, cls.child_c])
        own = Concern.objects.create(site=w.site_a, note="Concern about A's child only")
        own.children.set([w.child_a])
        mixed = RecordingFactory(family=cls.family_c, speakers=[w.elder_a, cls.child_c], title="Family C heard here")
        cls.mixed = mixed
        # A draft built from that shared recording: never published, its titles may describe family C.
        StoryPageFactory(
            parent=cls.tree.index,
            title_kk="Сара туралы жоба",
            title_ru="Черновик о Саре",
            title_en="Draft about Sara of family C",
            slug_kk="sara-jobasy",
            slug_ru="chernovik-o-sare",
            slug_en="draft-about-sara",
            live=False,
            source_recording=mixed,
        )
        # The story from A's recording; audit events about A and about B.
        story = cls.tree.story
        story.source_recording = w.recording_a
        story.save_revision().publish()
        cls.story = story
        authorize(w.users["facilitator_a"], Action.VIEW_RECORDING, w.recording_a)
        authorize(w.users["facilitator_b"], Action.VIEW_RECORDING, w.recording_b)
        audit(w.users["facilitator_b"], "participant.view", w.elder_b, True)
        # The export itself, as the command runs it.
        cls.out_dir = Path(tempfile.mkdtemp(prefix="sbg-export-"))
        cls.zip_path = cls.out_dir / "export.zip"
        call_command("export_family", cls.family.code.lower(), output=str(cls.zip_path), by="admin", verbosity=0)
        with zipfile.ZipFile(cls.zip_path) as archive:
            cls.names = set(archive.namelist())
            cls.raw = {name: archive.read(name) for name in cls.names}
        cls.data = {name[:-5]: json.loads(cls.raw[name]) for name in cls.names if name.endswith(".json")}

    def test_written_atomically_and_privately(self):
        self.assertEqual([p.name for p in self.out_dir.iterdir()], ["export.zip"])  # no temporary leftovers
        self.assertEqual(self.zip_path.stat().st_mode & 0o777, 0o600)

    def test_the_family_and_its_people_with_real_names(self):
        self.assertEqual(self.data["family"]["code"], self.family.code)
        names = {p["code"]: p["real_name"] for p in self.data["participants"]}
        self.assertEqual(names, {self.w.elder_a.code: "Айгүл Серікқызы", self.w.child_a.code: "Нұрлан Асанов"})

    def test_consent_records_with_their_evidence_file(self):
        records = self.data["consent_records"]
        self.assertEqual(len(records), 3)
        with_evidence = [r for r in records if r["evidence_file"]]
        self.assertEqual(len(with_evidence), 1)
        self.assertEqual(self.raw[with_evidence[0]["evidence_file"]], b"%PDF-1.4 scan of the signed form")

    def test_own_recordings_audio_photos_and_manifest(self):
        recordings = {r["id"]: r for r in self.data["recordings"]}
        own = recordings[self.w.recording_a.pk]
        with self.w.recording_a.file.open("rb") as handle:
            self.assertEqual(self.raw[own["file"]], handle.read())
        # Heard in another family's recording: listed, but neither its audio nor its title is handed over.
        mixed = recordings[self.mixed.pk]
        self.assertIsNone(mixed["file"])
        self.assertTrue(mixed["other_people_heard"])
        self.assertEqual(mixed["people_heard"], [self.w.elder_a.code])
        self.assertNotIn(self.w.recording_b.pk, recordings)
        photo = self.data["submissions"][0]["photos"][0]
        self.assertEqual(self.raw[photo["file"]], b"\xff\xd8\xff fake jpeg of the garden")
        manifest = self.data["manifest"]["files"]
        self.assertEqual(len(manifest), 3)
        for entry in manifest:
            self.assertEqual(entry["sha256"], hashlib.sha256(self.raw[entry["path"]]).hexdigest())

    def test_sessions_concerns_transcripts_stories(self):
        sessions = {s["id"]: s for s in self.data["sessions"]}
        shared = sessions[self.w.session_a.pk]
        self.assertTrue(shared["other_families_attended"])
        self.assertNotIn("log", shared)
        self.assertNotIn("safeguarding_note", shared)
        self.assertEqual(sorted(shared["attended"]), sorted([self.w.elder_a.code, self.w.child_a.code]))
        own = [s for s in sessions.values() if not s["other_families_attended"]]
        self.assertEqual([(s["log"], s["safeguarding_note"]) for s in own], [("Only family A was here", "A's note")])
        notes = [c.get("note") for c in self.data["safeguarding_concerns"]]
        self.assertCountEqual(notes, [None, "Concern about A's child only"])
        self.assertEqual(self.data["transcripts"][0]["segments"][0]["text"], "Өзен жағасында өстім")
        stories = {s["id"]: s for s in self.data["stories"]}
        self.assertEqual(stories[self.story.pk]["source_recording"], self.w.recording_a.pk)
        self.assertTrue(stories[self.story.pk]["live"])

    def test_audit_events_about_them_and_the_export_is_audited(self):
        actions = [(e["who"], e["action"]) for e in self.data["audit_events"]]
        self.assertIn(("facilitator_a", "recording.view"), actions)
        self.assertNotIn("facilitator_b", {who for who, _action in actions})
        event = AuditEvent.objects.get(action="family.export", allowed=True)
        self.assertEqual(
            (event.actor_label, event.target_type, event.target_id),
            ("admin", "facilitation.family", str(self.family.pk)),
        )

    def test_no_other_familys_data_anywhere_in_the_zip(self):
        everything = b"\n".join(self.raw.values()).decode("utf-8", errors="replace")
        for secret in OTHER_FAMILY_SECRETS + [self.family_b.code, self.w.elder_b.code, self.child_c.code]:
            self.assertNotIn(secret, everything)

    def test_only_administrators_may_export(self):
        target = Path(tempfile.mkdtemp(prefix="sbg-export-")) / "refused.zip"
        with self.assertRaises(CommandError):
            call_command("export_family", self.family.code, output=str(target), by="facilitator_a", verbosity=0)
        self.assertFalse(target.exists())
        self.assertTrue(AuditEvent.objects.filter(action="family.export", allowed=False).exists())
        with self.assertRaises(CommandError):
            call_command("export_family", "ZZZ-999", output=str(target), verbosity=0)

    def test_export_reads_files_through_the_storage_api(self):
        """Family B's export (another site) holds B's audio and nothing of family A."""
        self.w.recording_b.file.save("b.wav", ContentFile(tone_wav(0.2)))
        path = Path(tempfile.mkdtemp(prefix="sbg-export-")) / "b.zip"
        call_command("export_family", self.family_b.code, output=str(path), verbosity=0)
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            text = b"".join(archive.read(n) for n in names).decode("utf-8", errors="replace")
        self.assertIn(f"files/recordings/{self.w.recording_b.pk}.wav", names)
        self.assertNotIn("Айгүл", text)
        self.assertNotIn(self.family.code, text)


class ExportButtonTests(TestCase):
    """The family page's "Export everything held": administrators only, by URL, for every role."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.family = cls.w.elder_a.family
        cls.url = f"/admin/programme/families/{cls.family.pk}/export/"
        cls.page = f"/admin/snippets/facilitation/family/inspect/{cls.family.pk}/"

    def test_administrator_downloads_the_zip_and_sees_the_button(self):
        self.client.force_login(self.w.users["admin"])
        self.assertContains(self.client.get(self.page), self.url)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/zip")
        self.assertIn(f"{self.family.code}-export.zip", response["Content-Disposition"])
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        participants = json.loads(archive.read("participants.json"))
        self.assertIn("Айгүл Серікқызы", {p["real_name"] for p in participants})
        self.assertTrue(AuditEvent.objects.filter(action="family.export", allowed=True, actor=self.w.users["admin"]))

    def test_every_other_role_gets_404_and_no_button(self):
        for name in ("editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"):
            with self.subTest(name):
                self.client.force_login(self.w.users[name])
                self.assertEqual(self.client.get(self.url).status_code, 404)
                self.assertEqual(self.client.post(self.url).status_code, 404)
                page = self.client.get(self.page)
                self.assertNotContains(page, self.url, status_code=page.status_code)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)  # to the sign-in page
        self.assertFalse(AuditEvent.objects.filter(action="family.export", allowed=True).exists())
