"""Review of issue 11 part B (safeguarding concerns, dashboards, e-mails): what the first tests left open, from the
outside, by URL."""

import datetime
import re

from django.core.management import call_command
from django.test import TestCase
from django.utils import timezone

from facilitation.factories import ChildFactory, ConsentRecordFactory, FamilyFactory, ParticipantFactory, SiteFactory
from facilitation.models import Concern, StorySession

from .world import build_world

NOTE = "Review probe: the child said something private"


class ReviewStaffTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.concern = Concern.objects.create(
            site=cls.w.site_a, session=cls.w.session_a, note=NOTE, raised_by=cls.w.users["facilitator_a"]
        )
        cls.concern.children.set([cls.w.child_a])
        cls.due = ParticipantFactory(family=cls.w.elder_a.family)
        ConsentRecordFactory(participant=cls.due, review_on=timezone.localdate() + datetime.timedelta(days=3))

    def login(self, role):
        self.client.force_login(self.w.users[role])

    def test_raise_with_a_malformed_session_id_is_404_not_500(self):
        self.login("facilitator_a")
        for value in ("abc", "1.5", "-"):
            with self.subTest(value=value):
                self.assertEqual(self.client.get(f"/admin/safeguarding/raise/?session={value}").status_code, 404)

    def test_a_session_with_a_concern_is_kept_and_deleting_it_says_why(self):
        """Concern.session is PROTECT (the lead's record must keep its session): deleting such a session, alone or
        in bulk, used to end in a server error; it now says why and leads back to the sessions."""
        self.login("admin")
        session = self.w.session_a.pk
        listing = "/admin/snippets/facilitation/storysession/"
        for url in (
            f"/admin/snippets/facilitation/storysession/delete/{session}/",
            f"/admin/bulk/facilitation/storysession/delete/?id={session}",
        ):
            with self.subTest(url=url):
                for method in (self.client.get, self.client.post):
                    response = method(url, follow=True)
                    self.assertEqual(response.status_code, 200)
                    self.assertEqual(response.redirect_chain[-1][0], listing)
                    self.assertContains(response, "is kept with the concern: not deleted")
                self.assertTrue(StorySession.objects.filter(pk=session).exists())
        # A session without a concern is deleted as before.
        other = self.w.session_b.pk
        self.client.post(f"/admin/snippets/facilitation/storysession/delete/{other}/")
        self.assertFalse(StorySession.objects.filter(pk=other).exists())

    def test_listing_exports_usage_and_history_never_show_a_concern_to_a_facilitator(self):
        call_command("rebuild_references_index", verbosity=0)
        self.login("facilitator_a")
        for url in (
            "/admin/snippets/facilitation/storysession/?export=csv",
            "/admin/snippets/facilitation/storysession/?export=xlsx",
            "/admin/snippets/facilitation/storysession/?safeguarding_concern=true",
            f"/admin/snippets/facilitation/participant/usage/{self.w.child_a.pk}/",
            f"/admin/snippets/facilitation/storysession/usage/{self.w.session_a.pk}/",
            f"/admin/snippets/facilitation/participant/history/{self.w.child_a.pk}/",
            f"/admin/snippets/facilitation/family/inspect/{self.w.child_a.family.pk}/",
            "/admin/reports/site-history/",
            "/admin/safeguarding/?export=csv",
        ):
            response = self.client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            with self.subTest(url=url):
                self.assertNotEqual(response.status_code, 500)
                text = body.decode(errors="ignore")
                for secret in (NOTE, "Concern #", "/admin/safeguarding/concerns/", "ұйықтай", "(Private safeguarding"):
                    self.assertNotIn(secret, text)
        # Even read by the lead, who may open concerns, a usage screen knows none: they are not in the index.
        self.login("safeguarding")
        usage = self.client.get(f"/admin/snippets/facilitation/participant/usage/{self.w.child_a.pk}/")
        self.assertNotContains(usage, "/admin/safeguarding/concerns/", status_code=usage.status_code)
        self.assertNotContains(usage, "safeguarding concern", status_code=usage.status_code)

    def test_consents_due_leads_to_a_new_consent_for_that_participant(self):
        """Not the blank "add consent record" form, where the facilitator would have to find the person again."""
        self.login("facilitator_a")
        html = self.client.get("/admin/dashboard/consents-due/").content.decode()
        row = re.search(rf"<tr>\s*<td>{re.escape(self.due.code)}</td>.*?</tr>", html, re.S)
        self.assertIsNotNone(row)
        link = re.search(r'href="([^"]+)"', row.group(0)).group(1).replace("&amp;", "&")
        self.assertEqual(link, f"/admin/snippets/facilitation/consentrecord/add/?participant={self.due.pk}")
        self.assertEqual(self.client.get(link).status_code, 200)

    def test_a_concern_never_mixes_sites_even_for_whom_both_sites_are_offered(self):
        """The form offers an administrator (and a facilitator of two sites) children of several sites: the policy,
        not the form's choices, must refuse a session of one site with a child of another. Nothing is stored."""
        site_c = SiteFactory(facilitators=[self.w.users["facilitator_a"]])
        child_c = ChildFactory(family=FamilyFactory(site=site_c))
        cases = [("admin", self.w.session_b, self.w.child_a), ("facilitator_a", self.w.session_a, child_c)]
        for role, session, child in cases:
            self.login(role)
            before = Concern.objects.count()
            with self.captureOnCommitCallbacks(execute=True):
                response = self.client.post(
                    "/admin/safeguarding/raise/", {"session": session.pk, "children": [child.pk], "note": "mixed"}
                )
            with self.subTest(role=role):
                self.assertEqual(response.status_code, 200)  # the form again, with the reason
                self.assertContains(response, "belongs to another site")
                self.assertEqual(Concern.objects.count(), before)

    def test_the_kept_session_message_is_no_oracle_for_those_who_may_not_delete(self):
        """Whoever may not delete the session (its facilitator, another site's, the lead) learns nothing of a concern
        from the delete URLs."""
        session = self.w.session_a.pk
        for role in ("facilitator_a", "facilitator_b", "safeguarding", "evaluator"):
            self.login(role)
            for url in (
                f"/admin/snippets/facilitation/storysession/delete/{session}/",
                f"/admin/bulk/facilitation/storysession/delete/?id={session}",
            ):
                for method in (self.client.get, self.client.post):
                    response = method(url, follow=True)
                    with self.subTest(role=role, url=url, method=method.__name__):
                        self.assertNotContains(response, "kept with the concern", status_code=response.status_code)
            self.assertTrue(StorySession.objects.filter(pk=session).exists())

    def test_the_leads_queue_lists_open_concerns_first(self):
        """As the queue promises: open, then in progress, then closed (newest first within each), so an old open
        concern is never buried under newer closed ones."""
        now = timezone.now()
        old_open = Concern.objects.create(site=self.w.site_b, note="o", raised_at=now - datetime.timedelta(days=30))
        Concern.objects.create(site=self.w.site_b, note="c", status=Concern.Status.CLOSED, raised_at=now)
        Concern.objects.create(site=self.w.site_b, note="p", status=Concern.Status.IN_PROGRESS, raised_at=now)
        self.login("safeguarding")
        html = self.client.get("/admin/safeguarding/").content.decode()
        numbers = [int(n) for n in re.findall(r'href="/admin/safeguarding/concerns/(\d+)/"', html)]
        statuses = [Concern.objects.get(pk=n).status for n in dict.fromkeys(numbers)]
        self.assertEqual(statuses, ["open", "open", "in_progress", "closed"])
        self.assertEqual(list(dict.fromkeys(numbers))[:2], [self.concern.pk, old_open.pk])
        # The columns still sort on demand.
        self.assertEqual(self.client.get("/admin/safeguarding/?ordering=raised_at").status_code, 200)
