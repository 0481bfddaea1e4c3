"""Staff see the programme's name in the admin, in their language, never the name of the software behind it."""

import re

from django.contrib.auth import get_user_model
from django.test import TestCase
from wagtail.users.models import UserProfile

PROGRAMME = {
    "kk": "Ұрпақтар арасындағы әңгімелер",
    "ru": "Рассказы между поколениями",
    "en": "Stories Between Generations",
}


def title_and_heading(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1)
    return " ".join(title.split()), " ".join(re.sub(r"<[^>]+>", " ", heading).split())


class AdminBrandingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.admin = get_user_model().objects.create_superuser("admin", password="x")

    def test_sign_in_page_names_the_programme_in_each_language(self):
        for language, name in PROGRAMME.items():
            with self.subTest(language=language):
                html = self.client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
                title, heading = title_and_heading(html)
                self.assertTrue(title.endswith(name), title)
                self.assertNotIn("Wagtail", title + heading)
                self.assertIn("images/programme-mark.svg", html)  # favicon and logo
        _title, heading = title_and_heading(
            self.client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        )
        self.assertEqual(heading, "Sign in to Stories Between Generations")

    def test_dashboard_welcomes_staff_to_the_programme(self):
        self.client.force_login(self.admin)
        for language, name in PROGRAMME.items():
            with self.subTest(language=language):
                profile = UserProfile.get_for_user(self.admin)
                profile.preferred_language = language
                profile.save()
                html = self.client.get("/admin/").content.decode()
                title, heading = title_and_heading(html)
                self.assertEqual(heading, name)
                self.assertTrue(title.endswith(name), title)
                self.assertNotIn("Wagtail", title)
                # The sidebar's logo is the programme's mark, named for screen readers.
                self.assertRegex(html, rf'<img class="programme-logo" src="[^"]+programme-mark.svg" alt="{name}"')
                self.assertNotIn("editor guide", html)  # no link out to Wagtail's external guide
                self.assertNotIn("w-whats-new", html)

    def test_admin_not_found_page_leads_back_to_the_dashboard(self):
        self.client.force_login(self.admin)
        response = self.client.get("/admin/no-such-screen/")
        self.assertEqual(response.status_code, 404)
        html = response.content.decode()
        self.assertIn("images/programme-mark.svg", html)
        self.assertNotIn("Wagtail admin", html)
