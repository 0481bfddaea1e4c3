"""The transcript editor in a real browser (Playwright driving Debian's Chromium), in Kazakh and Russian: keyboard
shortcuts, playback speed, split and merge keeping times, review marks, search, and autosave into a revision that
keeps the machine draft. Screenshots land in test-artifacts/."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from facilitation.factories import tone_wav
from media_tools.models import Segment, Transcript

from ..browser import chromium
from ..facilitation.world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

TEXTS = ["Біздің ауылда көктем ерте келетін.", "Правда, бабушка?", "Иә, балам, рас."]


@pytest.fixture(scope="module")
def browser():
    with chromium("--autoplay-policy=no-user-gesture-required", "--mute-audio") as browser:
        yield browser


def make_draft(world) -> Transcript:
    recording = world.recording_a
    recording.file.save("editor.wav", ContentFile(tone_wav(12.0)), save=True)
    recording.duration_seconds = 12.0
    recording.save(update_fields=["duration_seconds"])
    draft = Transcript.objects.create(recording=recording, language="kk", confidence=0.4)
    Segment.objects.bulk_create(
        [
            Segment(transcript=draft, index=0, start=0.0, end=4.0, text=TEXTS[0], language="kk", confidence=0.9),
            Segment(transcript=draft, index=1, start=4.0, end=6.0, text=TEXTS[1], language="ru", confidence=0.3),
            Segment(transcript=draft, index=2, start=6.0, end=9.0, text="", language="kk", kind="gap"),
            Segment(transcript=draft, index=3, start=9.0, end=11.0, text=TEXTS[2], language="kk", confidence=0.8),
        ]
    )
    return draft


def sign_in(page, base: str, user: str) -> None:
    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", "x")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def until(page, script: str, timeout: float = 15.0) -> None:
    """Wait until ``script`` is true (polled with evaluate: the admin's CSP refuses wait_for_function's eval)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(script):
        assert time.monotonic() < deadline, f"timed out waiting for {script}"
        page.wait_for_timeout(100)


def times(page) -> list[tuple[float, float]]:
    return [
        (float(r.get_attribute("data-start")), float(r.get_attribute("data-end")))
        for r in page.locator("tr.segment").all()
    ]


@pytest.mark.parametrize(("language", "width"), [("kk", 1280), ("ru", 360)])
def test_a_transcriber_corrects_with_the_keyboard(browser, live_server, language, width):
    world = build_world()
    draft = make_draft(world)
    user = world.users["facilitator_a"]
    UserProfile.objects.filter(user=user).update(preferred_language=language)
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(page, live_server.url, "facilitator_a")
        page.goto(f"{live_server.url}/admin/transcripts/{draft.pk}/")
        assert page.locator("html").get_attribute("lang") == language
        expect(page.locator("tr.segment")).to_have_count(4)
        expect(page.locator("tr.segment--low")).to_have_count(2)  # the unsure one and the gap
        assert page.locator("tr.segment--gap textarea").get_attribute("placeholder")  # says what to do
        until(page, "document.querySelector('audio').readyState >= 1")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"transcript-editor-{language}.png"), full_page=True)

        audio = "document.querySelector('audio')"
        # Play and pause without the mouse.
        page.keyboard.press("Escape")
        until(page, f"!{audio}.paused")
        page.keyboard.press("Alt+KeyK")
        until(page, f"{audio}.paused")
        # Back 5 seconds.
        page.evaluate(f"{audio}.currentTime = 7.5")
        page.keyboard.press("Alt+KeyJ")
        assert page.evaluate(f"{audio}.currentTime") == pytest.approx(2.5, abs=0.3)
        # Speed 0.5-2x: the menu and the shortcuts.
        page.select_option("#playback-rate", "0.5")
        assert page.evaluate(f"{audio}.playbackRate") == 0.5
        for _ in range(6):
            page.keyboard.press("Alt+Period")
        assert page.evaluate(f"{audio}.playbackRate") == 2
        page.select_option("#playback-rate", "1")

        # Next / previous segment: the cursor moves and the audio follows.
        page.locator("tr.segment textarea").first.focus()
        page.keyboard.press("Alt+ArrowDown")
        assert page.evaluate("document.activeElement.value") == TEXTS[1]
        assert page.evaluate(f"{audio}.currentTime") == pytest.approx(4.0, abs=0.3)
        page.keyboard.press("Alt+ArrowUp")
        assert page.evaluate("document.activeElement.value") == TEXTS[0]

        # Split the first segment at the cursor (after its second word): the times still cover 0-4 s, no overlap.
        first = page.locator("tr.segment textarea").first
        first.focus()
        at = len(" ".join(TEXTS[0].split()[:2]))
        page.evaluate(f"document.activeElement.setSelectionRange({at}, {at})")
        page.keyboard.press("Alt+KeyS")
        expect(page.locator("tr.segment")).to_have_count(5)
        spans = times(page)
        assert spans[0][0] == 0.0 and spans[1][1] == 4.0 and spans[0][1] == spans[1][0]
        assert 0.0 < spans[0][1] < 4.0
        values = page.locator("tr.segment textarea").evaluate_all("els => els.map(e => e.value)")
        assert values[0] == " ".join(TEXTS[0].split()[:2]) and values[1] == " ".join(TEXTS[0].split()[2:])

        # Merge the second half with the Russian question: one segment from the split point to 6 s.
        page.keyboard.press("Alt+KeyM")  # the cursor is in the new segment
        expect(page.locator("tr.segment")).to_have_count(4)
        spans = times(page)
        assert spans[1] == (spans[0][1], 6.0)
        values = page.locator("tr.segment textarea").evaluate_all("els => els.map(e => e.value)")
        assert values[1].endswith(TEXTS[1])

        # Fill the gap, set a speaker, mark reviewed (Alt+R moves on).
        gap = page.locator("tr.segment--gap textarea")
        gap.fill("Мен де есімде.")
        page.locator("tr.segment").nth(2).locator("select").select_option("child")
        page.locator("tr.segment").first.locator("textarea").focus()
        page.keyboard.press("Alt+KeyR")
        assert page.locator("tr.segment").first.locator("input.segment__reviewed").is_checked()
        assert page.evaluate("document.activeElement.value") == values[1]
        expect(page.locator("#review-state")).to_have_attribute("data-reviewed", "1")

        # Search within the transcript.
        page.fill("#transcript-search", "бабушка")
        expect(page.locator("tr.segment--match")).to_have_count(1)
        page.locator("#transcript-search").press("Enter")
        assert "бабушка" in page.evaluate("document.activeElement.value")

        # Autosave: a new revision, the machine draft kept as it was.
        until(page, f"window.location.pathname !== '/admin/transcripts/{draft.pk}/'")
        until(page, "document.getElementById('transcript-editor').dataset.pending === '0'")
        expect(page.locator("#save-state")).to_contain_text("2", timeout=15000)
        page.screenshot(path=str(ARTIFACTS / f"transcript-editor-{language}-edited.png"), full_page=True)
        saved = Transcript.objects.get(recording=draft.recording, revision=2)
        segments = list(saved.segments.all())
        assert [(s.start, s.end) for s in segments] == [tuple(t) for t in times(page)]
        assert segments[0].reviewed and segments[2].text == "Мен де есімде." and segments[2].kind == "speech"
        assert segments[2].speaker == "child"
        assert [s.text for s in draft.segments.all()] == [TEXTS[0], TEXTS[1], "", TEXTS[2]]
        if width <= 400:
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        assert not errors, errors
    finally:
        context.close()
