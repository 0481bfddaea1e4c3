"""Two-step sign-in for the staff who see real names or recordings, and staff sessions that end when idle.

From the outside: a real sign-in with the password (Wagtail's login form), then the admin, private files and the
two-factor pages by URL, with codes computed here from the device's key as an authenticator app would.
"""

import re
import time
from io import StringIO

from django.core.management import call_command
from django.test import TestCase, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from facilitation import policy, two_factor
from facilitation.models import AuditEvent

from .facilitation.world import build_world

SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/verify/"


def app_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    """What an authenticator app shows now (or `offset_steps` steps later)."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps)
    return str(value).zfill(device.digits)


@override_settings(STAFF_TWO_FACTOR=True)
class TwoFactorTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def sign_in(self, role: str):
        """Wagtail's own login form, with the password only."""
        self.client.logout()
        response = self.client.post(
            "/admin/login/", {"username": self.w.users[role].username, "password": "x", "next": "/admin/"}
        )
        self.assertEqual(response.status_code, 302, f"{role} could not sign in")
        return response

    def protected_urls(self) -> list[str]:
        return [
            "/admin/",
            "/admin/snippets/facilitation/participant/",
            f"/admin/snippets/facilitation/participant/edit/{self.w.child_a.pk}/",
            f"/admin/snippets/facilitation/recording/edit/{self.w.recording_a.pk}/",
            f"/private/recordings/{self.w.recording_a.pk}/",
            f"/private/recordings/{self.w.recording_a.pk}/download/",
        ]

    def assert_held_at(self, expected_prefix: str):
        for url in self.protected_urls():
            response = self.client.get(url)
            with self.subTest(url=url):
                self.assertEqual(response.status_code, 302)
                self.assertTrue(response["Location"].startswith(expected_prefix), response["Location"])
                self.assertNotIn(self.w.child_a.code.encode(), response.content)
        # A write is held too, and stores nothing.
        response = self.client.post(f"/admin/snippets/facilitation/participant/edit/{self.w.child_a.pk}/", {})
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(expected_prefix))

    def set_up_authenticator(self, role: str) -> TOTPDevice:
        self.sign_in(role)
        page = self.client.get(SETUP)
        self.assertEqual(page.status_code, 200)
        device = TOTPDevice.objects.get(user=self.w.users[role], confirmed=False)
        self.assertIn("<svg", page.content.decode())
        self.assertIn(two_factor.secret_of(device), page.content.decode())
        response = self.client.post(SETUP, {"code": app_code(device), "next": "/admin/"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(re.findall(r"<li><code>[a-z2-7]{8}</code></li>", response.content.decode())), 10)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        return device

    def test_policy_names_who_needs_it(self):
        needs = {role for role, user in self.w.users.items() if policy.requires_two_factor(user)}
        self.assertEqual(needs, {"admin", "facilitator_a", "facilitator_b", "safeguarding"})

    def test_password_only_facilitator_reaches_nothing_until_set_up(self):
        self.sign_in("facilitator_a")
        self.assert_held_at(SETUP)
        device = self.set_up_authenticator("facilitator_a")
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        self.assertEqual(self.client.get("/admin/snippets/facilitation/participant/").status_code, 200)
        response = self.client.get(f"/private/recordings/{self.w.recording_a.pk}/")
        self.assertEqual(response.status_code, 200)
        b"".join(response.streaming_content)
        self.assertTrue(
            AuditEvent.objects.filter(action="account.two_factor", actor=self.w.users["facilitator_a"], allowed=True)
        )

        # The next sign-in asks for a code again, on the verify page; the app's next code opens the admin.
        self.sign_in("facilitator_a")
        self.assert_held_at(VERIFY)
        self.assertEqual(self.client.get(SETUP)["Location"].split("?")[0], VERIFY)  # no second authenticator
        response = self.client.post(VERIFY, {"code": app_code(device, offset_steps=1), "next": "/admin/"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/admin/")
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_a_recovery_code_works_once(self):
        self.set_up_authenticator("safeguarding")
        code = StaticDevice.objects.get(user=self.w.users["safeguarding"]).token_set.first().token
        self.sign_in("safeguarding")
        self.assertEqual(self.client.post(VERIFY, {"code": code.upper()})["Location"], "/admin/")
        self.assertEqual(self.client.get("/admin/").status_code, 200)

        self.sign_in("safeguarding")
        with self.settings(OTP_STATIC_THROTTLE_FACTOR=0):
            response = self.client.post(VERIFY, {"code": code})
        self.assertEqual(response.status_code, 200)
        self.assertIn("code", response.context["form"].errors)
        self.assertEqual(self.client.get("/admin/").status_code, 302)
        self.assertEqual(StaticDevice.objects.get(user=self.w.users["safeguarding"]).token_set.count(), 9)

        # Phone and codes lost: an administrator resets it, and the next sign-in sets up a new authenticator.
        call_command("reset_two_factor", "safeguarding", stdout=StringIO())
        self.sign_in("safeguarding")
        self.assert_held_at(SETUP)

    @override_settings(OTP_TOTP_THROTTLE_FACTOR=60, OTP_STATIC_THROTTLE_FACTOR=60)
    def test_wrong_codes_are_throttled_and_audited(self):
        device = self.set_up_authenticator("admin")
        self.sign_in("admin")
        wrong = str((int(app_code(device)) + 1) % 1_000_000).zfill(6)
        self.assertEqual(self.client.post(VERIFY, {"code": wrong}).status_code, 200)
        # Right after a wrong code, even the right one is refused until the back-off ends.
        response = self.client.post(VERIFY, {"code": app_code(device, offset_steps=1)})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.client.get("/admin/").status_code, 302)
        device.refresh_from_db()
        self.assertEqual(device.throttling_failure_count, 1)
        failures = AuditEvent.objects.filter(action="account.two_factor", actor=self.w.users["admin"], allowed=False)
        self.assertEqual(failures.count(), 2)
        # The first wrong code is checked and refused; the next one was not even checked.
        self.assertEqual([event.detail["throttled"] for event in failures.order_by("at", "id")], [False, True])

        # Once the back-off has passed, the right code works.
        TOTPDevice.objects.filter(pk=device.pk).update(
            throttling_failure_timestamp=device.throttling_failure_timestamp.replace(year=2000)
        )
        response = self.client.post(VERIFY, {"code": app_code(device, offset_steps=1)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_editors_and_evaluators_are_not_asked(self):
        for role in ("editor", "evaluator"):
            self.sign_in(role)
            with self.subTest(role=role):
                self.assertEqual(self.client.get("/admin/").status_code, 200)
                self.assertFalse(TOTPDevice.objects.filter(user=self.w.users[role]).exists())

    def test_signing_out_from_the_code_page(self):
        self.sign_in("facilitator_a")
        page = self.client.get(SETUP)
        self.assertContains(page, 'action="/admin/logout/"')
        self.assertEqual(self.client.post("/admin/logout/").status_code, 302)
        self.assertIn("/admin/login/", self.client.get("/admin/")["Location"])

    def test_anonymous_goes_to_the_login_not_the_code_pages(self):
        self.client.logout()
        self.assertIn("/admin/login/", self.client.get("/admin/")["Location"])
        self.assertIn("/admin/login/", self.client.get(SETUP)["Location"])
        self.assertEqual(self.client.get(f"/private/recordings/{self.w.recording_a.pk}/").status_code, 404)

    def test_demo_accounts_print_a_way_in(self):
        out = StringIO()
        call_command("create_demo_accounts", stdout=out)
        text = out.getvalue()
        self.assertRegex(text, r"facilitator: key [A-Z2-7 ]+; recovery codes: ([a-z2-7]{8} ?){10}")
        self.assertNotIn("editor: key", text)
        self.assertNotIn("evaluator: key", text)


@override_settings(STAFF_TWO_FACTOR=True, SESSION_COOKIE_AGE=2)
class SessionExpiryTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_an_idle_staff_session_ends(self):
        self.client.post("/admin/login/", {"username": "editor", "password": "x", "remember": "on"})
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.cookies["sessionid"]["max-age"], 2)  # pushed back by every request
        time.sleep(1.0)
        self.assertEqual(self.client.get("/admin/").status_code, 200)  # activity keeps it alive
        time.sleep(1.0)
        self.assertEqual(self.client.get("/admin/").status_code, 200)
        time.sleep(2.5)
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/login/", response["Location"])

    def test_a_familys_draft_keeps_its_own_longer_expiry(self):
        from django.conf import settings
        from django.utils import translation

        from facilitation.families.invitations import create_invitation

        with translation.override("kk"):
            _invitation, token, _code = create_invitation(self.w.elder_a.family, language="kk")
        base = f"/kk/share/{token}/"
        response = self.client.post(
            base,
            {"existing": [str(self.w.elder_a.pk)], "new_1_role": "child", "new_1_name": "Айша", "new_1_age": "10-13"},
        )
        self.assertRedirects(response, base + "story/")
        draft_age = int(settings.SUBMISSION_DRAFT_HOURS * 3600)
        self.assertEqual(response.cookies["sessionid"]["max-age"], draft_age)
        time.sleep(2.5)  # longer than staff's idle limit here
        self.assertEqual(self.client.get(base + "story/").status_code, 200)  # the draft is still there

        # Signing in from the same browser puts the session back on the staff limit.
        self.client.post("/admin/login/", {"username": "editor", "password": "x", "remember": "on"})
        response = self.client.get("/admin/")
        self.assertEqual(response.cookies["sessionid"]["max-age"], 2)

    def test_default_idle_limit_is_thirty_minutes(self):
        from config.settings import base

        self.assertEqual(base.SESSION_COOKIE_AGE, 1800)
        self.assertTrue(base.SESSION_SAVE_EVERY_REQUEST)
        self.assertTrue(base.STAFF_TWO_FACTOR)
