"""Factories for the site's pages: the tests and the demo-content command build from these."""

import factory
import wagtail_factories
from django.utils.text import slugify

from .models import ApproachPage, HomePage, SessionGuidePage, StoryIndexPage, StoryPage, Theme


def _translated_slugs(obj) -> None:
    """Each language gets its own slug, derived from that language's title (Cyrillic kept, as Wagtail does)."""
    for lang in ("kk", "ru", "en"):
        title = getattr(obj, f"title_{lang}", None)
        if title and not getattr(obj, f"slug_{lang}", None):
            setattr(obj, f"slug_{lang}", slugify(title, allow_unicode=True))


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name_kk = factory.LazyAttribute(lambda o: f"Тақырып {o.slug}")
    name_ru = factory.LazyAttribute(lambda o: f"Тема {o.slug}")
    name_en = factory.LazyAttribute(lambda o: f"Theme {o.slug}")


class TranslatedPageFactory(wagtail_factories.PageFactory):
    """Pages with a title (and slug) per language. Pass `title_en=""` to leave a translation missing."""

    class Meta:
        abstract = True

    title_kk = factory.Sequence(lambda n: f"Бет {n}")
    title_ru = factory.Sequence(lambda n: f"Страница {n}")
    title_en = factory.Sequence(lambda n: f"Page {n}")
    title = factory.SelfAttribute("title_kk")
    slug = factory.LazyAttribute(lambda o: slugify(o.title_kk, allow_unicode=True))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        instance = model_class(**{k: v for k, v in kwargs.items() if k != "parent"})
        _translated_slugs(instance)
        parent = kwargs.get("parent")
        if parent is not None:
            parent.add_child(instance=instance)
        else:
            model_class.add_root(instance=instance)
        return instance


class HomePageFactory(TranslatedPageFactory):
    class Meta:
        model = HomePage

    intro_kk = "<p>Ұрпақтар арасындағы әңгімелер.</p>"
    intro_ru = "<p>Рассказы между поколениями.</p>"
    intro_en = "<p>Stories between generations.</p>"


class ApproachPageFactory(TranslatedPageFactory):
    class Meta:
        model = ApproachPage

    intro_kk = "Әдіс туралы."
    intro_ru = "О методе."
    intro_en = "About the approach."


class SessionGuidePageFactory(TranslatedPageFactory):
    class Meta:
        model = SessionGuidePage

    age_band = "10-13"
    prompts_kk = factory.LazyFunction(lambda: [("prompt", {"question": "Сіз қай жерде өстіңіз?", "age_band": "10-13"})])
    prompts_ru = factory.LazyFunction(lambda: [("prompt", {"question": "Где вы выросли?", "age_band": "10-13"})])
    prompts_en = factory.LazyFunction(lambda: [("prompt", {"question": "Where did you grow up?", "age_band": "10-13"})])


class StoryIndexPageFactory(TranslatedPageFactory):
    class Meta:
        model = StoryIndexPage


class StoryPageFactory(TranslatedPageFactory):
    class Meta:
        model = StoryPage

    summary_kk = "Әже мен немересінің әңгімесі."
    summary_ru = "Рассказ бабушки и внука."
    summary_en = "A grandmother's and grandson's story."
    body_kk = factory.LazyFunction(lambda: [("paragraph", "<p>Біздің ауылда көктем ерте келетін.</p>")])
    body_ru = factory.LazyFunction(lambda: [("paragraph", "<p>В нашем ауле весна приходила рано.</p>")])
    body_en = factory.LazyFunction(lambda: [("paragraph", "<p>In our village spring came early.</p>")])
    story_languages = factory.LazyFunction(lambda: ["kk"])
