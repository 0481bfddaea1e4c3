"""A facilitator plans a session, records it and prints an invitation, in a real browser, in Kazakh and Russian
(issue 11 part C). Screenshots land in test-artifacts/staff-data-*.png, the printed hand-out as print media."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect
from wagtail.users.models import UserProfile

from facilitation.factories import ChildFactory, ConsentRecordFactory, SiteFactory, tone_wav
from facilitation.models import Recording, StorySession

from ..browser import chromium
from .world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

# What the facilitator reads, per language (catalogue words that exist today).
WORDS = {
    "kk": {"lang": "kk", "handout_lang": "ru"},
    "ru": {"lang": "ru", "handout_lang": "kk"},
}


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-data-{name}.png"), full_page=True)


def signed_in_page(browser, live_server, user, language: str):
    profile = UserProfile.get_for_user(user)
    profile.preferred_language = language
    profile.save()
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context, context.new_page()


def choose(page, field_id: str, text: str) -> None:
    """Open the chooser of a form field, find `text` in the list and pick it."""
    page.locator(f"#{field_id}-chooser .unchosen [data-chooser-action-choose]").click()
    modal = page.locator(".modal-content")
    expect(modal.locator("a[data-chooser-modal-choice]").first).to_be_visible()
    modal.locator("a[data-chooser-modal-choice]", has_text=text).first.click()
    expect(page.locator(f"#{field_id}-chooser .chooser__title")).to_contain_text(text)


def test_facilitator_plans_records_and_invites(browser, live_server):
    """Both languages on one world (built once): kk first, then ru."""
    world = build_world()
    facilitator = world.users["facilitator_a"]
    site_c = SiteFactory(facilitators=[facilitator])  # a second site of the same facilitator
    child_c = ChildFactory(family__site=site_c)
    ConsentRecordFactory(participant=child_c)
    for done, language in enumerate(("kk", "ru")):
        plan_record_and_invite(browser, live_server, world, child_c, language, done)


def plan_record_and_invite(browser, live_server, world, child_c, language: str, done: int) -> None:
    facilitator = world.users["facilitator_a"]
    family = world.elder_a.family
    family.preferred_language = WORDS[language]["handout_lang"]
    family.save()
    context, page = signed_in_page(browser, live_server, facilitator, language)
    base = live_server.url

    # 1. Plan a session with three mistakes: held in the future, a child as the elder, another site's child.
    page.goto(f"{base}/admin/snippets/facilitation/storysession/add/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    choose(page, "id_site", str(world.site_a.name_kk if language == "kk" else world.site_a.name_ru))
    page.locator("#id_facilitators input[type=checkbox], #id_facilitators option").first.wait_for(state="attached")
    future = timezone.localtime() + datetime.timedelta(days=2)
    page.fill("#id_starts_at", future.strftime("%Y-%m-%d %H:%M"))
    page.keyboard.press("Escape")
    page.select_option("#id_status", "held")
    page.locator("#id_pairs-ADD").click()
    choose(page, "id_pairs-0-elder", world.child_a.code)
    choose(page, "id_pairs-0-child", child_c.code)
    shot(page, f"{language}-session-filled")
    page.locator("button.action-save").first.click()
    page.wait_for_load_state()
    errors = page.locator(".error-message")
    expect(errors.first).to_be_visible()
    text = " ".join(errors.all_inner_texts())
    assert world.child_a.code in text and child_c.code in text, text
    assert "Select a valid choice" not in text and "is not a valid choice" not in text, text
    shot(page, f"{language}-session-errors")
    page.locator("#id_pairs-0-child-chooser").scroll_into_view_if_needed()
    page.mouse.wheel(0, 250)  # above the sticky save bar
    page.screenshot(path=str(ARTIFACTS / f"staff-data-{language}-session-pair-errors.png"))
    assert not StorySession.objects.filter(pairs__child=child_c).exists()

    # 2. The same session, planned right: held yesterday, the elder and the child of this site.
    page.goto(f"{base}/admin/snippets/facilitation/storysession/add/")
    choose(page, "id_site", str(world.site_a.name_kk if language == "kk" else world.site_a.name_ru))
    past = timezone.localtime() - datetime.timedelta(days=1)
    page.fill("#id_starts_at", past.strftime("%Y-%m-%d %H:%M"))
    page.keyboard.press("Escape")
    page.select_option("#id_status", "held")
    page.locator("#id_pairs-ADD").click()
    choose(page, "id_pairs-0-elder", world.elder_a.code)
    choose(page, "id_pairs-0-child", world.child_a.code)
    page.locator("button.action-save").first.click()
    page.wait_for_url("**/storysession/")
    session = StorySession.objects.filter(site=world.site_a, status="held").latest("pk")
    assert session.pairs.get().child == world.child_a
    shot(page, f"{language}-session-saved")

    # 3. A recording of the session: saved once, one job, and the list offers no second "Transcribe".

    wav = ARTIFACTS / f"staff-data-{language}.wav"
    wav.write_bytes(tone_wav(1.0))
    page.goto(f"{base}/admin/snippets/facilitation/recording/add/")
    choose(page, "id_family", family.code)
    page.select_option("#id_speakers", [str(world.elder_a.pk), str(world.child_a.pk)])
    page.select_option("#id_language", language)
    page.set_input_files("#id_file", str(wav))
    page.locator("button.action-save").first.click()
    page.wait_for_url("**/recording/")
    wav.unlink()
    recording = Recording.objects.filter(family=family).latest("pk")
    assert recording.jobs.count() == 1
    row = page.locator("tr", has=page.locator(f"a[href*='/transcription/jobs/{recording.jobs.get().pk}/']"))
    expect(row).to_have_count(1)
    expect(page.locator(f"a[href*='/transcription/start/{recording.pk}/']")).to_have_count(0)
    shot(page, f"{language}-recording-one-job")
    page.goto(f"{base}/admin/snippets/media_tools/transcriptionjob/")
    expect(page.locator("table.listing tbody tr")).to_have_count(done + 1)  # one job per recording
    shot(page, f"{language}-jobs")

    # 4. The printed invitation: the family's language, QR code, link, code, steps; no admin chrome on paper.
    page.goto(f"{base}/admin/invitations/new/")
    expect(page.locator(".w-header__title")).to_be_visible()
    page.select_option("#id_family", str(family.pk))
    page.locator("main form button[type=submit]").click()
    handout = page.locator("[data-invitation-handout]")
    expect(handout).to_have_attribute("lang", WORDS[language]["handout_lang"])
    expect(handout.locator("svg path")).to_have_count(1)
    expect(handout.locator("ol li")).to_have_count(3)
    shot(page, f"{language}-invitation-screen")
    page.emulate_media(media="print")
    expect(page.locator("#wagtail-sidebar")).to_be_hidden()
    expect(page.locator(".invitation-staff-note")).to_be_hidden()
    box = handout.locator("svg").bounding_box()
    assert box and box["width"] > 150, box
    page.screenshot(path=str(ARTIFACTS / f"staff-data-{language}-invitation-print.png"), full_page=True)
    context.close()
