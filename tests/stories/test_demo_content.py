from io import StringIO

from django.core.management import call_command
from django.test import TestCase
from wagtail.models import Page, Site

from facilitation.models import Region
from stories.models import ApproachPage, HomePage, SessionGuidePage, StoryPage, Theme


class DemoContentTests(TestCase):
    def test_demo_content_is_trilingual_and_idempotent(self):
        # As `make setup` runs it: existing pages (Wagtail's welcome page) get their translation fields filled first.
        call_command("update_translation_fields", verbosity=0)
        call_command("set_translation_url_paths", verbosity=0)
        call_command("load_demo_content", stdout=StringIO())
        counts = (Page.objects.count(), Theme.objects.count(), Region.objects.count())
        call_command("load_demo_content", stdout=StringIO())
        self.assertEqual((Page.objects.count(), Theme.objects.count(), Region.objects.count()), counts)
        self.assertEqual(HomePage.objects.count(), 1)
        self.assertEqual(ApproachPage.objects.count(), 1)
        self.assertGreaterEqual(SessionGuidePage.objects.count(), 3)
        self.assertGreaterEqual(StoryPage.objects.live().count(), 3)
        self.assertEqual(Site.objects.get(is_default_site=True).root_page.specific, HomePage.objects.get())
        # Real Kazakh and Russian text, not placeholders.
        for story in StoryPage.objects.all():
            self.assertRegex(story.title_kk, r"[әғқңөұүһі]|[А-Яа-я]")
            self.assertRegex(story.title_ru, r"[А-Яа-я]")
        for lang, prefix in (("kk", "/kk/"), ("ru", "/ru/"), ("en", "/en/")):
            response = self.client.get(prefix)
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, f'<html lang="{lang}">')
