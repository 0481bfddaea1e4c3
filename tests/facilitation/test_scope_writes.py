"""Site scope on every write (issue 9 item 3): a facilitator of site B can create nothing in site A, by any field."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.utils import timezone

from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.models import ConsentRecord, Invitation, Participant, Recording, StorySession

from .world import build_world

ADD = "/admin/snippets/facilitation/{model}/add/"


def recording_post(family, speakers, session=None, content: bytes | None = None) -> dict:
    return {
        "family": family.pk,
        "session": session.pk if session else "",
        "speakers": [p.pk for p in speakers],
        "source": "session",
        "language": "kk",
        "title": "",
        "file": SimpleUploadedFile("interview.wav", content or tone_wav(1.0)),
    }


def participant_post(family, real_name="Real Name Person") -> dict:
    return {
        "family": family.pk,
        "role": "elder",
        "relation": "grandfather",
        "birth_year": "1950",
        "age_band": "60+",
        "preferred_language": "kk",
        "real_name": real_name,
    }


def consent_post(participant, witness=None, **overrides) -> dict:
    version = ConsentFormVersionFactory()
    data = {
        "participant": participant.pk,
        "form_version": version.pk,
        "form_language": "kk",
        "given_by": "participant",
        "guardian_relation": "",
        "child_assent": "n/a",
        "record_audio": "on",
        "transcribe": "on",
        "archive": "on",
        "publish_text": "on",
        "publish_audio": "on",
        "publish_photos": "on",
        "evaluation": "on",
        "publish_languages": ["kk", "ru", "en"],
        "method": "digital",
        "witness": witness.pk if witness else "",
        "given_on": timezone.localdate().isoformat(),
        "review_on": (timezone.localdate() + datetime.timedelta(days=365)).isoformat(),
        "note": "",
    }
    data.update(overrides)
    return data


def session_post(site, facilitators=(), attendees=(), pairs=(), ratings=()) -> dict:
    data = {
        "site": site.pk,
        "facilitators": [u.pk for u in facilitators],
        "starts_at": (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%d %H:%M"),
        "duration_minutes": "60",
        "status": "planned",
        "attendees": [p.pk for p in attendees],
        "log": "",
        "observations": "",
        "wish_respected": "",
        "follow_up_actions": "",
    }
    for name, rows in (("pairs", pairs), ("ratings", ratings)):
        data[f"{name}-TOTAL_FORMS"] = str(len(rows))
        data[f"{name}-INITIAL_FORMS"] = "0"
        data[f"{name}-MIN_NUM_FORMS"] = "0"
        data[f"{name}-MAX_NUM_FORMS"] = "1000"
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{name}-{i}-{key}"] = value
            data[f"{name}-{i}-ORDER"] = str(i + 1)
            data[f"{name}-{i}-DELETE"] = ""
            data[f"{name}-{i}-id"] = ""
    return data


class CrossSiteWriteTests(TestCase):
    """Issue 9 item 3, reproduced exactly: facilitator B writes into site A's family."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        self.client.force_login(self.w.users["facilitator_b"])
        self.family_a = self.w.elder_a.family

    def test_no_recording_in_another_sites_family(self):
        before = Recording.objects.count()
        response = self.client.post(ADD.format(model="recording"), recording_post(self.family_a, [self.w.elder_a]))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "error-message")
        self.assertEqual(Recording.objects.count(), before)

    def test_no_participant_with_a_real_name_in_another_sites_family(self):
        response = self.client.post(ADD.format(model="participant"), participant_post(self.family_a, "Қанат Ерланов"))
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Participant.objects.filter(real_name="Қанат Ерланов").exists())

    def test_no_consent_grant_for_another_sites_participant(self):
        before = self.w.elder_a.consent_records.count()
        response = self.client.post(ADD.format(model="consentrecord"), consent_post(self.w.elder_a))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.w.elder_a.consent_records.count(), before)

    def test_no_session_at_another_site(self):
        before = StorySession.objects.count()
        response = self.client.post(ADD.format(model="storysession"), session_post(self.w.site_a))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(StorySession.objects.count(), before)

    def test_no_other_sites_people_in_my_own_session(self):
        before = StorySession.objects.count()
        data = session_post(
            self.w.site_b,
            facilitators=[self.w.users["facilitator_a"]],
            attendees=[self.w.elder_a],
            pairs=[{"elder": self.w.elder_a.pk, "child": self.w.child_a.pk}],
        )
        response = self.client.post(ADD.format(model="storysession"), data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(StorySession.objects.count(), before)
        self.assertContains(response, "error-message")

    def test_no_other_sites_ids_when_editing(self):
        participant = self.w.elder_b
        url = f"/admin/snippets/facilitation/participant/edit/{participant.pk}/"
        response = self.client.post(url, participant_post(self.family_a, "Moved Person"))
        self.assertEqual(response.status_code, 200)
        participant.refresh_from_db()
        self.assertEqual(participant.family_id, self.w.elder_b.family_id)
        self.assertNotEqual(participant.real_name, "Moved Person")


class OwnSiteWriteTests(TestCase):
    """The allowed cases still render and save."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def setUp(self):
        self.client.force_login(self.w.users["facilitator_a"])
        self.family_a = self.w.elder_a.family

    def test_forms_render(self):
        for model in ("recording", "participant", "consentrecord", "storysession", "family"):
            with self.subTest(model=model):
                self.assertEqual(self.client.get(ADD.format(model=model)).status_code, 200)

    def test_participant_created(self):
        response = self.client.post(ADD.format(model="participant"), participant_post(self.family_a, "Own Person"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Participant.objects.filter(real_name="Own Person", family=self.family_a).exists())

    def test_consent_with_own_witness_created(self):
        data = consent_post(self.w.elder_a, witness=self.w.users["facilitator_a"], note="own")
        response = self.client.post(ADD.format(model="consentrecord"), data)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(ConsentRecord.objects.filter(note="own", participant=self.w.elder_a).exists())

    def test_consent_with_another_sites_witness_refused(self):
        data = consent_post(self.w.elder_a, witness=self.w.users["facilitator_b"], note="foreign witness")
        response = self.client.post(ADD.format(model="consentrecord"), data)
        self.assertEqual(response.status_code, 200)
        self.assertFalse(ConsentRecord.objects.filter(note="foreign witness").exists())

    def test_recording_created(self):
        response = self.client.post(
            ADD.format(model="recording"), recording_post(self.family_a, [self.w.elder_a], self.w.session_a)
        )
        self.assertEqual(response.status_code, 302)
        self.assertTrue(Recording.objects.filter(family=self.family_a, session=self.w.session_a).exists())

    def test_session_created_with_pairs(self):
        data = session_post(
            self.w.site_a,
            facilitators=[self.w.users["facilitator_a"]],
            attendees=[self.w.elder_a, self.w.child_a],
            pairs=[{"elder": self.w.elder_a.pk, "child": self.w.child_a.pk}],
            ratings=[{"child": self.w.child_a.pk, "engagement": "4", "comfort": "", "belonging": ""}],
        )
        response = self.client.post(ADD.format(model="storysession"), data)
        self.assertEqual(response.status_code, 302)
        session = StorySession.objects.latest("created_at")
        self.assertEqual(session.site, self.w.site_a)
        self.assertEqual(session.pairs.count(), 1)
        self.assertEqual(session.ratings.count(), 1)


class ChoiceListTests(TestCase):
    """Every choice list a facilitator sees (form selects, list filters) holds only their own sites' records."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_list_filters_and_forms_name_no_other_site(self):
        self.client.force_login(self.w.users["facilitator_b"])
        other = f"{self.w.site_a.name_en} ({self.w.site_a.region.code})"  # the admin speaks English to this user
        for url in (
            "/admin/snippets/facilitation/participant/",
            "/admin/snippets/facilitation/family/",
            "/admin/snippets/facilitation/recording/",
            "/admin/snippets/facilitation/storysession/",
            ADD.format(model="family"),
            ADD.format(model="storysession"),
            ADD.format(model="consentrecord"),
            ADD.format(model="recording"),
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 200)
                html = response.content.decode()
                self.assertFalse(other in html, f"{other} listed")
                self.assertFalse("facilitator_a" in html, "another site's facilitator listed")
                self.assertFalse(self.w.elder_a.code in html, "another site's participant listed")


class InvitationScopeTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_no_invitation_for_another_site_or_with_its_session(self):
        self.client.force_login(self.w.users["facilitator_a"])
        for data in (
            {"family": self.w.elder_b.family_id, "language": "kk"},
            {"family": self.w.elder_a.family_id, "session": self.w.session_b.pk, "language": "kk"},
        ):
            with self.subTest(data=data):
                response = self.client.post("/admin/invitations/new/", data)
                self.assertEqual(response.status_code, 200)
                self.assertFalse(Invitation.objects.exists())
        response = self.client.post(
            "/admin/invitations/new/",
            {"family": self.w.elder_a.family_id, "session": self.w.session_a.pk, "language": "kk"},
        )
        self.assertEqual(Invitation.objects.get().session, self.w.session_a)


class SiteFormTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_site_facilitators_are_users_in_the_facilitator_role(self):
        self.client.force_login(self.w.users["admin"])
        response = self.client.get("/admin/snippets/facilitation/site/add/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn(">facilitator_a<", html)
        self.assertIn(">facilitator_b<", html)
        for other in ("editor", "evaluator", "safeguarding"):
            self.assertNotIn(f">{other}<", html)
