import datetime

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from facilitation.factories import ChildFactory, ConsentRecordFactory, ParticipantFactory, RecordingFactory
from facilitation.models import ConsentRecord, Scope
from facilitation.policy import SYSTEM, Action, _require_scopes, may
from facilitation.withdrawal import withdraw_consent

from .world import build_world


class ConsentRulesTests(TestCase):
    def setUp(self):
        super().setUp()
        self.enterContext(translation.override("en"))  # reasons and reports are read in English here

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.facilitator = cls.w.users["facilitator_a"]

    def test_guardian_yes_and_child_no_is_refused(self):
        ConsentRecordFactory(participant=self.w.child_a, child_assent=ConsentRecord.Assent.NO)
        decision = may(SYSTEM, Action.TRANSCRIBE, self.w.recording_a)
        self.assertFalse(decision)
        self.assertIn("the child said no", " ".join(decision.reasons))
        self.assertFalse(may(self.facilitator, Action.STREAM_RECORDING, self.w.recording_a))

    def test_expired_consent_is_refused(self):
        past = datetime.date.today() - datetime.timedelta(days=1)
        ConsentRecordFactory(participant=self.w.elder_a, given_on=past - datetime.timedelta(days=30), review_on=past)
        decision = may(SYSTEM, Action.TRANSCRIBE, self.w.recording_a)
        self.assertFalse(decision)
        self.assertIn("expired", " ".join(decision.reasons))

    def test_withdrawn_consent_is_refused_at_once(self):
        self.assertTrue(may(SYSTEM, Action.TRANSCRIBE, self.w.recording_a))
        withdraw_consent(self.w.elder_a, {Scope.TRANSCRIBE}, given_by=ConsentRecord.GivenBy.PARTICIPANT)
        self.assertFalse(may(SYSTEM, Action.TRANSCRIBE, self.w.recording_a))
        # The rest of the grant stands.
        self.assertTrue(may(self.facilitator, Action.STREAM_RECORDING, self.w.recording_a))

    def test_a_childs_own_withdrawal_is_a_no_whatever_the_guardian_said(self):
        withdraw_consent(self.w.child_a, None, given_by=ConsentRecord.GivenBy.PARTICIPANT)
        self.assertEqual(self.w.child_a.consent_records.first().child_assent, ConsentRecord.Assent.NO)
        self.assertFalse(may(self.facilitator, Action.VIEW_TRANSCRIPT, self.w.recording_a))

    def test_recording_needs_everyone_heard(self):
        stranger = ParticipantFactory(family=self.w.elder_a.family)  # no consent at all
        recording = RecordingFactory(family=self.w.elder_a.family, speakers=[self.w.elder_a, stranger])
        decision = may(SYSTEM, Action.TRANSCRIBE, recording)
        self.assertFalse(decision)
        self.assertIn(stranger.code, " ".join(decision.reasons))

    def test_consent_records_are_append_only(self):
        record = self.w.elder_a.consent_records.get()
        record.publish_audio = False
        with self.assertRaises(ValidationError):
            record.save()
        with self.assertRaises(ValidationError):
            record.delete()
        with self.assertRaises(ValidationError):
            self.w.elder_a.consent_records.update(publish_audio=False)

    def test_child_consent_rules_are_validated(self):
        child = ChildFactory(family=self.w.elder_a.family)
        record = ConsentRecordFactory.build(
            participant=child,
            given_by=ConsentRecord.GivenBy.PARTICIPANT,
            child_assent=ConsentRecord.Assent.NOT_APPLICABLE,
            review_on=child.eighteenth_birthday() + datetime.timedelta(days=400),
        )
        with self.assertRaises(ValidationError) as raised:
            record.full_clean()
        self.assertEqual({"given_by", "child_assent", "review_on"} - set(raised.exception.message_dict), set())

    def test_roles_are_checked_before_consent(self):
        for role in ("editor", "evaluator", "safeguarding", "facilitator_b"):
            self.assertFalse(may(self.w.users[role], Action.STREAM_RECORDING, self.w.recording_a), role)
        self.assertTrue(may(self.w.users["safeguarding"], Action.VIEW_SAFEGUARDING_NOTE, self.w.session_a))
        self.assertFalse(may(self.facilitator, Action.VIEW_SAFEGUARDING_NOTE, self.w.session_a))
        self.assertFalse(may(self.w.users["evaluator"], Action.VIEW_REAL_NAME, self.w.child_a))


SCOPES = [s.value for s in Scope]


class PolicyPropertyTests(HypothesisTestCase):
    """Over many combinations: transcription is allowed exactly when everyone heard consents to it."""

    @settings(max_examples=40, deadline=None)
    @given(
        elder_scopes=st.sets(st.sampled_from(SCOPES)),
        child_scopes=st.sets(st.sampled_from(SCOPES)),
        child_says_yes=st.booleans(),
        languages=st.sets(st.sampled_from(["kk", "ru", "en"])),
        publish_in=st.sampled_from(["kk", "ru", "en"]),
    )
    def test_transcription_and_publication_follow_consent(
        self, elder_scopes, child_scopes, child_says_yes, languages, publish_in
    ):
        elder = ParticipantFactory()
        child = ChildFactory(family=elder.family)
        ConsentRecordFactory(
            participant=elder, publish_languages=sorted(languages), **{s: s in elder_scopes for s in SCOPES}
        )
        ConsentRecordFactory(
            participant=child,
            publish_languages=sorted(languages),
            child_assent=ConsentRecord.Assent.YES if child_says_yes else ConsentRecord.Assent.NO,
            **{s: s in child_scopes for s in SCOPES},
        )
        recording = RecordingFactory(family=elder.family, speakers=[elder, child])
        needed = {Scope.RECORD, Scope.TRANSCRIBE}
        expected = needed <= elder_scopes and needed <= child_scopes and child_says_yes
        self.assertEqual(may(SYSTEM, Action.TRANSCRIBE, recording).allowed, expected)
        # Publication of the child's words in one language needs that scope and that language.
        allowed = not _require_scopes([child], {Scope.PUBLISH_TEXT}, {publish_in})
        self.assertEqual(allowed, Scope.PUBLISH_TEXT in child_scopes and child_says_yes and publish_in in languages)
