"""Editor panels of the story pages."""

from __future__ import annotations

from wagtail.admin.panels import FieldPanel


class ReadOnlySourcePanel(FieldPanel):
    """A source the editor sees but cannot change here (an excerpt is attached from its own review screen): a dash
    when there is none, never the word "None"."""

    def __init__(self, field_name: str, **kwargs):
        kwargs["read_only"] = True
        super().__init__(field_name, **kwargs)

    def format_value_for_display(self, value):
        return "—" if value is None else super().format_value_for_display(value)
