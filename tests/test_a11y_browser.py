"""Accessibility with axe-core in a real browser (Playwright, Debian's Chromium), in Kazakh and Russian: the public
site, every step a family goes through, and the staff screens used every week. No critical or serious violation;
Wagtail's own admin markup is accepted only through the commented allowlist in tests/a11y.py.

Screenshots of every checked screen land in test-artifacts/a11y-<language>-<screen>.png.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.families.invitations import create_invitation
from stories.factories import ApproachPageFactory, SessionGuidePageFactory
from stories.models import StoryIndexPage

from .a11y import ARTIFACTS, assert_no_serious_violations
from .browser import chromium
from .facilitation.world import build_world
from .stories.site_tree import build_site_tree
from .wagtail_root import ensure_wagtail_root

LANGUAGES = ("kk", "ru")
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def phone(browser, language: str):
    return browser.new_context(
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
        locale=language,
        extra_http_headers={"Accept-Language": language},
    )


def check(page, language: str, screen: str) -> None:
    """The screen is in the expected language, is kept as a screenshot, and axe finds nothing serious on it."""
    assert page.locator("html").get_attribute("lang") == language, screen
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{language}-{screen}.png"), full_page=True)
    assert_no_serious_violations(page, f"{language}-{screen}")


def build_public_site():
    ensure_wagtail_root()
    tree = build_site_tree()
    approach = ApproachPageFactory(
        parent=tree.home, title_kk="Әдіс туралы", title_ru="О подходе", title_en="The approach"
    )
    guide = SessionGuidePageFactory(
        parent=approach, title_kk="Менің отбасым", title_ru="Моя семья", title_en="My family"
    )
    return tree, approach, guide


def test_public_pages_and_family_steps(browser, live_server, tmp_path, monkeypatch):
    # One story a page, so the index shows its pagination (checked and photographed) with the site tree's two.
    monkeypatch.setattr(StoryIndexPage, "stories_per_page", 1)
    world = build_world()
    tree, approach, guide = build_public_site()
    ConsentFormVersionFactory()
    audio = tmp_path / "story.wav"
    audio.write_bytes(tone_wav(2.0))
    for language in LANGUAGES:
        context = phone(browser, language)
        page = context.new_page()
        try:
            public_pages(page, live_server.url, language, tree, approach, guide)
            family_steps(page, live_server.url, language, world, audio)
        finally:
            context.close()


def public_pages(page, base: str, language: str, tree, approach, guide) -> None:
    screens = {
        "home": f"/{language}/",
        "story-index": tree.index.url_in(language),
        "story-index-page-2": tree.index.url_in(language) + "?page=2",
        "story": tree.story.url_in(language),
        "approach": approach.url_in(language),
        "session-guide": guide.url_in(language),
        "withdraw": f"/{language}/withdraw/",
    }
    for screen, path in screens.items():
        response = page.goto(base + path)
        assert response.status == 200, path
        check(page, language, screen)
    # The withdrawal form's errors are announced and labelled too.
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    check(page, language, "withdraw-errors")


def family_steps(page, base: str, language: str, world, audio) -> None:
    _invitation, _token, code = create_invitation(world.elder_a.family, language=language)
    page.goto(f"{base}/{language}/share/")
    check(page, language, "family-0-code")
    page.fill("#code", code)
    page.click("form button[type=submit]")
    page.wait_for_url("**/share/*/")
    check(page, language, "family-1-who")
    page.click("form button[type=submit]")  # nobody chosen: the errors are announced and linked to their fields
    page.wait_for_selector(".error-summary, .field__error")
    check(page, language, "family-1-who-errors")
    page.locator("input[name=existing]").first.check()
    page.click("form button[type=submit]")
    page.wait_for_url("**/story/")
    check(page, language, "family-2-story")
    page.set_input_files("input[name=audio]", str(audio))
    expect(page.locator("#upload-status")).to_contain_text("(1)")
    check(page, language, "family-2-story-uploaded")
    page.fill("input[name=title]", "Әңгіме" if language == "kk" else "Рассказ")
    page.locator("input[name=language]").first.check()
    page.click("#story-form button[type=submit]")
    page.wait_for_url("**/consent/")
    check(page, language, "family-3-consent")
    for fieldset in page.locator("fieldset.person").all():
        for scope in ("record_audio", "transcribe", "archive", "publish_text"):
            fieldset.locator(f"input[name$='-{scope}']").check()
        fieldset.locator(f"input[name$='-publish_languages'][value={language}]").check()
        if fieldset.locator("input[name$='-guardian_relation']").count():
            fieldset.locator("input[name$='-guardian_relation']").fill("әжесі")
            fieldset.locator("input[name$='-child_assent'][value=yes]").check()
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-reference]")
    check(page, language, "family-4-receipt")


def test_staff_screens(browser, live_server):
    world = build_world()
    tree, _approach, _guide = build_public_site()
    for language in LANGUAGES:
        profile = UserProfile.get_for_user(world.users["admin"])
        profile.preferred_language = language
        profile.save()
        context = browser.new_context(
            viewport={"width": 1280, "height": 900}, locale=language, extra_http_headers={"Accept-Language": language}
        )
        page = context.new_page()
        try:
            page.goto(f"{live_server.url}/admin/login/")
            check(page, language, "admin-login")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", "x")
            page.click("button[type=submit]")
            page.wait_for_url("**/admin/")
            screens = {
                "admin-dashboard": "/admin/",
                "admin-participants": "/admin/snippets/facilitation/participant/",
                "admin-indicators": "/admin/evaluation/indicators/",
                "admin-page-editor": f"/admin/pages/{tree.story.pk}/edit/",
            }
            for screen, path in screens.items():
                response = page.goto(live_server.url + path)
                assert response.status == 200, path
                if screen == "admin-page-editor":  # the editor's widgets are built by scripts after load
                    page.wait_for_load_state("networkidle")
                check(page, language, screen)
        finally:
            context.close()
