"""Mixing sites is refused by the models' own `clean` too, not only by the admin forms."""

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import translation

from facilitation.factories import ConsentFormVersionFactory
from facilitation.models import ConsentRecord, ObservationRating, Recording, SessionPair

from .world import build_world


class ModelCleanTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        self.enterContext(translation.override("en"))  # the messages are read in English

    def assertRefused(self, instance, field):
        with self.assertRaises(ValidationError) as caught:
            instance.clean()
        self.assertIn("belongs to another site", " ".join(caught.exception.message_dict[field]))

    def test_recording_of_one_family_in_another_sites_session(self):
        self.assertRefused(Recording(family=self.w.elder_a.family, session=self.w.session_b), "session")
        Recording(family=self.w.elder_a.family, session=self.w.session_a).clean()

    def test_pair_and_rating_of_another_site(self):
        self.assertRefused(SessionPair(session=self.w.session_a, elder=self.w.elder_b, child=self.w.child_a), "elder")
        self.assertRefused(ObservationRating(session=self.w.session_b, child=self.w.child_a), "child")
        SessionPair(session=self.w.session_a, elder=self.w.elder_a, child=self.w.child_a).clean()

    def test_witness_of_another_site(self):
        record = ConsentRecord(
            participant=self.w.elder_a,
            form_version=ConsentFormVersionFactory(),
            form_language="kk",
            given_by="participant",
            method="digital",
            witness=self.w.users["facilitator_b"],
        )
        with self.assertRaises(ValidationError) as caught:
            record.clean()
        self.assertIn("not a facilitator of this site", " ".join(caught.exception.message_dict["witness"]))
        record.witness = self.w.users["facilitator_a"]
        record.clean()
