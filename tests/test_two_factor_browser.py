"""Two-step sign-in in a real browser (Debian's Chromium), in Kazakh and Russian, with the admin's CSP in force and no
serious accessibility violation: an administrator (past their own two-step sign-in) issues a setup code from the Users
list; the new person's password alone shows no QR code, only the request for a setup code; with the code they get the
QR page, set up the authenticator, see the recovery codes once and reach the dashboard. Screenshots in
test-artifacts/."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.users.models import UserProfile

from facilitation import two_factor

from .a11y import assert_no_serious_violations
from .facilitation.world import build_world
from .test_csp_browser import ARTIFACTS, Visit, browser  # noqa: F401 - the module-scoped browser fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def app_code(device: TOTPDevice) -> str:
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(value).zfill(device.digits)


def sign_in(visit: Visit, username: str) -> None:
    visit.check("/admin/login/")
    visit.page.fill("input[name=username]", username)
    visit.page.fill("input[name=password]", "x")
    visit.page.click("button[type=submit]")


def issue_code_from_users_list(visit: Visit, recovery_code: str, user) -> str:
    """The administrator signs in (with one of their recovery codes: no clock involved), finds the person in the
    Users list and issues a code."""
    sign_in(visit, "admin")
    visit.page.wait_for_url("**/admin/two-factor/verify/**")
    visit.page.fill("input[name=code]", recovery_code)
    visit.page.click("main .login-form button[type=submit]")
    visit.page.wait_for_url("**/admin/", timeout=60_000)
    visit.check("/admin/users/", expect_lang=visit.language)
    visit.page.locator(f"tr:has([data-object-id='{user.pk}']) [data-controller='w-dropdown'] button").first.click()
    visit.page.click(f"a[href='/admin/setup-codes/{user.pk}/']")
    visit.page.wait_for_url(f"**/admin/setup-codes/{user.pk}/")
    assert_no_serious_violations(visit.page, f"issue-setup-code-{visit.language}")
    visit.page.screenshot(path=str(ARTIFACTS / f"screen-{visit.language}-two-factor-issue-setup-code.png"))
    visit.page.click("main form button[type=submit]")
    shown = visit.page.wait_for_selector("[data-setup-code]")
    visit.page.screenshot(path=str(ARTIFACTS / f"screen-{visit.language}-two-factor-setup-code-issued.png"))
    code = shown.inner_text().strip()
    assert re.fullmatch(r"[A-Z0-9]{5}-[A-Z0-9]{5}", code), code
    return code


def test_first_sign_in_needs_an_administrators_setup_code_in_two_languages(browser, live_server, settings):  # noqa: F811
    settings.STAFF_TWO_FACTOR = True
    w = build_world()
    TOTPDevice.objects.create(user=w.users["admin"], name="authenticator", confirmed=True)
    admin_recovery_codes = two_factor.new_recovery_codes(w.users["admin"])
    for recovery_code, (language, role) in zip(
        admin_recovery_codes, (("kk", "facilitator_a"), ("ru", "facilitator_b")), strict=False
    ):
        user = w.users[role]
        for person in (user, w.users["admin"]):
            profile = UserProfile.get_for_user(person)
            profile.preferred_language = language
            profile.save()

        administrator = Visit(browser, live_server.url, language)
        try:
            code = issue_code_from_users_list(administrator, recovery_code, user)
        finally:
            administrator.context.close()

        visit = Visit(browser, live_server.url, language)
        try:
            sign_in(visit, user.username)
            visit.page.wait_for_url("**/admin/two-factor/setup/**")
            # The password alone: no QR code, no key, only the request for a setup code (and a way to sign out).
            visit.check("/admin/two-factor/setup/", expect_lang=language)
            assert visit.page.locator("main [role=img] svg, [data-secret]").count() == 0
            assert visit.page.locator("[data-ask-administrator]").count() == 1
            assert visit.page.locator("form[data-sign-out] button").count() == 1
            assert visit.page.locator("h1").count() == 1
            assert_no_serious_violations(visit.page, f"two-factor-setup-code-{language}")
            assert not TOTPDevice.objects.filter(user=user).exists()

            visit.page.fill("input[name=setup_code]", code.lower())
            visit.page.click("main .login-form button[type=submit]")
            visit.page.wait_for_selector("main [role=img] svg")
            visit.page.screenshot(path=str(ARTIFACTS / f"screen-{language}-two-factor-qr-code.png"), full_page=True)
            assert visit.page.locator("main [role=img] svg").count() == 1
            assert_no_serious_violations(visit.page, f"two-factor-setup-{language}")
            device = TOTPDevice.objects.get(user=user, confirmed=False)
            visit.page.fill("input[name=code]", app_code(device))
            visit.page.click("main .login-form button[type=submit]")
            visit.page.wait_for_selector("[data-recovery-codes]")
            assert visit.page.locator("[data-recovery-codes] li").count() == 10
            visit.page.screenshot(path=str(ARTIFACTS / f"screen-{language}-two-factor-recovery-codes.png"))
            visit.page.click("main a.button")
            visit.page.wait_for_url("**/admin/", timeout=60_000)
            assert "two-factor" not in visit.page.url
        finally:
            visit.context.close()
