"""The public site: home, the approach (method guide) with its session guides, and published stories."""

from itertools import islice

from django.conf import settings
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modeltranslation.utils import build_localized_fieldname
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.images.models import AbstractImage
from wagtail.models import Page

from facilitation.policy import story_may_be_shown

from .blocks import AGE_BANDS, BodyBlock, PromptsBlock
from .fields import LanguagesField
from .forms import StoryPageForm
from .mixins import TranslatedPageMixin
from .panels import ReadOnlySourcePanel


class Theme(models.Model):
    """A theme stories and prompts are grouped by (family, home place, traditions, school, the future...)."""

    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), unique=True)

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name or self.slug


class HomePage(TranslatedPageMixin, Page):
    intro = RichTextField(_("introduction"), blank=True, features=["bold", "italic", "link"])
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["stories.ApproachPage", "stories.StoryIndexPage"]
    max_count = 1
    required_translation_fields = ("title", "intro")

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        newest = StoryPage.objects.live().public().descendant_of(self).order_by("-first_published_at", "-pk")
        # The three newest that may be shown (slicing first would leave the row short when one may not).
        context["latest_stories"] = list(islice((story for story in newest if story_may_be_shown(story)), 3))
        context["approach"] = ApproachPage.objects.live().public().child_of(self).first()
        return context


class ApproachPage(TranslatedPageMixin, Page):
    """The method guide: what the approach is, how a session runs, safeguarding basics."""

    intro = models.TextField(_("introduction"), blank=True)
    body = StreamField(BodyBlock(), blank=True, verbose_name=_("body"))

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]

    parent_page_types = ["stories.HomePage"]
    subpage_types = ["stories.SessionGuidePage"]
    required_translation_fields = ("title", "intro")

    class Meta:
        verbose_name = _("approach page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["guides"] = SessionGuidePage.objects.live().public().child_of(self)
        return context


class SessionGuidePage(TranslatedPageMixin, Page):
    """Prompts and questions for one theme and one age band of children."""

    theme = models.ForeignKey(
        Theme, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("theme")
    )
    age_band = models.CharField(_("child's age"), max_length=10, choices=AGE_BANDS, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    prompts = StreamField(PromptsBlock(), blank=True, verbose_name=_("prompts"))
    # The sessions that used this guide, chosen on the session's form as its "session guides used"
    # (`StorySession.prompts_used`): declared on this side so that facilitation's models name nothing of stories.
    # Not on the page's form, not in its revisions, not copied with it.
    used_in_sessions = models.ManyToManyField(
        "facilitation.StorySession", blank=True, related_name="prompts_used", verbose_name=_("story sessions")
    )

    exclude_fields_in_copy = ["used_in_sessions"]

    content_panels = Page.content_panels + [
        MultiFieldPanel([FieldPanel("theme"), FieldPanel("age_band")], heading=_("For whom")),
        FieldPanel("intro"),
        FieldPanel("prompts"),
    ]

    parent_page_types = ["stories.ApproachPage"]
    subpage_types: list[str] = []
    required_translation_fields = ("title", "prompts")

    class Meta:
        verbose_name = _("session guide")


class StoryIndexPage(TranslatedPageMixin, Page):
    intro = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("intro")]

    parent_page_types = ["stories.HomePage"]
    subpage_types = ["stories.StoryPage"]
    max_count = 1

    class Meta:
        verbose_name = _("story index page")

    stories_per_page = 12

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        listed = StoryPage.objects.live().public().child_of(self).order_by("-first_published_at", "-pk")
        # Stories that may not be shown are left out before the list is cut into pages (no page comes out short),
        # and so are themes only they use (a filter leading to an empty list).
        shown = shown_stories(listed)
        context["themes"] = Theme.objects.filter(storypage__in=[story.pk for story in shown]).distinct()
        theme = request.GET.get("theme")
        if theme:
            in_theme = set(listed.filter(themes__slug=theme).values_list("pk", flat=True))
            shown = [story for story in shown if story.pk in in_theme]
        # A wrong or too large page number gives the nearest page, never an error page.
        stories_page = Paginator(shown, self.stories_per_page).get_page(request.GET.get("page"))
        context["stories"] = list(stories_page)
        context["stories_page"] = stories_page
        context["page_numbers"] = stories_page.paginator.get_elided_page_range(
            stories_page.number, on_each_side=1, on_ends=1
        )
        context["page_link_prefix"] = "?" + (urlencode({"theme": theme}) + "&" if theme else "")
        context["current_theme"] = theme
        return context


class StoryPage(TranslatedPageMixin, Page):
    """A published story. Its body only ever holds what the participants' consents allow."""

    needs_consent = True  # the policy asks the participants' consent before showing it, or its images

    summary = models.TextField(_("summary"), max_length=500)
    body = StreamField(BodyBlock(), verbose_name=_("body"))
    themes = ParentalManyToManyField(Theme, blank=True, verbose_name=_("themes"))
    region = models.ForeignKey(
        "facilitation.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("region"),
    )
    story_languages = LanguagesField(
        verbose_name=_("languages of the story"), help_text=_("The languages spoken in the recording.")
    )
    audio = models.ForeignKey(
        "facilitation.Recording",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("published audio"),
        help_text=_("Played on the page only while everyone heard in it consents to publishing audio."),
    )
    # Provenance: what the story was made from. Whose consent it needs is derived from these (facilitation.policy).
    source_recording = models.ForeignKey(
        "facilitation.Recording",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source recording"),
        help_text=_("Everyone heard in it must consent to what the page publishes."),
    )
    source_submission = models.ForeignKey(
        "facilitation.Submission",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source family submission"),
        help_text=_("Everyone in the submission must consent to what the page publishes."),
    )
    source_session = models.ForeignKey(
        "facilitation.StorySession",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("source session"),
        help_text=_("Everyone who attended must consent to what the page publishes."),
    )
    source_excerpt = models.ForeignKey(
        "facilitation.Excerpt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="story_pages",
        verbose_name=_("source excerpt"),
        help_text=_(
            "Made from the excerpt's review screen. Everyone heard in its recording must consent, and every "
            "proposal must be decided, before the story can go live."
        ),
    )
    plays_excerpt_audio = models.BooleanField(
        _("play the excerpt's redacted audio"),
        default=False,
        help_text=_("Instead of a whole recording: the excerpt with the names muted."),
    )
    no_personal_content = models.BooleanField(
        _("holds no personal content (administrator's attestation)"),
        default=False,
        help_text=_(
            "Only for a page made from no one's story. Set by an administrator, recorded in the audit log; "
            "a page with no source cannot be published otherwise."
        ),
    )
    no_personal_content_attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("no personal content confirmed by"),
    )
    # Everyone a published version of this page derived from its sources. They stay required for good: swapping or
    # removing a source after a withdrawal frees nobody. Written when a publication is allowed (stories.signals); a
    # plain ManyToManyField, so revisions and drafts never carry or change it.
    bound_participants = models.ManyToManyField(
        "facilitation.Participant",
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("people the published story was made from"),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("body"),
        MultiFieldPanel(
            [FieldPanel("themes"), FieldPanel("region"), FieldPanel("story_languages")], heading=_("About")
        ),
        MultiFieldPanel(
            [
                FieldPanel("source_recording"),
                FieldPanel("source_submission"),
                FieldPanel("source_session"),
                FieldPanel("audio"),
                ReadOnlySourcePanel("source_excerpt"),
                FieldPanel("plays_excerpt_audio"),
                InlinePanel("contributions", label=_("Whose story is used")),
                FieldPanel("no_personal_content", permission="superuser"),
            ],
            heading=_("Sources and consent for publication"),
            help_text=_(
                "The story can only be published while everyone heard in its sources, and everyone listed, "
                "consents to what the page uses."
            ),
        ),
    ]

    parent_page_types = ["stories.StoryIndexPage"]
    subpage_types: list[str] = []
    required_translation_fields = ("title", "summary", "body")
    base_form_class = StoryPageForm

    class Meta:
        verbose_name = _("story")
        verbose_name_plural = _("stories")

    def image_ids(self) -> set[int]:
        """Wagtail images the body shows, in any language (they go down with the page)."""
        return {image.pk for image in images_in(self, ("body",))}

    def serve(self, request, *args, **kwargs):
        """The last guard, failing closed: a page whose consent lapsed between two sweeps (a review date, an 18th
        birthday) or whose take-down failed is not shown, whatever `live` says."""
        if not story_may_be_shown(self):
            raise Http404
        return super().serve(request, *args, **kwargs)

    def story_language_names(self) -> list[str]:
        return [translation.get_language_info(code)["name_translated"] for code in self.story_languages]


class StoryContribution(models.Model):
    """Whose words, voice or photo a story page uses: the consent policy checks each one before publication."""

    page = ParentalKey(StoryPage, on_delete=models.CASCADE, related_name="contributions", verbose_name=_("story page"))
    participant = models.ForeignKey(
        "facilitation.Participant",
        on_delete=models.PROTECT,
        related_name="story_contributions",
        verbose_name=_("participant"),
    )
    uses_words = models.BooleanField(_("uses their words"), default=True)
    uses_audio = models.BooleanField(_("uses their voice"), default=False)
    uses_photo = models.BooleanField(_("uses a photo of them"), default=False)

    panels = [FieldPanel("participant"), FieldPanel("uses_words"), FieldPanel("uses_audio"), FieldPanel("uses_photo")]

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")

    def __str__(self) -> str:
        return self.participant.code


def shown_stories(stories) -> list:
    """The listed stories whose page may be shown now: a card shows a story's title and summary, so it asks what
    serving the page asks (a consent that lapsed since the last sweep hides the card as it hides the page)."""
    return [story for story in stories if story_may_be_shown(story)]


def images_in(page, field_names: tuple[str, ...]) -> list:
    """Every Wagtail image in the given StreamFields of a page, in every language (modeltranslation columns)."""
    found: list = []

    def walk(value) -> None:
        if isinstance(value, AbstractImage):
            found.append(value)
        elif isinstance(value, dict) or hasattr(value, "items"):
            for item in value.values():
                walk(item)
        elif hasattr(value, "value") and hasattr(value, "block_type"):
            walk(value.value)
        elif isinstance(value, list | tuple) or type(value).__name__ in ("StreamValue", "ListValue"):
            for item in value:
                walk(item)

    for name in field_names:
        for code, _name in settings.LANGUAGES:
            walk(getattr(page, build_localized_fieldname(name, code), None) or [])
    return found
