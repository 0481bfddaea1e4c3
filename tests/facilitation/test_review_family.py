"""Review of the family page, submission review, consent records, subject-access export and retention: what the
first tests left open, from the outside (by URL, or by opening the exported zip)."""

import json
import tempfile
import zipfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import TestCase

from facilitation.factories import (
    ChildFactory,
    ConsentRecordFactory,
    FamilyFactory,
    RecordingFactory,
    StorySessionFactory,
)
from facilitation.families.invitations import create_invitation
from facilitation.models import AuditEvent, Concern, ConsentRecord, ObservationRating, Submission
from facilitation.policy import audit
from facilitation.roles import FACILITATOR

from .world import build_world

OTHER_CHILD = "Review probe: Дана Омарова"


class AppendOnlyRecordsAreNeverBulkDeletedTests(TestCase):
    """Consent records, family submissions and the audit log have no delete view (append-only, reviewed through the
    review screen, written by the platform), but Wagtail's bulk "Delete" of the snippet listings reached them: for
    consent records and audit events a server error (the append-only queryset refuses), for a submission a real
    deletion whose recordings' and photos' files stayed in private storage with no row left to purge them."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.family = cls.w.elder_a.family
        cls.narrowing = ConsentRecordFactory(participant=cls.w.elder_a, publish_text=False, publish_audio=False)
        invitation, _token, _code = create_invitation(cls.family, language="kk")
        submission = Submission(invitation=invitation, family=cls.family, language="kk", title="t")
        submission.issue_secrets()
        submission.save()
        cls.submission = submission
        cls.event = audit(cls.w.users["facilitator_a"], "participant.view", cls.w.elder_a, True)

    def test_bulk_delete_keeps_them_and_says_why(self):
        self.client.force_login(self.w.users["admin"])
        for model, obj in (
            ("consentrecord", self.narrowing),
            ("submission", self.submission),
            ("auditevent", self.event),
        ):
            url = f"/admin/bulk/facilitation/{model}/delete/?id={obj.pk}"
            for method in (self.client.get, self.client.post):
                with self.subTest(model=model, method=method.__name__):
                    response = method(url, follow=True)
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(response.redirect_chain[-1][0], f"/admin/snippets/facilitation/{model}/")
                    self.assertContains(response, "never deleted")
                    self.assertTrue(type(obj).objects.filter(pk=obj.pk).exists())
        self.assertEqual(
            ConsentRecord.objects.filter(participant=self.w.elder_a).order_by("-recorded_at", "-id").first(),
            self.narrowing,
        )
        self.assertEqual(AuditEvent.objects.filter(pk=self.event.pk).count(), 1)


class SessionNotesOfOtherFamiliesTests(TestCase):
    """A session's log, observations and safeguarding note went into a family's export whenever its attendees and
    pairs were all of that family, even when another family's child was rated at it, heard in one of its recordings
    or named in a concern raised at it: the notes describe that child too."""

    @classmethod
    def setUpTestData(cls):
        w = cls.w = build_world()
        cls.family = w.elder_a.family
        family_c = FamilyFactory(site=w.site_a)
        cls.child_c = ChildFactory(family=family_c, real_name=OTHER_CHILD)
        ConsentRecordFactory(participant=cls.child_c)
        cls.sessions = {}
        for how in ("rated", "heard", "concern"):
            session = StorySessionFactory(
                site=w.site_a,
                log=f"Log {how}: Дана was upset",
                observations=f"Observed {how}: Дана cried",
                safeguarding_note=f"Note {how}: about Дана",
            )
            session.attendees.set([w.elder_a, w.child_a])
            session.save()
            if how == "rated":
                ObservationRating.objects.create(session=session, child=cls.child_c, engagement=2)
            elif how == "heard":
                RecordingFactory(family=family_c, session=session, speakers=[cls.child_c])
            else:
                concern = Concern.objects.create(site=w.site_a, session=session, note="c")
                concern.children.set([cls.child_c])
            cls.sessions[how] = session
        out = Path(tempfile.mkdtemp(prefix="sbg-review-export-")) / "export.zip"
        call_command("export_family", cls.family.code, output=str(out), by="admin", verbosity=0)
        with zipfile.ZipFile(out) as archive:
            cls.raw = b"".join(archive.read(name) for name in archive.namelist())
            cls.sessions_json = json.loads(archive.read("sessions.json"))

    def test_their_notes_are_withheld(self):
        text = self.raw.decode("utf-8", "replace")
        for word in ("Дана was upset", "Дана cried", "about Дана", OTHER_CHILD):
            with self.subTest(word=word):
                self.assertNotIn(word, text)
        by_id = {entry["id"]: entry for entry in self.sessions_json}
        for how, session in self.sessions.items():
            with self.subTest(how=how):
                entry = by_id[session.pk]
                self.assertTrue(entry["other_families_attended"])
                self.assertIn("withheld", entry)
                self.assertNotIn("log", entry)
                self.assertEqual(entry["observation_ratings"], [])


class ConsentFormsMenuTests(TestCase):
    """The "Printable consent forms" menu item was shown to every facilitator, but the forms open only for one
    assigned to a site: a facilitator not yet assigned followed it into a 404."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.unassigned = get_user_model().objects.create_user("facilitator_new", password="x")
        cls.unassigned.groups.add(Group.objects.get(name=FACILITATOR))

    def test_the_menu_offers_only_what_opens(self):
        for user, shown in (
            (self.unassigned, False),
            (self.w.users["facilitator_a"], True),
            (self.w.users["admin"], True),
        ):
            with self.subTest(user=user.username):
                self.client.force_login(user)
                html = self.client.get("/admin/").content.decode()
                self.assertEqual("/admin/programme/consent-forms/" in html, shown)
                status = self.client.get("/admin/programme/consent-forms/").status_code
                self.assertEqual(status, 200 if shown else 404)
