"""Two-step sign-in in a real browser (Debian's Chromium): a facilitator's first sign-in sets up the authenticator
from the QR page, sees the recovery codes once, and reaches the dashboard, in Kazakh and Russian, with the admin's
CSP in force and no serious accessibility violation. Screenshots in test-artifacts/."""

from __future__ import annotations

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.users.models import UserProfile

from .a11y import assert_no_serious_violations
from .facilitation.world import build_world
from .test_csp_browser import ARTIFACTS, Visit, browser  # noqa: F401 - the module-scoped browser fixture

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_first_sign_in_sets_up_two_step_sign_in_in_two_languages(browser, live_server, settings):  # noqa: F811
    settings.STAFF_TWO_FACTOR = True
    w = build_world()
    for language, role in (("kk", "facilitator_a"), ("ru", "facilitator_b")):
        user = w.users[role]
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = language
        profile.save()
        visit = Visit(browser, live_server.url, language)
        try:
            visit.check("/admin/login/")
            visit.page.fill("input[name=username]", user.username)
            visit.page.fill("input[name=password]", "x")
            visit.page.click("button[type=submit]")
            visit.page.wait_for_url("**/admin/two-factor/setup/**")
            visit.check("/admin/two-factor/setup/", expect_lang=language)
            assert visit.page.locator("main [role=img] svg").count() == 1
            assert visit.page.locator("h1").count() == 1
            assert_no_serious_violations(visit.page, f"two-factor-setup-{language}")
            device = TOTPDevice.objects.get(user=user, confirmed=False)
            code = str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(6)
            visit.page.fill("input[name=code]", code)
            visit.page.click("main .login-form button[type=submit]")
            visit.page.wait_for_selector("[data-recovery-codes]")
            assert visit.page.locator("[data-recovery-codes] li").count() == 10
            visit.page.screenshot(path=str(ARTIFACTS / f"screen-{language}-two-factor-recovery-codes.png"))
            visit.page.click("main a.button")
            visit.page.wait_for_url("**/admin/")
            assert "two-factor" not in visit.page.url
        finally:
            visit.context.close()
