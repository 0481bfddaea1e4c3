import re

from django.test import TestCase
from django.utils import timezone

from facilitation.factories import StorySessionFactory

from .world import build_world


class InvitationAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_facilitator_prints_a_handout_whose_link_and_code_work_once(self):
        self.client.force_login(self.w.users["facilitator_a"])
        response = self.client.post("/admin/invitations/new/", {"family": self.w.elder_a.family_id, "language": "ru"})
        html = response.content.decode()
        url = re.search(r"data-invitation-url>([^<]+)<", html).group(1)
        code = re.search(r"data-invitation-code[^>]*>([A-Z0-9-]+)<", html).group(1)
        self.assertIn("<svg", html)  # the QR code
        self.assertIn("/ru/share/", url)
        self.client.logout()
        self.assertEqual(self.client.get(url.split("testserver")[-1]).status_code, 200)
        self.assertEqual(self.client.post("/ru/share/", {"code": code}).status_code, 302)

    def test_a_facilitator_cannot_invite_another_sites_family(self):
        self.client.force_login(self.w.users["facilitator_b"])
        response = self.client.post("/admin/invitations/new/", {"family": self.w.elder_a.family_id, "language": "kk"})
        self.assertNotContains(response, "data-invitation-url")
        for role in ("evaluator", "editor", "safeguarding"):
            self.client.force_login(self.w.users[role])
            self.assertEqual(self.client.get("/admin/invitations/new/").status_code, 404)


class DashboardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.soon = StorySessionFactory(site=cls.w.site_a, starts_at=timezone.now() + timezone.timedelta(days=2))
        cls.elsewhere = StorySessionFactory(site=cls.w.site_b, starts_at=timezone.now() + timezone.timedelta(days=1))

    def test_my_upcoming_sessions_lists_only_my_sites(self):
        self.client.force_login(self.w.users["facilitator_a"])
        html = self.client.get("/admin/").content.decode()
        self.assertIn("My upcoming sessions", html)
        self.assertIn(f"/storysession/edit/{self.soon.pk}/", html)
        self.assertNotIn(f"/storysession/edit/{self.elsewhere.pk}/", html)
