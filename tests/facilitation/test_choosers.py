"""Choosers by URL, per role: the audit log's is for administrators only (issue 9 item 6); editors get working,
consent-scoped choosers of what a story may be built from (issue 9 item 1), and no list or edit screens."""

import json

from django.test import TestCase

from facilitation import policy
from facilitation.factories import ConsentRecordFactory, ParticipantFactory, RecordingFactory
from facilitation.families.invitations import create_invitation
from facilitation.models import AuditEvent, ConsentRecord, Submission

from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]
CHOOSE = "/admin/snippets/choose/facilitation/{model}/"


def body(response) -> str:
    """A chooser answers JSON (a modal step) or HTML (the results); either way, the markup."""
    text = response.content.decode()
    if response.get("Content-Type", "").startswith("application/json"):
        return json.dumps(json.loads(text))  # keeps the html, with its links
    return text


class AuditLogIsForAdministratorsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.event = policy.audit(cls.w.users["facilitator_a"], "recording.view", cls.w.recording_a, True)

    def get(self, role, url):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])
        return self.client.get(url)

    def test_every_audit_url_per_role(self):
        pk = self.event.pk
        urls = [
            CHOOSE.format(model="auditevent"),
            CHOOSE.format(model="auditevent") + "results/",
            CHOOSE.format(model="auditevent") + f"chosen/{pk}/",
            CHOOSE.format(model="auditevent") + f"chosen-multiple/?id={pk}",
            "/admin/snippets/facilitation/auditevent/",
            f"/admin/snippets/facilitation/auditevent/inspect/{pk}/",
            f"/admin/snippets/facilitation/auditevent/history/{pk}/",
        ]
        for url in urls:
            for role in ROLES:
                response = self.get(role, url)
                with self.subTest(url=url, role=role):
                    if role == "admin":
                        self.assertEqual(response.status_code, 200)
                    elif role == "anonymous":
                        self.assertEqual(response.status_code, 302)
                    else:
                        self.assertIn(response.status_code, {302, 403, 404})
                        self.assertNotIn(self.event.target_label, body(response))

    def test_nobody_edits_or_deletes_the_audit_log(self):
        url = f"/admin/snippets/facilitation/auditevent/edit/{self.event.pk}/"
        self.assertEqual(self.get("admin", url).status_code, 404)
        self.client.post(f"/admin/snippets/facilitation/auditevent/delete/{self.event.pk}/")
        self.assertTrue(AuditEvent.objects.filter(pk=self.event.pk).exists())


class EditorChooserTests(TestCase):
    """An editor picks the sources of a story: what is consented for publication appears, nothing else, no names."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        family = cls.w.elder_a.family
        # Consents to be recorded and archived, not to any publication.
        cls.private_elder = ParticipantFactory(family=family, real_name="Private Person Name")
        ConsentRecordFactory(
            participant=cls.private_elder,
            publish_text=False,
            publish_audio=False,
            publish_photos=False,
            publish_languages=[],
        )
        cls.unconsented_recording = RecordingFactory(family=family, speakers=[cls.w.elder_a, cls.private_elder])
        cls.w.session_a.save()  # parental many-to-many (attendees) are written when the session is saved
        cls.w.session_b.attendees.set([cls.private_elder])
        cls.w.session_b.save()
        cls.submissions = {}
        for name, people in (("usable", [cls.w.elder_a, cls.w.child_a]), ("private", [cls.private_elder])):
            invitation, _token, _code = create_invitation(family, language="kk", actor=cls.w.users["admin"])
            submission = Submission(invitation=invitation, family=family, language="kk")
            submission.issue_secrets()
            submission.save()
            submission.participants.set(people)
            cls.submissions[name] = submission

    def setUp(self):
        self.client.force_login(self.w.users["editor"])

    def check_chooser(self, model, usable_pk, private_pk):
        base = CHOOSE.format(model=model)
        for url in (base, base + "results/"):
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            html = body(response)
            self.assertIn(f"chosen/{usable_pk}/", html, url)
            self.assertNotIn(f"chosen/{private_pk}/", html, url)
            for name in ("Айгүл", "Нұрлан", "Бақыт", "Private Person Name"):
                self.assertNotIn(name, html)
        self.assertEqual(self.client.get(base + f"chosen/{usable_pk}/").status_code, 200)
        self.assertEqual(self.client.get(base + f"chosen/{private_pk}/").status_code, 404)
        multiple = body(self.client.get(base + f"chosen-multiple/?id={usable_pk}&id={private_pk}"))
        self.assertNotIn(f'"id": {private_pk}', multiple)

    def test_recording_chooser(self):
        self.check_chooser("recording", self.w.recording_a.pk, self.unconsented_recording.pk)

    def test_participant_chooser(self):
        self.check_chooser("participant", self.w.child_a.pk, self.private_elder.pk)

    def test_submission_chooser(self):
        self.check_chooser("submission", self.submissions["usable"].pk, self.submissions["private"].pk)

    def test_session_chooser(self):
        self.check_chooser("storysession", self.w.session_a.pk, self.w.session_b.pk)

    def test_a_recording_of_someone_who_withdrew_disappears(self):
        ConsentRecordFactory(
            participant=self.w.child_a,
            kind=ConsentRecord.Kind.WITHDRAWAL,
            publish_text=False,
            publish_audio=False,
            publish_photos=False,
            publish_languages=[],
        )
        url = CHOOSE.format(model="recording") + f"chosen/{self.w.recording_a.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_no_list_or_edit_screens_for_editors(self):
        for model, pk in (
            ("recording", self.w.recording_a.pk),
            ("participant", self.w.child_a.pk),
            ("submission", self.submissions["usable"].pk),
            ("storysession", self.w.session_a.pk),
        ):
            for url in (f"/admin/snippets/facilitation/{model}/", f"/admin/snippets/facilitation/{model}/edit/{pk}/"):
                with self.subTest(url=url):
                    self.assertIn(self.client.get(url).status_code, {302, 403, 404})

    def test_other_roles_choosers_are_their_sites(self):
        base = CHOOSE.format(model="recording")
        for role, reachable, unreachable in (
            ("facilitator_b", self.w.recording_b.pk, self.w.recording_a.pk),
            ("evaluator", None, self.w.recording_a.pk),
            ("safeguarding", None, self.w.recording_a.pk),
        ):
            self.client.force_login(self.w.users[role])
            with self.subTest(role=role):
                if reachable:
                    self.assertEqual(self.client.get(base + f"chosen/{reachable}/").status_code, 200)
                self.assertEqual(self.client.get(base + f"chosen/{unreachable}/").status_code, 404)


class FamilyChooserTests(TestCase):
    """The family picker (on a recording, an invitation) names more than a bare code and finds a code typed any way,
    within the facilitator's own sites."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_family_chooser_labels_and_search_stay_in_the_facilitators_sites(self):
        self.client.force_login(self.w.users["facilitator_a"])
        own, other = self.w.elder_a.family, self.w.elder_b.family
        typed = own.code.lower().replace("-", " ")
        html = body(self.client.get(CHOOSE.format(model="family") + "results/", {"q": typed}))
        self.assertIn(f"chosen/{own.pk}/", html)
        self.assertIn(f"{own.code} · ", html)  # code and site, not a bare code
        self.assertNotIn(f"chosen/{other.pk}/", html)
        html = body(self.client.get(CHOOSE.format(model="family") + "results/", {"q": other.code}))
        self.assertNotIn(f"chosen/{other.pk}/", html)
