"""A facilitator's day in a real browser (Playwright driving Debian's Chromium), in Kazakh and Russian: review a
family's submission and accept it, open the family page, change a consent, print the consent form.

Screenshots land in test-artifacts/staff-<language>-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from wagtail.users.models import UserProfile

from facilitation.factories import ConsentFormVersionFactory
from facilitation.models import ConsentRecord, Submission

from ..browser import chromium
from .test_submission_review import make_submission
from .world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"staff-{name}.png"), full_page=True)


def test_review_accept_family_page_change_consent_and_print(browser, live_server):
    w = build_world()
    form_version = ConsentFormVersionFactory()
    family = w.elder_a.family
    user = w.users["facilitator_a"]
    for language in ("kk", "ru"):
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
        submission, recording, photo, _key = make_submission(family, [w.elder_a, w.child_a])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error, errors=errors: errors.append(str(error)))
        try:
            page.goto(f"{live_server.url}/admin/login/")
            page.fill("input[name=username]", "facilitator_a")
            page.fill("input[name=password]", "x")
            page.click("button[type=submit]")
            page.wait_for_url("**/admin/")

            # 1. Review a submission: from the listing's row to the review screen; hear it, see it, accept it.
            page.goto(f"{live_server.url}/admin/snippets/facilitation/submission/")
            page.click(f"a[href$='/submission/inspect/{submission.pk}/']")
            page.wait_for_selector("[data-accept-form]")
            assert page.locator("html").get_attribute("lang") == language
            audio = page.locator(f"audio[src='/private/recordings/{recording.pk}/']")
            audio.wait_for()
            page.wait_for_function("() => document.querySelector('audio').readyState >= 1")  # the audio loads
            duration = page.evaluate("() => document.querySelector('audio').duration")
            assert 0.3 < duration < 1.0, duration
            page.wait_for_function(f"() => document.querySelector('img[data-photo=\"{photo.pk}\"]').naturalWidth > 0")
            assert page.locator(f"[data-person='{w.child_a.code}']").count() == 1
            shot(page, f"{language}-1-review")
            page.select_option("select[name=session]", str(w.session_a.pk))
            page.click("[data-accept-form] button[type=submit]")

            # 2. The family page (where accepting leads).
            page.wait_for_url(f"**/family/inspect/{family.pk}/")
            page.wait_for_selector("[data-consent-matrix]")
            assert page.locator(f"audio[src='/private/recordings/{recording.pk}/']").count() == 1
            shot(page, f"{language}-2-family-page")
            submission.refresh_from_db()
            assert submission.status == Submission.Status.REVIEWED

            # 3. Change a consent: a new record, prefilled from the current one; "publish the audio" is turned round.
            current = w.child_a.consent_records.order_by("-recorded_at", "-id").first()
            page.click(f"[data-person='{w.child_a.code}'] a[href*='consentrecord/add/?participant=']")
            page.wait_for_selector("input[name=publish_audio]")
            box = page.locator("input[name=publish_audio]")
            assert box.is_checked() == current.publish_audio  # prefilled from the current record
            box.set_checked(not current.publish_audio)
            page.select_option("select[name=method]", "digital")
            shot(page, f"{language}-3-change-consent")
            before = w.child_a.consent_records.count()
            page.locator("button.action-save").click()
            page.wait_for_url("**/consentrecord/inspect/**")
            page.wait_for_selector("[data-consent-record]")
            assert w.child_a.consent_records.count() == before + 1
            latest = w.child_a.consent_records.order_by("-recorded_at", "-id").first()
            assert latest.publish_audio != current.publish_audio and latest.recorded_by == user
            granted = "yes" if latest.publish_audio else "no"
            assert page.locator(f"[data-scope='publish_audio'][data-granted='{granted}']").count() == 1
            shot(page, f"{language}-4-consent-record")

            # 4. Print the consent form in the family's language: no admin chrome on paper.
            page.goto(f"{live_server.url}/admin/programme/consent-forms/{form_version.pk}/{language}/")
            page.emulate_media(media="print")
            assert page.locator(".screen-only").is_hidden()
            assert getattr(form_version, f"text_{language}") in page.content()
            assert page.locator("[data-sheet='child']").count() == 1
            shot(page, f"{language}-5-print")
            page.emulate_media(media="screen")
            assert not errors, errors
        finally:
            context.close()
    assert ConsentRecord.objects.filter(participant=w.child_a).count() >= 3
