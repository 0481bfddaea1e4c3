"""A small trilingual site built from the factories, shared by the page tests."""

from dataclasses import dataclass

from wagtail.models import Page, Site

from facilitation.factories import ConsentRecordFactory, ParticipantFactory, StorySessionFactory
from stories.factories import HomePageFactory, StoryIndexPageFactory, StoryPageFactory
from stories.models import HomePage, StoryIndexPage, StoryPage


@dataclass
class SiteTree:
    home: HomePage
    index: StoryIndexPage
    story: StoryPage
    no_english_story: StoryPage


def build_site_tree() -> SiteTree:
    root = Page.get_first_root_node()
    home = HomePageFactory(
        parent=root,
        title_kk="Басты бет",
        title_ru="Главная",
        title_en="Home",
        slug_kk="bastu",
        slug_ru="glavnaya",
        slug_en="home",
    )
    site = Site.objects.get(is_default_site=True)
    site.root_page = home
    site.save()
    index = StoryIndexPageFactory(
        parent=home,
        title_kk="Әңгімелер",
        title_ru="Истории",
        title_en="Stories",
        slug_kk="angimeler",
        slug_ru="istorii",
        slug_en="stories",
    )
    # Every story declares its source (provenance): a session whose one attendee consents to everything.
    teller = ParticipantFactory()
    ConsentRecordFactory(participant=teller)
    source = StorySessionFactory(site=teller.family.site, status="held")
    source.attendees.set([teller])
    source.save()  # ParentalManyToManyField: written on save
    story = StoryPageFactory(
        parent=index,
        source_session=source,
        title_kk="Көктемгі өзен",
        title_ru="Весенняя река",
        title_en="The spring river",
        slug_kk="koktemgi-ozen",
        slug_ru="vesennyaya-reka",
        slug_en="spring-river",
        summary_kk="Әже өзен туралы айтады.",
        summary_ru="Бабушка рассказывает о реке.",
        summary_en="A grandmother tells about the river.",
    )
    no_english = StoryPageFactory(
        parent=index,
        source_session=source,
        title_kk="Наурыз көже",
        title_ru="Наурыз-коже",
        title_en="",
        slug_kk="nauryz",
        slug_ru="nauryz-ru",
        slug_en="",
        summary_kk="Қазақша ғана емес.",
        summary_ru="По-русски и по-казахски.",
        summary_en="",
        body_en=[],
    )
    return SiteTree(home=home, index=index, story=story, no_english_story=no_english)
