"""Baselines for bench/pages.py: Wagtail pages with nothing but a title.

`BarePage` renders a template with nothing else in it: what Wagtail itself costs (routing, site, serve).
`BareSitePage` renders the site's own chrome (templates/base.html: header, language switcher, footer) around its
title: the difference between the two is the chrome's cost, the rest is the page type's own.
"""

from wagtail.models import Page


class BarePage(Page):
    template = "bare/bare_page.html"

    class Meta:
        app_label = "bench_bare"


class BareSitePage(Page):
    template = "bare/bare_site_page.html"

    class Meta:
        app_label = "bench_bare"
