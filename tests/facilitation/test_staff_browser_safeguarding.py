"""Issue 11 part B in a real browser (Playwright, Debian's Chromium), in Kazakh and Russian: a facilitator raises a
concern from the dashboard, the lead gets the e-mail, finds the concern on the dashboard and in the queue, opens it and
the session (read-only), and moves it to in progress, then closed. Screenshots in test-artifacts/safeguarding-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from wagtail.users.models import UserProfile

from facilitation.models import Concern

from ..browser import chromium
from .world import build_world

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"safeguarding-{name}.png"), full_page=True)


def sign_in(browser, base: str, username: str, language: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale=language)
    page = context.new_page()
    page.goto(f"{base}/admin/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "x")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.locator("html").get_attribute("lang") == language
    return context, page


def test_a_concern_from_the_facilitator_to_the_lead_in_kazakh_and_russian(browser, live_server, mailoutbox):
    w = build_world()
    w.users["safeguarding"].email = "lead@example.org"
    w.users["safeguarding"].save()
    for language in ("kk", "ru"):
        for name in ("facilitator_a", "safeguarding"):
            profile = UserProfile.get_for_user(w.users[name])
            profile.preferred_language = language
            profile.save()
        mailoutbox.clear()
        note = f"Бала қорқып отыр ({language})"

        # The facilitator: from "My upcoming sessions" on the dashboard to the form; the note is not shown back.
        context, page = sign_in(browser, live_server.url, "facilitator_a", language)
        try:
            shot(page, f"{language}-1-facilitator-dashboard")
            page.click(f"a[href='/admin/safeguarding/raise/?session={w.session_a.pk}']")
            page.wait_for_url("**/safeguarding/raise/**")
            assert page.locator(f"input[name=children][value='{w.child_a.pk}']").is_checked()  # from the attendance
            page.fill("textarea[name=note]", note)
            shot(page, f"{language}-2-raise")
            page.click("#raise-concern-form button[type=submit]")
            page.wait_for_url("**/safeguarding/raise/sent/")
            assert note not in page.content()
            shot(page, f"{language}-3-sent")
            concern = Concern.objects.latest("id")
            assert page.goto(f"{live_server.url}/admin/safeguarding/concerns/{concern.pk}/").status == 404
        finally:
            context.close()

        # The e-mail: to the lead, the site and a link, nothing about the child.
        assert [m.to for m in mailoutbox] == [["lead@example.org"]]
        message = mailoutbox[0]
        assert note not in message.body and w.child_a.code not in message.body
        link = re.search(r"https?://\S+(/admin/safeguarding/concerns/\d+/)", message.body).group(1)
        assert link == f"/admin/safeguarding/concerns/{concern.pk}/"

        # The lead: dashboard, queue, the concern, the session read-only, then in progress and closed.
        context, page = sign_in(browser, live_server.url, "safeguarding", language)
        try:
            shot(page, f"{language}-4-lead-dashboard")
            page.click("#needs-me-title >> xpath=../.. >> a[href*='status=open']")
            page.wait_for_url("**/admin/safeguarding/?status=open")
            assert page.locator(f"a[href='{link}']").count() == 1
            assert w.child_a.code in page.content()
            shot(page, f"{language}-5-queue")
            page.click(f"a[href='{link}']")
            page.wait_for_url(f"**{link}")
            assert note in page.content()
            shot(page, f"{language}-6-concern")
            page.click(f"a[href='/admin/safeguarding/sessions/{w.session_a.pk}/']")
            page.wait_for_url("**/admin/safeguarding/sessions/**")
            assert "The elder told about the river." in page.content()
            assert "Sorry" not in page.content()
            shot(page, f"{language}-7-session")
            page.go_back()
            for status, follow_up in (
                ("in_progress", "Отбасыға хабарластым"),
                ("closed", "Аудандық бөлімге жіберілді"),
            ):
                page.select_option("select[name=status]", status)
                page.fill("textarea[name=note]", follow_up)
                page.click("section[aria-labelledby=concern-action] button[type=submit]")
                page.wait_for_url(f"**{link}")
                assert follow_up in page.content()
                concern.refresh_from_db()
                assert concern.status == status
                shot(page, f"{language}-8-{status}")
            # Which e-mails the lead wants: their own choice, in their account settings.
            page.goto(f"{live_server.url}/admin/account/")
            assert page.locator("input[name='programme_notifications-concerns']").is_checked()
            page.locator("input[name='programme_notifications-concerns']").scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / f"safeguarding-{language}-9-account.png"))
        finally:
            context.close()
