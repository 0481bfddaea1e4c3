"""The family page: one place per family, reached from every listing that names the family, only for its staff."""

import datetime
import re

from django.test import TestCase
from django.utils import timezone, translation
from wagtail.models import Page

from facilitation.factories import ConsentRecordFactory, ParticipantFactory
from stories.factories import StoryPageFactory

from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]
REFUSED = {302, 403, 404}


def family_url(family) -> str:
    return f"/admin/snippets/facilitation/family/inspect/{family.pk}/"


class FamilyPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.family_a = cls.w.elder_a.family
        cls.family_b = cls.w.elder_b.family
        # A second elder whose consent is narrower (no audio publication, Kazakh only) and one whose consent expired.
        cls.narrow = ParticipantFactory(family=cls.family_a, real_name="Гүлнар Ахметова")
        ConsentRecordFactory(participant=cls.narrow, publish_audio=False, publish_languages=["kk"])
        cls.expired = ParticipantFactory(family=cls.family_a)
        ConsentRecordFactory(
            participant=cls.expired,
            given_on=timezone.localdate() - datetime.timedelta(days=400),
            review_on=timezone.localdate() - datetime.timedelta(days=1),
        )
        with translation.override("kk"):  # setUpTestData runs before the per-test language fixture
            cls.story_pk = cls.make_story()

    @classmethod
    def make_story(cls):
        return StoryPageFactory(
            parent=Page.get_first_root_node(),
            source_recording=cls.w.recording_a,
            title="Өзен туралы әңгіме",
            title_kk="Өзен туралы әңгіме",
            title_ru="Рассказ о реке",
            title_en="The river story",
            slug_kk="ozen",
            live=False,
        ).pk  # a page's StreamValue cannot be deep-copied per test: keep its id

    def login(self, role):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])

    def test_only_the_familys_staff_reach_it(self):
        for family, allowed in (
            (self.family_a, {"admin", "facilitator_a"}),
            (self.family_b, {"admin", "facilitator_b"}),
        ):
            for role in ROLES:
                self.login(role)
                code = self.client.get(family_url(family)).status_code
                with self.subTest(role=role, family=family.code):
                    if role in allowed:
                        self.assertEqual(code, 200)
                    else:  # signed-in staff without the right: as if the family did not exist
                        self.assertEqual(code, 302 if role == "anonymous" else 404)
        self.login("facilitator_a")
        self.assertEqual(self.client.get(family_url(self.family_b)).status_code, 404)
        self.assertEqual(self.client.get("/admin/snippets/facilitation/family/inspect/999999/").status_code, 404)

    def test_reached_from_the_listings_that_name_the_family(self):
        self.login("facilitator_a")
        url = family_url(self.family_a)
        for listing in ("family", "participant", "recording", "submission", "consentrecord"):
            with self.subTest(listing=listing):
                html = self.client.get(f"/admin/snippets/facilitation/{listing}/").content.decode()
                if listing == "submission":  # none yet: see test_submission_review for its rows
                    continue
                self.assertTrue(f'href="{url}"' in html, listing)
                self.assertFalse(f'href="{family_url(self.family_b)}"' in html, listing)
        families = self.client.get("/admin/snippets/facilitation/family/").content.decode()
        # The row's own link is the family page, not the edit form.
        self.assertTrue(
            re.search(rf'<a href="{re.escape(url)}">\s*<span id="snippet_\d+_title">{self.family_a.code}', families)
        )

    def test_people_consent_matrix_recordings_sessions_and_stories(self):
        self.login("facilitator_a")
        html = self.client.get(family_url(self.family_a)).content.decode()
        for person in (self.w.elder_a, self.w.child_a, self.narrow, self.expired):
            self.assertIn(f'data-person="{person.code}"', html)
        self.assertIn("Айгүл Серікқызы", html)  # real names for this site's facilitator
        # The matrix: one row per use, one column per person, in order elder_a, narrow, expired, child (by role, index)
        row = re.search(r'<tr data-scope="publish_audio">(.*?)</tr>', html, re.S).group(1)
        self.assertEqual(row.count("✓"), 2)  # elder_a and child_a
        self.assertEqual(row.count("✗"), 1)  # the narrower consent
        self.assertEqual(row.count("⚠"), 1)  # the expired one: said yes, not in force
        self.assertTrue("<td>Kazakh, Russian, English</td>" in html and "<td>Kazakh</td>" in html)
        self.assertIn("expired", html)
        # Recordings play through the private view; the state of transcription is shown.
        self.assertIn(f'src="/private/recordings/{self.w.recording_a.pk}/"', html)
        self.assertIn("Not transcribed", html)
        self.assertIn(f'href="/admin/snippets/facilitation/storysession/edit/{self.w.session_a.pk}/"', html)
        self.assertIn("The river story", html)  # the admin's language (English here)
        self.assertIn(f'data-story="{self.story_pk}"', html)
        # The actions that apply.
        self.assertIn(f"/admin/snippets/facilitation/consentrecord/add/?participant={self.w.child_a.pk}", html)
        self.assertIn(f"/admin/consent/withdraw/{self.w.child_a.pk}/", html)
        self.assertIn(f"/admin/invitations/new/?family={self.family_a.pk}", html)
        self.assertIn(f"/admin/snippets/facilitation/recording/add/?family={self.family_a.pk}", html)
        for link in re.findall(r'href="(/admin/[^"]+)"', html):
            if "logout" in link or "/private/" in link:
                continue
            with self.subTest(link=link):
                self.assertLess(self.client.get(link.replace("&amp;", "&")).status_code, 400, link)

    def test_no_real_names_without_the_policy(self):
        self.login("admin")
        self.assertContains(self.client.get(family_url(self.family_a)), "Айгүл Серікқызы")
        self.login("facilitator_b")
        self.assertNotContains(self.client.get(family_url(self.family_a)), "Айгүл", status_code=404)
