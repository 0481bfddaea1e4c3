"""`BarePage`: a Wagtail page with nothing but its title, rendered by a template with nothing else in it."""

from wagtail.models import Page


class BarePage(Page):
    template = "bare/bare_page.html"

    class Meta:
        app_label = "bench_bare"
