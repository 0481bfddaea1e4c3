"""Sessions that make sense (issue 11 part C): pairs only from the session's site, an elder as the elder and a child as
the child (a clear error on the right field), no "held" in the future (and not counted as held), facilitators chosen
among the site's facilitators, choosers with search and labels that say who someone is."""

import datetime
import json

from django.core.exceptions import ValidationError
from django.test import TestCase
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from facilitation.evaluation.indicators import Filters, compute
from facilitation.factories import ChildFactory, ParticipantFactory, SiteFactory, StorySessionFactory
from facilitation.models import StorySession
from facilitation.models.sessions import SessionPair

from .test_scope_writes import session_post
from .world import build_world

ADD = "/admin/snippets/facilitation/storysession/add/"
CHOOSE = "/admin/snippets/choose/facilitation/participant/"


def errors_of(response) -> str:
    return response.content.decode()


def _held_total(dashboard) -> int:
    """Held sessions over the sessions table's rows and the monthly series."""
    table = dashboard.tables["sessions"]
    column = 2  # Area, Planned, Held
    return sum(row[column].value for row in table.rows) + sum(dashboard.series["sessions_by_month"]["held"])


class SessionDataTests(TestCase):
    """One world for every test here (built once: these tests only read it or write in transactions rolled back)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.child_b = ChildFactory(family=cls.w.elder_b.family)
        # facilitator A also works at a third site: both sites' people are in their choice lists
        cls.site_c = SiteFactory(facilitators=[cls.w.users["facilitator_a"]])
        cls.child_c = ChildFactory(family__site=cls.site_c)
        for _n in range(30):  # more than a chooser page of 10 or 25
            ParticipantFactory(family=cls.w.elder_a.family)

    def post(self, role, data):
        self.client.force_login(self.w.users[role])
        return self.client.post(ADD, data)

    def assert_refused(self, response, before):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(StorySession.objects.count(), before)

    def test_admin_cannot_pair_a_child_of_another_site(self):
        before = StorySession.objects.count()
        data = session_post(self.w.site_a, pairs=[{"elder": self.w.elder_a.pk, "child": self.child_b.pk}])
        response = self.post("admin", data)
        self.assert_refused(response, before)
        self.assertContains(response, f"{self.child_b.code} belongs to another site.")

    def test_facilitator_of_two_sites_cannot_mix_them_in_a_pair(self):
        before = StorySession.objects.count()
        data = session_post(self.w.site_a, pairs=[{"elder": self.w.elder_a.pk, "child": self.child_c.pk}])
        response = self.post("facilitator_a", data)
        self.assert_refused(response, before)
        self.assertContains(response, f"{self.child_c.code} belongs to another site.")

    def test_facilitator_cannot_pair_another_sites_child_by_id(self):
        before = StorySession.objects.count()
        data = session_post(self.w.site_a, pairs=[{"elder": self.w.elder_a.pk, "child": self.child_b.pk}])
        response = self.post("facilitator_a", data)
        self.assert_refused(response, before)
        self.assertNotContains(response, self.child_b.code)  # nothing about the other site is named

    def test_a_child_as_the_elder_is_a_clear_error_on_the_elder_field(self):
        before = StorySession.objects.count()
        data = session_post(self.w.site_a, pairs=[{"elder": self.w.child_a.pk, "child": self.w.child_a.pk}])
        response = self.post("facilitator_a", data)
        self.assert_refused(response, before)
        self.assertContains(response, f"{self.w.child_a.code} is a child, not an elder.")
        self.assertNotContains(response, "Select a valid choice")
        self.assertNotContains(response, "is not a valid choice")  # the ForeignKey's own words

    def test_an_elder_as_the_child_is_a_clear_error(self):
        before = StorySession.objects.count()
        data = session_post(
            self.w.site_a,
            pairs=[{"elder": self.w.elder_a.pk, "child": self.w.elder_a.pk}],
            ratings=[{"child": self.w.elder_a.pk, "engagement": "4", "comfort": "", "belonging": ""}],
        )
        response = self.post("facilitator_a", data)
        self.assert_refused(response, before)
        self.assertContains(response, f"{self.w.elder_a.code} is not a child.", count=2)  # the pair and the rating
        self.assertNotContains(response, "is not a valid choice")

    def test_the_error_is_translated(self):
        msgid = "%(code)s is a child, not an elder."
        with translation.override("kk"):
            if translation.gettext(msgid) == msgid:
                self.skipTest("the kk/ru catalogues do not hold /work/brief/tr/data.tsv yet (the lead compiles them)")
        profile = UserProfile.get_for_user(self.w.users["facilitator_a"])
        for language in ("kk", "ru"):
            profile.preferred_language = language
            profile.save()
            with translation.override(language):
                expected = translation.gettext(msgid) % {"code": self.w.child_a.code}
            data = session_post(self.w.site_a, pairs=[{"elder": self.w.child_a.pk, "child": self.w.child_a.pk}])
            response = self.post("facilitator_a", data)
            with self.subTest(language=language):
                self.assertContains(response, expected)
        profile.preferred_language = "en"
        profile.save()

    def test_a_valid_pair_still_saves(self):
        data = session_post(
            self.w.site_a,
            facilitators=[self.w.users["facilitator_a"]],
            pairs=[{"elder": self.w.elder_a.pk, "child": self.w.child_a.pk}],
        )
        response = self.post("facilitator_a", data)
        self.assertEqual(response.status_code, 302)

    def test_model_clean_refuses_roles_swapped(self):
        pair = SessionPair(session=self.w.session_a, elder=self.w.child_a, child=self.w.elder_a)
        with self.assertRaises(ValidationError) as raised:
            pair.full_clean()
        self.assertIn("elder", raised.exception.message_dict)
        self.assertIn("child", raised.exception.message_dict)

    # --- No "held" in the future ---------------------------------------------------------------------------------

    def test_form_refuses_held_for_a_future_date(self):
        self.client.force_login(self.w.users["facilitator_a"])
        before = StorySession.objects.count()
        data = session_post(self.w.site_a, facilitators=[self.w.users["facilitator_a"]])
        data["status"] = "held"
        response = self.client.post(ADD, data)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(StorySession.objects.count(), before)
        self.assertContains(response, "A session in the future cannot be marked as held yet.")

    def test_held_in_the_past_saves(self):
        self.client.force_login(self.w.users["facilitator_a"])
        data = session_post(self.w.site_a, facilitators=[self.w.users["facilitator_a"]])
        data["status"] = "held"
        data["starts_at"] = (timezone.localtime() - datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M")
        response = self.client.post(ADD, data)
        self.assertEqual(response.status_code, 302)

    def test_model_clean(self):
        session = StorySession(site=self.w.site_a, starts_at=timezone.now() + datetime.timedelta(days=1), status="held")
        with self.assertRaises(ValidationError) as raised:
            session.full_clean()
        self.assertIn("status", raised.exception.message_dict)

    def test_indicators_do_not_count_future_held_sessions(self):
        today = timezone.localdate()
        filters = Filters.default(today)
        before = compute(filters, k=0, today=today)
        # written past the form (an import, an old row): still not "held" for the indicators
        StorySessionFactory(site=self.w.site_a, status="held", starts_at=timezone.now() + datetime.timedelta(days=3))
        after = compute(filters, k=0, today=today)
        self.assertEqual(_held_total(after), _held_total(before))
        StorySessionFactory(site=self.w.site_a, status="held", starts_at=timezone.now() - datetime.timedelta(days=3))
        self.assertGreater(_held_total(compute(filters, k=0, today=today)), _held_total(before))

    # --- Choices and choosers -------------------------------------------------------------------------------------

    def test_facilitators_choices_are_the_sites_facilitators_only(self):
        for role in ("admin", "facilitator_a"):
            self.client.force_login(self.w.users[role])
            response = self.client.get(f"/admin/snippets/facilitation/storysession/edit/{self.w.session_a.pk}/")
            form = response.context["form"]
            usernames = {u.username for u in form.fields["facilitators"].queryset}
            with self.subTest(role=role):
                self.assertEqual(usernames, {"facilitator_a"})

    def test_witness_choices_are_facilitators_only(self):
        expected = {"admin": {"facilitator_a", "facilitator_b"}, "facilitator_a": {"facilitator_a"}}
        for role, usernames in expected.items():
            self.client.force_login(self.w.users[role])
            response = self.client.get("/admin/snippets/facilitation/consentrecord/add/")
            form = response.context["form"]
            with self.subTest(role=role):
                self.assertEqual({u.username for u in form.fields["witness"].queryset}, usernames)

    def test_chooser_labels_search_and_page_size(self):
        self.client.force_login(self.w.users["facilitator_a"])
        response = self.client.get(CHOOSE)
        html = json.loads(response.content)["html"]
        self.assertIn("Child", html)
        self.assertIn(self.w.child_a.code, html)
        self.assertIn('name="q"', html)  # a search box
        self.assertGreaterEqual(html.count("data-chooser-modal-choice"), 32)  # more than a page of 10 or 25
        results = self.client.get(CHOOSE + "results/", {"q": self.w.child_a.code.lower().replace("-", " ")})
        text = results.content.decode()
        self.assertIn(f"chosen/{self.w.child_a.pk}/", text)
        self.assertNotIn(f"chosen/{self.w.elder_a.pk}/", text)

    def test_chooser_never_gives_another_sites_people(self):
        self.client.force_login(self.w.users["facilitator_a"])
        results = self.client.get(CHOOSE + "results/", {"q": self.w.elder_b.code})
        self.assertNotIn(f"chosen/{self.w.elder_b.pk}/", results.content.decode())
        everything = self.client.get(CHOOSE + "results/", {"p": 1})
        self.assertNotIn(f"chosen/{self.w.elder_b.pk}/", everything.content.decode())
        chosen = self.client.get(CHOOSE + f"chosen/{self.w.elder_b.pk}/")
        self.assertEqual(chosen.status_code, 404)
        several = self.client.get(CHOOSE + f"chosen-multiple/?id={self.w.elder_b.pk}&id={self.w.elder_a.pk}")
        self.assertNotIn(self.w.elder_b.code, several.content.decode())
        self.assertIn(self.w.elder_a.code, several.content.decode())
        for role in ("facilitator_b", "evaluator", "safeguarding"):  # never site A's people, by any chooser URL
            self.client.force_login(self.w.users[role])
            for url in (CHOOSE, CHOOSE + "results/", CHOOSE + f"chosen/{self.w.child_a.pk}/"):
                with self.subTest(role=role, url=url):
                    self.assertNotIn(self.w.child_a.code, self.client.get(url).content.decode())

    def test_chosen_label_says_more_than_a_code(self):
        self.client.force_login(self.w.users["facilitator_a"])
        chosen = self.client.get(CHOOSE + f"chosen/{self.w.child_a.pk}/")
        result = json.loads(chosen.content)["result"]
        self.assertIn(self.w.child_a.code, result["string"])
        self.assertIn("Child", result["string"])
