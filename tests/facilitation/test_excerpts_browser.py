"""From transcript to story draft in a real browser (Playwright driving Debian's Chromium), in Kazakh and Russian:
the site's facilitator ticks reviewed segments in the transcript editor and makes an excerpt, decides every proposal
(one changed by hand), types a translation, rebuilds the audio; the programme editor, who never sees the family's real
names, makes the story draft. Screenshots land in test-artifacts/excerpt-<language>-*.png.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from wagtail.users.models import UserProfile

from facilitation.models import Excerpt
from facilitation.policy import SYSTEM, Action, may
from stories.models import StoryPage

from ..browser import chromium
from ..stories.site_tree import build_site_tree
from .excerpt_data import spoken_recording
from .world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TRANSLATION = {"kk": ("ru", "Бабушка Айгуль живёт у реки."), "ru": ("kk", "Әжем Айгүл өзен жағасында тұрады.")}
NAMES = ("Айгүл", "Серікқызы", "Нұрлан", "Асанов")


@pytest.fixture(scope="module")
def browser():
    with chromium("--autoplay-policy=no-user-gesture-required", "--mute-audio") as browser:
        yield browser


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"excerpt-{name}.png"), full_page=True)


def sign_in(context, base: str, user: str):
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "x")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    return page


def until(page, script: str, timeout: float = 15.0) -> None:
    """Poll with evaluate (the admin's CSP refuses wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        page.wait_for_timeout(100)


def decide_everything(page, changed_to: str | None = None) -> None:
    rows = page.locator("tr[data-proposal-row]")
    for i in range(rows.count()):
        row = rows.nth(i)
        if changed_to and i == 0:
            row.locator("input[type=text]").fill(changed_to)
            row.locator("input[value=changed]").check()
        elif row.get_attribute("data-decision") == "undecided":
            row.locator("input[value=accepted]").check()
    page.click("[data-save-decisions]")
    page.wait_for_selector("[data-excerpt-review]")


def test_transcript_to_excerpt_to_story_draft(browser, live_server):
    w = build_world()
    build_site_tree()
    for language in ("kk", "ru"):
        walk(browser, live_server, w, language)


def walk(browser, live_server, w, language: str) -> None:
    recording, transcript, _spoken = spoken_recording(w.elder_a.family, [w.elder_a, w.child_a], language)
    for name in ("facilitator_a", "editor"):
        UserProfile.objects.filter(user=w.users[name]).update(preferred_language=language)
    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    try:
        page = sign_in(context, live_server.url, "facilitator_a")
        page.on("pageerror", lambda error: errors.append(str(error)))

        # 1. The transcript editor: tick the two reviewed segments, make an excerpt.
        page.goto(f"{live_server.url}/admin/transcripts/{transcript.pk}/")
        page.wait_for_selector("#excerpt-form")
        assert page.locator("html").get_attribute("lang") == language
        boxes = page.locator("tr.segment .segment__excerpt")
        assert boxes.count() == 3
        boxes.nth(0).check()
        boxes.nth(1).check()
        shot(page, f"{language}-1-editor-selection")
        page.click("#excerpt-form button[type=submit]")
        page.wait_for_selector("[data-excerpt-review]")
        excerpt = Excerpt.objects.get(recording=recording)
        assert page.url.endswith(f"/admin/excerpts/{excerpt.pk}/")
        assert excerpt.language == language
        marks = page.locator(f"[data-language='{language}'] mark.excerpt-mark")
        assert marks.count() == excerpt.proposals.count() >= 3
        assert page.locator("[data-refusals]").count() == 1
        shot(page, f"{language}-2-review")

        # 2. Decide: the first proposal changed by hand, the others accepted.
        decide_everything(page, changed_to="Дана")
        assert page.locator("tr[data-proposal-row][data-decision=undecided]").count() == 0
        assert "Дана" in page.locator(f"[data-pseudonymised='{language}']").inner_text()

        # 3. A translation: its names are proposed too, and decided.
        other, text = TRANSLATION[language]
        page.fill(f"textarea[name=text-{other}]", text)
        page.click("[data-texts-form] button[type=submit]")
        page.wait_for_selector(f"section[data-language='{other}']")
        assert page.locator("tr[data-proposal-row][data-decision=undecided]").count() >= 1
        decide_everything(page)
        shot(page, f"{language}-3-decided")

        # 4. Rebuild the audio: it plays in the page, names muted.
        page.click("[data-rebuild-audio]")
        page.wait_for_selector("audio[data-excerpt-audio]")
        until(page, "() => document.querySelector('audio[data-excerpt-audio]').readyState >= 1")
        duration = page.evaluate("() => document.querySelector('audio[data-excerpt-audio]').duration")
        excerpt.refresh_from_db()
        assert abs(duration - (excerpt.end - excerpt.start)) < 0.5, duration
        assert page.locator("[data-ready]").count() == 1
        shot(page, f"{language}-4-audio-rebuilt")
        context.close()

        # 5. The editor makes the story draft; the family's real names never reach their screen.
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
        page = sign_in(context, live_server.url, "editor")
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/admin/excerpts/")
        page.click(f"tr[data-excerpt='{excerpt.pk}'] a")
        page.wait_for_selector("[data-excerpt-review]")
        html = page.content()
        assert not [name for name in NAMES if name in html]
        shot(page, f"{language}-5-editor-review")
        page.click("[data-story-draft]")
        page.wait_for_url("**/admin/pages/*/edit/")
        story = StoryPage.objects.get(source_excerpt=excerpt)
        assert not story.live
        assert "Дана" in getattr(story, f"summary_{language}")
        assert may(SYSTEM, Action.PUBLISH_STORY, story).allowed, may(SYSTEM, Action.PUBLISH_STORY, story).reasons
        shot(page, f"{language}-6-story-draft")
        assert not errors, errors
    finally:
        context.close()
