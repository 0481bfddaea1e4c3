"""Finding one's way around the public site: every published story reachable from the home page, a way back from
each page, the withdrawal page one link away, and a page title that says the programme's name once."""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin, urlsplit

from django.test import TestCase
from django.utils import timezone

from facilitation.factories import ParticipantFactory, StorySessionFactory
from stories.factories import ApproachPageFactory, SessionGuidePageFactory, StoryPageFactory, ThemeFactory
from stories.models import StoryIndexPage, StoryPage

from .site_tree import build_site_tree

PROGRAMME = {
    "kk": "Ұрпақтар арасындағы әңгімелер",
    "ru": "Рассказы между поколениями",
    "en": "Stories Between Generations",
}
PER_PAGE = 4  # set on the index for these tests (the site's own is 12), so that few stories make two pages
EXTRA_STORIES = 4  # with the site tree's two: one full page and two on the second, more than the home page's three


class Links(HTMLParser):
    """Every link of a page, and which landmark (header, footer, nav...) it sits in."""

    LANDMARKS = {"header", "footer", "nav", "main", "aside"}

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.links: list[tuple[str, tuple[str, ...], dict]] = []
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.LANDMARKS:
            self.stack.append(tag)
        if tag == "a" and attrs.get("href"):
            self.links.append((attrs["href"], tuple(self.stack), attrs))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag in self.LANDMARKS and tag in self.stack:
            while self.stack.pop() != tag:
                pass
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def hrefs(self, within: str | None = None) -> list[str]:
        return [href for href, stack, _attrs in self.links if within is None or within in stack]


def parse(response) -> Links:
    links = Links()
    links.feed(response.content.decode())
    return links


class PublicNavigationTests(TestCase):
    @classmethod
    def setUpClass(cls):
        cls._per_page = StoryIndexPage.stories_per_page
        StoryIndexPage.stories_per_page = PER_PAGE
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        StoryIndexPage.stories_per_page = cls._per_page

    @classmethod
    def setUpTestData(cls):
        cls.tree = tree = build_site_tree()
        for language, name in PROGRAMME.items():  # as in the demo content: the home page is titled by the programme
            setattr(tree.home, f"title_{language}", name)
        tree.home.save()
        cls.approach = ApproachPageFactory(
            parent=tree.home, title_kk="Әдіс туралы", title_ru="О подходе", title_en="The approach"
        )
        cls.guide = SessionGuidePageFactory(
            parent=cls.approach, title_kk="Менің отбасым", title_ru="Моя семья", title_en="My family"
        )
        cls.theme = ThemeFactory(slug="family")
        source = tree.story.source_session
        cls.extra = []
        for n in range(EXTRA_STORIES):
            story = StoryPageFactory(
                parent=tree.index,
                source_session=source,
                title_kk=f"Әңгіме {n}",
                title_ru=f"История {n}",
                title_en=f"Story {n}",
            )
            if n % 2:
                story.themes.add(cls.theme)
                story.save()  # ParentalManyToManyField: written on save
            cls.extra.append(story)
        # Oldest first: the site tree's two stories, then the extra ones, a day apart.
        start = timezone.now() - datetime.timedelta(days=100)
        for age, story in enumerate([tree.story, tree.no_english_story, *cls.extra]):
            StoryPage.objects.filter(pk=story.pk).update(first_published_at=start + datetime.timedelta(days=age))

    def test_home_title_names_the_programme_once(self):
        for language, name in PROGRAMME.items():
            title = parse(self.client.get(f"/{language}/")).title
            self.assertEqual(title.count(name), 1, (language, title))
        story_title = parse(self.client.get("/ru/istorii/vesennyaya-reka/")).title
        self.assertEqual(story_title, f"Весенняя река · {PROGRAMME['ru']}")

    def test_every_published_story_is_reachable_from_the_home_page(self):
        for language in ("kk", "ru"):
            with self.subTest(language=language):
                reached = self.crawl(f"/{language}/")
                stories = [s for s in StoryPage.objects.live().specific() if s.is_available_in(language)]
                self.assertEqual(len(stories), EXTRA_STORIES + 2)
                for story in stories:
                    url = unquote(story.url_in(language))
                    self.assertIn(url, reached, f"{url} cannot be reached from /{language}/")

    def test_header_leads_to_the_stories_and_the_footer_to_withdrawal(self):
        pages = {
            "kk": ["/kk/", "/kk/angimeler/", "/kk/angimeler/koktemgi-ozen/", "/kk/withdraw/", "/kk/share/"],
            "ru": ["/ru/", "/ru/istorii/", "/ru/istorii/vesennyaya-reka/", "/ru/withdraw/"],
        }
        for language, urls in pages.items():
            index = "/kk/angimeler/" if language == "kk" else "/ru/istorii/"
            for url in urls:
                with self.subTest(url=url):
                    response = self.client.get(url)
                    self.assertEqual(response.status_code, 200)
                    links = parse(response)
                    self.assertIn(index, links.hrefs("header"))
                    self.assertIn(f"/{language}/withdraw/", links.hrefs("footer"))
                    self.assertIn(index, links.hrefs("footer"))

    def test_language_switcher_names_each_language_in_itself_on_every_page(self):
        for url in ("/ru/", "/ru/withdraw/", "/ru/share/"):
            with self.subTest(url=url):
                html = self.client.get(url).content.decode()
                switcher = re.search(r'<nav class="language-switcher".*?</nav>', html, re.S).group(0)
                for name in ("Қазақша", "Русский", "English"):
                    self.assertIn(name, switcher)

    def test_index_is_paginated_with_an_accessible_navigation(self):
        self.assertEqual(self._per_page, 12)  # the site's own page size
        first = self.client.get("/kk/angimeler/")
        html = first.content.decode()
        self.assertEqual(len(re.findall(r'<li class="card"', html)), PER_PAGE)
        self.assertIn("Әңгіме 3", html)  # newest first
        self.assertNotIn("Көктемгі өзен", html)  # the oldest is on page 2
        nav = re.search(r'<nav class="pagination" aria-label="[^"]+">(.*?)</nav>', html, re.S)
        self.assertIsNotNone(nav, "no pagination navigation")
        self.assertIn('aria-current="page"', nav.group(1))
        self.assertIn("?page=2", nav.group(1))
        self.assertIn("Бет: 1 / 2", html)

        second = self.client.get("/kk/angimeler/?page=2").content.decode()
        self.assertIn("Көктемгі өзен", second)
        self.assertEqual(len(re.findall(r'<li class="card"', second)), 2)
        self.assertIn('href="?page=1"', second)  # back to the first page

        # A wrong or too large page number still answers with a list, never an error.
        self.assertContains(self.client.get("/kk/angimeler/?page=99"), "Көктемгі өзен")
        self.assertContains(self.client.get("/kk/angimeler/?page=x"), "Әңгіме 3")

    def test_theme_filter_is_kept_across_pages(self):
        StoryIndexPage.stories_per_page = 1
        try:
            html = self.client.get("/ru/istorii/?theme=family").content.decode()
        finally:
            StoryIndexPage.stories_per_page = PER_PAGE
        self.assertIn("?theme=family&amp;page=2", html)
        self.assertNotIn("История 0<", html)  # not in the theme

    def test_story_and_guide_pages_lead_back(self):
        story = parse(self.client.get("/kk/angimeler/koktemgi-ozen/"))
        self.assertIn("/kk/angimeler/", story.hrefs("main"))
        guide_url = self.guide.url_in("ru")
        guide = parse(self.client.get(guide_url))
        self.assertIn(self.approach.url_in("ru"), guide.hrefs("main"))
        index = parse(self.client.get("/ru/istorii/"))
        self.assertIn("/ru/", index.hrefs("main"))

    def test_a_story_consent_does_not_cover_is_listed_nowhere(self):
        """A card shows the story's title and summary: a live page whose people's consent does not cover it (lapsed
        since the last sweep) is neither served nor listed on the home page or the index."""
        unconsented = ParticipantFactory()
        session = StorySessionFactory(site=unconsented.family.site, status="held")
        session.attendees.set([unconsented])
        session.save()
        StoryPageFactory(parent=self.tree.index, source_session=session, title_kk="Жасырын", title_ru="Скрытая")
        self.assertEqual(self.client.get("/kk/angimeler/жасырын/").status_code, 404)
        for url in ("/kk/", "/kk/angimeler/", "/kk/angimeler/?page=2"):
            self.assertNotContains(self.client.get(url), "Жасырын")

    def test_a_hidden_story_leaves_no_hole_in_the_pages_and_no_theme_behind(self):
        """Hidden stories are left out before the list is cut into pages (a full first page, not one card short),
        and a theme only they use is not offered as a filter (the link would lead to an empty list)."""
        unconsented = ParticipantFactory()
        session = StorySessionFactory(site=unconsented.family.site, status="held")
        session.attendees.set([unconsented])
        session.save()
        hidden_theme = ThemeFactory(slug="hidden-only")
        for n in range(2):  # the newest two: without the fix, page 1 would show two cards short
            story = StoryPageFactory(parent=self.tree.index, source_session=session, title_kk=f"Жасырын {n}")
            story.themes.add(hidden_theme)
            story.save()
            StoryPage.objects.filter(pk=story.pk).update(first_published_at=timezone.now())
        home = self.client.get("/kk/").content.decode()
        self.assertEqual(len(re.findall(r'<li class="card"', home)), 3, "the home page's three newest it may show")
        first = self.client.get("/kk/angimeler/").content.decode()
        self.assertEqual(len(re.findall(r'<li class="card"', first)), PER_PAGE)
        self.assertIn("Әңгіме 3", first)
        self.assertIn("Бет: 1 / 2", first)
        self.assertIn("?theme=family", first)
        self.assertNotIn("hidden-only", first)
        self.assertNotIn(hidden_theme.name_kk, first)
        second = self.client.get("/kk/angimeler/?page=2").content.decode()
        self.assertEqual(len(re.findall(r'<li class="card"', second)), 2)
        self.assertNotIn("Жасырын", second)
        self.assertEqual(
            len(re.findall(r'<li class="card"', self.client.get("/kk/angimeler/?theme=hidden-only").content.decode())),
            0,
        )

    def crawl(self, start: str, limit: int = 60) -> set[str]:
        """Follow the site's own links in one language, as a visitor would, from `start`."""
        language = start.strip("/").split("/")[0]
        seen, queue = {start}, [start]
        while queue and len(seen) < limit:
            url = queue.pop(0)
            response = self.client.get(url)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            for href in parse(response).hrefs():
                target = urljoin(url, href)
                parts = urlsplit(target)
                if parts.netloc or not parts.path.startswith(f"/{language}/"):
                    continue
                if "/share/" in parts.path or "/withdraw/" in parts.path:
                    continue
                local = parts.path + (f"?{parts.query}" if parts.query else "")
                if local not in seen:
                    seen.add(local)
                    queue.append(local)
        return {unquote(urlsplit(u).path) for u in seen}
