"""Content-Security-Policy in a real browser (Playwright, Debian's Chromium): every page we check loads with the
policy in force and reports no violation (`securitypolicyviolation` events, console errors), in two languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from wagtail.users.models import UserProfile

from facilitation.factories import ConsentFormVersionFactory
from facilitation.families.invitations import create_invitation

from .browser import chromium
from .facilitation.world import build_world
from .stories.site_tree import build_site_tree
from .wagtail_root import ensure_wagtail_root

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# Runs before any script of the page (injected by the browser, so the policy itself does not block it).
COLLECT_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


class Visit:
    """One browser context; every page load is checked for the header and for violations."""

    def __init__(self, browser, base: str, language: str):
        self.base = base
        self.language = language
        self.context = browser.new_context(locale=language, extra_http_headers={"Accept-Language": language})
        self.context.add_init_script(COLLECT_VIOLATIONS)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on(
            "console",
            lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None,
        )

    def check(self, path: str, expect_lang: str | None = None) -> str:
        response = self.page.goto(self.base + path)
        assert response.status < 400, (path, response.status)
        policy = response.headers.get("content-security-policy", "")
        assert "default-src 'self'" in policy, (path, policy)
        self.page.wait_for_load_state("networkidle")
        self.page.wait_for_timeout(300)  # late scripts (Stimulus controllers, Draftail) have run
        violations = self.page.evaluate("window.__csp")
        assert not violations and not self.console, (path, violations, self.console)
        if expect_lang:
            assert self.page.locator("html").get_attribute("lang") == expect_lang, path
        # Evidence of what staff and families see, per language (test-artifacts/, kept by CI).
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^a-z0-9]+", "-", re.sub(r"/share/[^/]+", "/share", path).lower()).strip("-") or "root"
        self.page.screenshot(path=str(ARTIFACTS / f"screen-{self.language}-{name}.png"), full_page=True)
        return policy


def test_admin_and_public_pages_load_with_no_csp_violation_in_two_languages(browser, live_server):
    w = build_world()
    ensure_wagtail_root()
    tree = build_site_tree()
    tree.story.save_revision().publish()
    for language in ("ru", "en"):
        check_pages(browser, live_server, w, tree, language)


def check_pages(browser, live_server, w, tree, language: str) -> None:
    admin = w.users["admin"]
    profile = UserProfile.get_for_user(admin)
    profile.preferred_language = language
    profile.save()
    visit = Visit(browser, live_server.url, language)
    try:
        policy = visit.check("/admin/login/", expect_lang=language)
        assert "'unsafe-inline'" in policy  # Wagtail's admin needs it; the public site does not (below)
        visit.page.fill("input[name=username]", "admin")
        visit.page.fill("input[name=password]", "x")
        visit.page.click("button[type=submit]")
        visit.page.wait_for_url("**/admin/")
        for path in (
            "/admin/",
            f"/admin/snippets/facilitation/storysession/edit/{w.session_a.pk}/",
            f"/admin/snippets/facilitation/participant/edit/{w.child_a.pk}/",
            f"/admin/pages/{tree.story.pk}/edit/",
        ):
            visit.check(path, expect_lang=language)
        # The story's sources, whose people's consent it needs (the chooser an editor picks them with).
        visit.page.locator("#id_source_recording").locator("xpath=..").scroll_into_view_if_needed()
        visit.page.screenshot(path=str(ARTIFACTS / f"screen-{language}-story-sources.png"))
        # The public site, seen by a signed-in editor (with Wagtail's user bar) and its strict policy.
        story = "istorii/vesennyaya-reka" if language == "ru" else "stories/spring-river"
        public = visit.check(f"/{language}/{story}/")
        assert "'unsafe-inline'" not in public and "frame-ancestors 'none'" in public
        # The families' pages: the invitation's first step, the recorder page, and withdrawal.
        ConsentFormVersionFactory()
        _invitation, token, _code = create_invitation(w.elder_a.family, language=language)
        visit.check(f"/{language}/share/{token}/", expect_lang=language)
        visit.page.locator("input[name=existing]").first.check()
        visit.page.click("button[type=submit]")
        visit.page.wait_for_url("**/story/")
        visit.check(f"/{language}/share/{token}/story/", expect_lang=language)
        visit.check(f"/{language}/withdraw/", expect_lang=language)
    finally:
        visit.context.close()
