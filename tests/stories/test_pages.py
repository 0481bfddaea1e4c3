import datetime
import re

from django.test import TestCase
from django.utils import translation
from django.utils.formats import date_format
from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from stories.models import ApproachPage, HomePage, SessionGuidePage, StoryIndexPage, StoryPage

from .site_tree import build_site_tree


class LanguagePagesTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.tree = build_site_tree()

    def test_each_language_renders_its_own_content_and_lang(self):
        expected = {"kk": "Көктемгі өзен", "ru": "Весенняя река", "en": "The spring river"}
        slugs = {
            "kk": "/kk/angimeler/koktemgi-ozen/",
            "ru": "/ru/istorii/vesennyaya-reka/",
            "en": "/en/stories/spring-river/",
        }
        for lang, url in slugs.items():
            response = self.client.get(url)
            self.assertEqual(response.status_code, 200, url)
            html = response.content.decode()
            self.assertIn(f'<html lang="{lang}">', html)
            self.assertIn(f"<h1>{expected[lang]}</h1>", html)
            for other, title in expected.items():
                if other != lang:
                    self.assertNotIn(title, html)
            self.assertNotIn('class="notice"', html)

    def test_switcher_links_lead_to_the_same_page_in_each_language(self):
        response = self.client.get("/kk/angimeler/koktemgi-ozen/")
        links = dict(re.findall(r'<a href="([^"]+)" hreflang="(\w\w)"', response.content.decode()))
        by_lang = {lang: url for url, lang in links.items()}
        self.assertEqual(by_lang, {"ru": "/ru/istorii/vesennyaya-reka/", "en": "/en/stories/spring-river/"})
        for url in by_lang.values():
            followed = self.client.get(url)
            self.assertEqual(followed.status_code, 200)
            self.assertEqual(followed.context["page"].pk, self.tree.story.pk)

    def test_hreflang_alternates_list_real_translations_only(self):
        html = self.client.get("/ru/istorii/nauryz-ru/").content.decode()
        alternates = re.findall(r'<link rel="alternate" hreflang="([\w-]+)"', html)
        self.assertIn("ru", alternates)
        self.assertNotIn("en", alternates)

    def test_slug_of_one_language_under_another_prefix_is_404(self):
        self.assertEqual(self.client.get("/en/istorii/vesennyaya-reka/").status_code, 404)
        self.assertEqual(self.client.get("/ru/stories/spring-river/").status_code, 404)
        self.assertEqual(self.client.get("/kk/stories/spring-river/").status_code, 404)

    def test_missing_translation_is_announced_and_marked_with_its_language(self):
        response = self.client.get("/en/stories/nauryz/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("This page is not yet available in English; shown in Russian.", html)
        self.assertIn('<article lang="ru">', html)
        self.assertIn("<h1>Наурыз-коже</h1>", html)
        self.assertIn("По-русски и по-казахски.", html)
        self.assertNotIn("Наурыз көже", html)  # never a mix of two languages
        # The page exists in Russian: no notice there.
        self.assertNotContains(self.client.get("/ru/istorii/nauryz-ru/"), 'class="notice"')

    def test_root_redirects_by_accept_language_with_kazakh_default(self):
        self.assertEqual(self.client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9")["Location"], "/ru/")
        self.assertEqual(self.client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB")["Location"], "/en/")
        self.assertEqual(self.client.get("/", HTTP_ACCEPT_LANGUAGE="de-DE")["Location"], "/kk/")
        self.assertEqual(self.client.get("/")["Location"], "/kk/")

    def test_page_saved_while_russian_is_active_still_serves_each_language(self):
        """The raw title/slug columns follow whatever language was active at save time; we never read them."""
        story = StoryPage.objects.get(pk=self.tree.story.pk)
        with translation.override("ru"):
            story.title = "Весенняя река (правка)"
            story.save_revision().publish()
        self.assertContains(self.client.get("/kk/angimeler/koktemgi-ozen/"), "<h1>Көктемгі өзен</h1>")
        self.assertContains(self.client.get("/ru/istorii/vesennyaya-reka/"), "<h1>Весенняя река (правка)</h1>")

    def test_story_index_lists_stories_in_the_visitors_language(self):
        html = self.client.get("/ru/istorii/").content.decode()
        self.assertIn('href="/ru/istorii/vesennyaya-reka/"', html)
        self.assertIn("Весенняя река", html)

    def test_unpublished_story_is_not_served(self):
        self.tree.story.unpublish()
        self.assertEqual(self.client.get("/kk/angimeler/koktemgi-ozen/").status_code, 404)


class KazakhFormatsTests(TestCase):
    def test_kazakh_dates_are_day_month_year(self):
        with translation.override("kk"):
            self.assertEqual(date_format(datetime.date(2026, 3, 15), "SHORT_DATE_FORMAT"), "15.03.2026")
            self.assertEqual(date_format(datetime.date(2026, 3, 15)), "15.03.2026")


class PageCreationRulesTests(WagtailPageTestCase):
    def test_tree_shape(self):
        self.assertCanCreateAt(Page, HomePage)
        self.assertCanCreateAt(HomePage, ApproachPage)
        self.assertCanCreateAt(HomePage, StoryIndexPage)
        self.assertCanCreateAt(ApproachPage, SessionGuidePage)
        self.assertCanCreateAt(StoryIndexPage, StoryPage)
        self.assertCanNotCreateAt(HomePage, StoryPage)
        self.assertCanNotCreateAt(HomePage, SessionGuidePage)
        self.assertCanNotCreateAt(StoryIndexPage, SessionGuidePage)
        self.assertCanNotCreateAt(ApproachPage, StoryPage)
        self.assertCanNotCreateAt(StoryPage, StoryPage)
        self.assertCanNotCreateAt(Page, StoryPage)
        self.assertAllowedSubpageTypes(StoryPage, {})
        self.assertAllowedParentPageTypes(StoryPage, {StoryIndexPage})
