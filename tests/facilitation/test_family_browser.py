"""The families' flow in a real browser (Playwright driving Debian's Chromium) on a 360 px wide phone screen.

Screenshots of each step land in test-artifacts/ (kept by CI as evidence of what a family sees).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.families.invitations import create_invitation
from facilitation.models import Recording, Submission

from ..browser import FAKE_MICROPHONE, chromium
from .world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    with chromium(*FAKE_MICROPHONE, "--disable-quic") as browser:
        yield browser


@pytest.fixture
def phone(browser):
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        permissions=["microphone"],
    )
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def invitation_url(live_server):
    world = build_world()
    ConsentFormVersionFactory()
    _invitation, token, _code = create_invitation(world.elder_a.family, language="kk")
    return f"{live_server.url}/kk/share/{token}/", world


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def fill_who_and_story(page, url: str, audio: Path | None) -> None:
    page.goto(url)
    assert page.locator("html").get_attribute("lang") == "kk"
    assert fits_the_screen(page)
    shot(page, "family-1-who")
    page.locator("input[name=existing]").first.check()
    page.select_option("select[name=new_1_role]", "child")
    page.fill("input[name=new_1_name]", "Айша")
    page.select_option("select[name=new_1_age]", "10-13")
    page.click("button[type=submit]")
    page.wait_for_url("**/story/")
    if audio:
        page.set_input_files("input[name=audio]", str(audio))
        # A locator wait, not wait_for_function: the page's CSP forbids the eval() that a string predicate needs.
        expect(page.locator("#upload-status")).to_contain_text("(1)")
    page.fill("input[name=title]", "Көктемгі өзен")
    page.check("input[name=language][value=kk]")
    shot(page, "family-2-story")


def give_consent(page) -> None:
    page.wait_for_url("**/consent/")
    assert page.locator("input[type=checkbox]:checked").count() == 0  # nothing pre-ticked
    for fieldset in page.locator("fieldset.person").all():
        for scope in ("record_audio", "transcribe", "archive", "publish_text"):
            fieldset.locator(f"input[name$='-{scope}']").check()
        fieldset.locator("input[name$='-publish_languages'][value=kk]").check()
        if fieldset.locator("input[name$='-guardian_relation']").count():
            fieldset.locator("input[name$='-guardian_relation']").fill("әжесі")
            fieldset.locator("input[name$='-child_assent'][value=yes]").check()
    assert fits_the_screen(page)
    shot(page, "family-3-consent")
    page.click("button[type=submit]")


def test_family_goes_from_link_to_receipt_in_kazakh_on_a_phone(phone, invitation_url, tmp_path):
    url, _world = invitation_url
    audio = tmp_path / "әңгіме.wav"
    audio.write_bytes(tone_wav(3.0))
    fill_who_and_story(phone, url, audio)
    phone.click("#story-form button[type=submit]")
    give_consent(phone)
    phone.wait_for_selector("[data-reference]")
    shot(phone, "family-4-receipt")
    reference = phone.locator("[data-reference]").inner_text()
    assert Submission.objects.get().reference == reference
    assert Recording.objects.filter(source="family").count() == 1
    # Withdrawal with the receipt's key: as easy as consenting.
    key = phone.locator("[data-key]").inner_text()
    phone.goto(url.split("/share/")[0] + "/withdraw/")
    phone.fill("input[name=reference]", reference)
    phone.fill("input[name=key]", key)
    phone.check("input[name=everything][value=all]")
    shot(phone, "family-5-withdraw")
    phone.click("button[type=submit]")
    phone.wait_for_selector(".receipt[role=status]")
    shot(phone, "family-6-withdrawn")
    assert not Recording.objects.get(source="family").file


def test_family_records_in_the_browser(phone, invitation_url):
    url, _world = invitation_url
    fill_who_and_story(phone, url, None)
    recorder = phone.locator("#recorder")
    assert recorder.is_visible()
    recorder.locator("button[data-action=start]").click()
    phone.wait_for_selector(".recorder__state[data-recording]")
    phone.wait_for_timeout(1500)
    recorder.locator("button[data-action=pause]").click()
    recorder.locator("button[data-action=resume]").click()
    phone.wait_for_timeout(1500)
    shot(phone, "family-recorder")
    recorder.locator("button[data-action=stop]").click()
    expect(phone.locator("#upload-status")).to_contain_text("(1)", timeout=30000)
    phone.click("#story-form button[type=submit]")
    give_consent(phone)
    phone.wait_for_selector("[data-reference]")
    recording = Recording.objects.get(source="family")
    assert recording.original_format in ("webm", "ogg", "mka", "m4a")
    assert recording.duration_seconds >= 2.0


def test_unusable_link_gives_the_neutral_page(phone, live_server):
    phone.goto(f"{live_server.url}/ru/share/unknown-token/")
    assert phone.locator("html").get_attribute("lang") == "ru"
    assert phone.locator("h1").count() == 1
    assert fits_the_screen(phone)
