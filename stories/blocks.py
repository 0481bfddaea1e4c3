"""The blocks a story or guide body is made of: one StructBlock per idea, composed into `BodyBlock`."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

AGE_BANDS = [
    ("6-9", _("6–9 years")),
    ("10-13", _("10–13 years")),
    ("14-17", _("14–17 years")),
]


class ParagraphBlock(blocks.RichTextBlock):
    """Running text, with a deliberately small set of features so stories stay calm and readable."""

    def __init__(self, **kwargs):
        kwargs.setdefault("features", ["bold", "italic", "link", "ol", "ul"])
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        label = _("Paragraph")
        template = "stories/blocks/paragraph_block.html"


class QuoteBlock(blocks.StructBlock):
    """Words spoken in a session. The attribution is a role ("grandmother"), never a child's name."""

    text = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(
        required=False, label=_("Said by"), help_text=_("A role, e.g. “grandmother”. Never a child's name.")
    )

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "stories/blocks/quote_block.html"
        description = _("Words from the story, attributed to a role")
        preview_value = {"text": "Біздің ауылда көктем ерте келетін.", "attribution": "Әже"}


class ImageBlock(blocks.StructBlock):
    """An image with the alternative text screen readers need and an optional caption."""

    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(label=_("Alternative text"), help_text=_("Describe the image for screen readers."))
    caption = blocks.CharBlock(required=False, label=_("Caption"))

    class Meta:
        icon = "image"
        label = _("Image")
        template = "stories/blocks/image_block.html"
        description = _("A photo or drawing with alternative text")


class PromptBlock(blocks.StructBlock):
    """A question a facilitator can ask, for a theme and an age band: the raw material of a session."""

    question = blocks.CharBlock(label=_("Question"))
    age_band = blocks.ChoiceBlock(choices=AGE_BANDS, required=False, label=_("Child's age"))
    guidance = blocks.TextBlock(required=False, label=_("Guidance for the facilitator"))

    class Meta:
        icon = "help"
        label = _("Prompt")
        template = "stories/blocks/prompt_block.html"
        description = _("A question for the elder and the child")
        preview_value = {"question": "Сіздің балалық шағыңыздағы ең жақсы мереке қандай еді?", "age_band": "10-13"}


class BodyBlock(blocks.StreamBlock):
    """The body of every page that tells something: paragraphs, quotes, images and prompts."""

    paragraph = ParagraphBlock()
    quote = QuoteBlock()
    image = ImageBlock()
    prompt = PromptBlock()

    class Meta:
        label = _("Body")


class PromptsBlock(blocks.StreamBlock):
    """A session guide's list of prompts."""

    prompt = PromptBlock()

    class Meta:
        label = _("Prompts")
