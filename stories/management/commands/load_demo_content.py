"""Build the demo site (home, approach guide with session guides, stories) in kk, ru and en. Safe to run again."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from wagtail.models import Page, Site

from facilitation.factories import RegionFactory
from facilitation.models import Scope, StorySession
from facilitation.models import Site as ProgrammeSite
from facilitation.policy import consent_state, has_source
from stories import demo_content as demo
from stories.factories import (
    ApproachPageFactory,
    HomePageFactory,
    SessionGuidePageFactory,
    StoryIndexPageFactory,
    StoryPageFactory,
    ThemeFactory,
)
from stories.models import HomePage, Theme

DEMO_REGIONS = {
    "AKT": {"kk": "Ақтөбе облысы", "ru": "Актюбинская область", "en": "Aktobe Region"},
    "ALA": {"kk": "Алматы", "ru": "Алматы", "en": "Almaty"},
    "ZKO": {"kk": "Батыс Қазақстан облысы", "ru": "Западно-Казахстанская область", "en": "West Kazakhstan Region"},
}


def per_language(field: str, values: dict) -> dict:
    return {f"{field}_{lang}": value for lang, value in values.items()}


class Command(BaseCommand):
    help = "Create the demo pages, themes and regions in Kazakh, Russian and English (idempotent)."

    def handle(self, *args, **options):
        # Saving under Kazakh keeps the untranslated columns in the default language.
        with translation.override("kk"), transaction.atomic():
            self.created = 0
            regions = {
                code: RegionFactory(code=code, **per_language("name", names)) for code, names in DEMO_REGIONS.items()
            }
            themes = {t["slug"]: self._theme(t) for t in demo.THEMES}
            home = self._home()
            approach, _ = self._child(home, ApproachPageFactory, demo.APPROACH, body=demo.APPROACH["body"])
            for guide in demo.GUIDES:
                self._child(
                    approach,
                    SessionGuidePageFactory,
                    guide,
                    theme=themes[guide["theme"]],
                    age_band=guide["age_band"],
                    prompts={
                        lang: [("prompt", {"question": q, "age_band": guide["age_band"], "guidance": ""}) for q in qs]
                        for lang, qs in guide["prompts"].items()
                    },
                )
            index, _ = self._child(home, StoryIndexPageFactory, demo.STORY_INDEX)
            sources = self._story_sources()
            for number, story in enumerate(demo.STORIES):
                source = sources[number % len(sources)]
                page, created = self._child(
                    index,
                    StoryPageFactory,
                    story,
                    region=regions[story["region"]],
                    story_languages=story["languages"],
                    body=self._story_body(story),
                    source_session=source,
                )
                if created:
                    page.themes.set([themes[slug] for slug in story["themes"]])
                    page.save_revision().publish()
                elif not has_source(page):  # made before stories declared their source: give it one, keep it live
                    page.source_session = source
                    revision = page.save_revision()
                    if page.live:
                        revision.publish()
        self.stdout.write(self.style.SUCCESS(f"Demo content ready ({self.created} pages created)."))

    def _story_sources(self) -> list[StorySession]:
        """Held demo sessions whose attendees all consent to publishing in kk, ru and en: the demo stories' source.

        The stories need the programme's people, so the demo accounts and programme are made first when missing
        (both commands are idempotent; `make setup` runs them again afterwards).
        """
        if not ProgrammeSite.objects.exists():
            call_command("create_demo_accounts", stdout=self.stdout)
            call_command("load_demo_programme", stdout=self.stdout)
        sources = []
        for session in StorySession.objects.filter(status=StorySession.Status.HELD).order_by("starts_at", "pk"):
            attendees = list(session.attendees.all())
            states = [consent_state(p) for p in attendees]
            everywhere = {"kk", "ru", "en"}
            if states and all(Scope.PUBLISH_TEXT.value in s.scopes and everywhere <= s.languages for s in states):
                sources.append(session)
        if not sources:
            raise CommandError("No demo session whose attendees consent to publication: run load_demo_programme.")
        return sources

    def _theme(self, data: dict) -> Theme:
        return ThemeFactory(slug=data["slug"], **per_language("name", data["name"]))

    def _home(self) -> HomePage:
        home = HomePage.objects.first()
        if home is None:
            # Wagtail's "Welcome" placeholder holds the slug "home" in every language once the translation fields
            # are filled (update_translation_fields): remove it first. Its Site goes with it and is made anew below.
            for placeholder in Page.objects.filter(depth=2).exact_type(Page):
                if not placeholder.get_children().exists():
                    placeholder.delete()
            home = HomePageFactory(
                parent=Page.get_first_root_node(),
                **per_language("title", demo.HOME["title"]),
                **per_language("slug", demo.HOME["slug"]),
                **per_language("intro", demo.HOME["intro"]),
            )
            self.created += 1
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name="Stories Between Generations",
            )
        elif site.root_page_id != home.pk:
            site.root_page = home
            site.save()
        return home

    def _child(self, parent: Page, factory, data: dict, **fields) -> tuple[Page, bool]:
        """The child with this Kazakh slug, created from the factory when missing. Existing pages are left as edited."""
        existing = parent.get_children().filter(slug_kk=data["slug"]["kk"]).first()
        if existing:
            return existing.specific, False
        kwargs = {**per_language("title", data["title"]), **per_language("slug", data["slug"])}
        for name in ("intro", "summary"):
            if name in data:
                kwargs.update(per_language(name, data[name]))
        for name in ("body", "prompts"):
            if isinstance(fields.get(name), dict):
                kwargs.update(per_language(name, fields.pop(name)))
        kwargs.update(fields)
        self.created += 1
        return factory(parent=parent, **kwargs), True

    @staticmethod
    def _story_body(story: dict) -> dict:
        body = {}
        for lang, text in story["body"].items():
            blocks = [("paragraph", text)] if text else []
            if text and story.get("quote"):
                quote, who = story["quote"][lang]
                blocks.append(("quote", {"text": quote, "attribution": who}))
            body[lang] = blocks
        return body
