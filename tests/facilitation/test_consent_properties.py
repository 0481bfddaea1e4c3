"""Consent as an invariant: whatever sequence of grants, narrowings, withdrawals, expiries, source changes and publish
attempts (editors, administrators, code), afterwards every live story is allowed by the policy and no derived file
exists for a scope that is gone."""

import datetime
import os

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from facilitation.factories import (
    ChildFactory,
    ConsentRecordFactory,
    FamilyFactory,
    ParticipantFactory,
    RecordingFactory,
    StorySessionFactory,
    tone_wav,
)
from facilitation.models import (
    ConsentRecord,
    Invitation,
    Participant,
    Scope,
    Submission,
    SubmissionPhoto,
    private_storage,
)
from facilitation.policy import SYSTEM, Action, consent_state, may, stated_scopes
from facilitation.roles import EDITOR, ensure_role_groups
from facilitation.withdrawal import withdraw_consent
from media_tools.models import Transcript, TranscriptExport, TranscriptionJob
from stories.factories import StoryPageFactory
from stories.models import StoryPage

from ..stories.site_tree import build_site_tree

SCOPES = [scope.value for scope in Scope]
PEOPLE = ["elder", "child", "other"]
PAGES = ["p1", "p2", "p3"]
SOURCES = ["r1", "r2", "session", "submission", None]

grant = st.tuples(
    st.just("grant"),
    st.sampled_from(PEOPLE),
    st.frozensets(st.sampled_from(SCOPES)),
    st.frozensets(st.sampled_from(["kk", "ru", "en"]), min_size=1),
)
withdraw = st.tuples(st.just("withdraw"), st.sampled_from(PEOPLE), st.none() | st.frozensets(st.sampled_from(SCOPES)))
expire = st.tuples(st.just("expire"), st.sampled_from(PEOPLE))
birthday = st.tuples(st.just("birthday"))
speakers = st.tuples(st.just("speakers"), st.sampled_from(["r1", "r2"]), st.sampled_from(["add", "remove"]))
STAFF = st.sampled_from(["editor", "admin"])
source = st.tuples(st.just("source"), st.sampled_from(PAGES), st.sampled_from(SOURCES), STAFF)
publish = st.tuples(st.just("publish"), st.sampled_from(PAGES), st.sampled_from(["editor", "admin", "code"]))
attest = st.tuples(st.just("attest"), st.sampled_from(["editor", "admin", "code"]))
sweep = st.tuples(st.just("sweep"))
STEP = st.one_of(grant, withdraw, expire, birthday, speakers, source, publish, attest, sweep)


class ConsentInvariantTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        groups = ensure_role_groups()
        User = get_user_model()
        cls.admin = User.objects.create_superuser("prop-admin", password="x")
        cls.editor = User.objects.create_user("prop-editor", password="x")
        cls.editor.groups.add(groups[EDITOR])
        cls.tree = build_site_tree()

    def build(self) -> dict:
        family = FamilyFactory()
        people = {
            "elder": ParticipantFactory(family=family),
            "child": ChildFactory(family=family),
            "other": ParticipantFactory(family=family, relation="aunt"),
        }
        for person in people.values():
            ConsentRecordFactory(participant=person)
        r1 = RecordingFactory(family=family, speakers=[people["elder"], people["child"]])
        r2 = RecordingFactory(family=family, speakers=[people["other"]])
        session = StorySessionFactory(site=family.site, status="held")
        session.attendees.set([people["elder"]])
        session.save()
        invitation = Invitation(family=family)
        invitation.issue_secrets()
        invitation.save()
        submission = Submission(invitation=invitation, family=family, language="kk")
        submission.issue_secrets()
        submission.save()
        submission.participants.set([people["elder"], people["child"]])
        photo = SubmissionPhoto(submission=submission, width=1, height=1)
        photo.image.save("p.jpg", ContentFile(b"\xff\xd8jpeg"), save=False)
        photo.save()
        storage = private_storage()
        exports = []
        for recording in (r1, r2):
            TranscriptionJob.objects.create(recording=recording)
            transcript = Transcript.objects.create(recording=recording, engine="faster")
            export = TranscriptExport.objects.create(transcript=transcript, format="vtt")
            export.file.save("x.vtt", ContentFile(b"WEBVTT\n"))
            exports.append(export.file.name)
            storage.save(recording.published_copy_name(), ContentFile(tone_wav(0.1)))
        # Fresh from the database: each example's changes (revisions included) are rolled back after it.
        p1 = StoryPage.objects.get(pk=self.tree.story.pk)
        p2 = StoryPage.objects.get(pk=self.tree.no_english_story.pk)
        p1.source_session, p1.source_recording, p1.audio = None, r1, r1
        p1.save_revision().publish()
        p2.source_session = session
        p2.save_revision().publish()
        p3 = StoryPageFactory(parent=self.tree.index, title_kk="Тақырыпсыз", slug_kk="taqyrypsyz", live=False)
        return {
            "people": people,
            "sources": {"r1": r1, "r2": r2, "session": session, "submission": submission, None: None},
            "pages": {"p1": p1.pk, "p2": p2.pk, "p3": p3.pk},
            "recordings": [r1, r2],
            "files": {"recordings": [r1.file.name, r2.file.name], "exports": exports},
            "photos_withdrawn": False,
        }

    def actor(self, name):
        return {"editor": self.editor, "admin": self.admin, "code": None}[name]

    def publish(self, page: StoryPage, actor_name: str) -> None:
        """As the admin's publish button does (the policy's hook first), or as code/scheduled publishing does."""
        actor = self.actor(actor_name)
        revision = page.save_revision(user=actor)
        if actor is None or may(actor, Action.PUBLISH_STORY, page):
            revision.publish(user=actor)

    def run_step(self, world: dict, step: tuple) -> None:
        kind = step[0]
        people = world["people"]
        if kind == "grant":
            _kind, who, scopes, languages = step
            ConsentRecordFactory(
                participant=people[who], publish_languages=sorted(languages), **{s: s in scopes for s in SCOPES}
            )
        elif kind == "withdraw":
            _kind, who, scopes = step
            person = people[who]
            given_by = ConsentRecord.GivenBy.GUARDIAN if person.is_child else ConsentRecord.GivenBy.PARTICIPANT
            withdraw_consent(person, None if scopes is None else set(scopes), given_by=given_by)
            if who in ("elder", "child") and (scopes is None or Scope.PUBLISH_PHOTOS.value in scopes):
                world["photos_withdrawn"] = True
        elif kind == "expire":
            ConsentRecordFactory(participant=people[step[1]], review_on=timezone.localdate() - datetime.timedelta(1))
        elif kind == "birthday":
            Participant.objects.filter(pk=people["child"].pk).update(birth_year=timezone.localdate().year - 18)
            people["child"].refresh_from_db()
            call_command("reconcile_consent", verbosity=0)
        elif kind == "speakers":
            _kind, name, change = step
            recording = world["sources"][name]
            getattr(recording.speakers, change)(people["other"] if name == "r1" else people["elder"])
        elif kind == "source":
            _kind, page_name, source_name, actor_name = step
            page = StoryPage.objects.get(pk=world["pages"][page_name]).get_latest_revision_as_object()
            page.source_recording = page.source_submission = page.source_session = None
            if source_name in ("r1", "r2"):
                page.source_recording = world["sources"][source_name]
            elif source_name == "session":
                page.source_session = world["sources"]["session"]
            elif source_name == "submission":
                page.source_submission = world["sources"]["submission"]
            self.publish(page, actor_name)
        elif kind == "publish":
            _kind, page_name, actor_name = step
            page = StoryPage.objects.get(pk=world["pages"][page_name]).get_latest_revision_as_object()
            self.publish(page, actor_name)
        elif kind == "attest":
            page = StoryPage.objects.get(pk=world["pages"]["p3"]).get_latest_revision_as_object()
            page.no_personal_content = True
            page.no_personal_content_attested_by = self.actor(step[1])
            self.publish(page, step[1])
        elif kind == "sweep":
            call_command("reconcile_consent", verbosity=0)

    def check_invariants(self, world: dict) -> None:
        storage = private_storage()
        for page in StoryPage.objects.live():
            decision = may(SYSTEM, Action.PUBLISH_STORY, page)
            self.assertTrue(decision.allowed, (page.title, decision.reasons))
        for recording in world["recordings"]:
            recording.refresh_from_db()
            speakers = list(recording.speakers.all())
            stated = [stated_scopes(p) for p in speakers]
            effective = [consent_state(p).scopes for p in speakers]
            if recording.file and storage.exists(recording.file.name):
                for scopes in stated:  # nobody heard said no to recording or keeping it
                    self.assertLessEqual({Scope.RECORD.value, Scope.ARCHIVE.value}, scopes)
            if storage.exists(recording.published_copy_name()):
                for scopes in effective:
                    self.assertLessEqual({Scope.RECORD.value, Scope.ARCHIVE.value, Scope.PUBLISH_AUDIO.value}, scopes)
            if Transcript.objects.filter(recording=recording).exists():
                for scopes in effective:
                    self.assertLessEqual({Scope.RECORD.value, Scope.TRANSCRIBE.value, Scope.ARCHIVE.value}, scopes)
            if TranscriptionJob.objects.filter(recording=recording, status__in=TranscriptionJob.ACTIVE).exists():
                self.assertTrue(may(SYSTEM, Action.TRANSCRIBE, recording))
        kept_exports = set(TranscriptExport.objects.values_list("file", flat=True))
        for name in world["files"]["exports"]:
            self.assertEqual(storage.exists(name), name in kept_exports, name)
        for name in world["files"]["recordings"]:  # a deleted recording leaves no file behind
            if storage.exists(name):
                self.assertTrue(any(r.file.name == name for r in world["recordings"]))
        submission = world["sources"]["submission"]
        photos = SubmissionPhoto.objects.filter(submission=submission)
        if photos.exists():
            self.assertFalse(world["photos_withdrawn"])
            for person in submission.participants.all():
                self.assertIn(Scope.ARCHIVE.value, stated_scopes(person))
        for photo in photos:
            self.assertTrue(storage.exists(photo.image.name))

    @settings(
        # More in a longer exploration: SBG_PROPERTY_EXAMPLES=300 make test PYTEST_ARGS=tests/facilitation/...
        max_examples=int(os.environ.get("SBG_PROPERTY_EXAMPLES", "15")),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        derandomize=False,
    )
    @given(steps=st.lists(STEP, min_size=1, max_size=6))
    def test_every_live_story_is_allowed_and_no_file_outlives_its_consent(self, steps):
        with translation.override("en"):
            world = self.build()
            self.check_invariants(world)
            for step in steps:
                self.run_step(world, step)
                self.check_invariants(world)
