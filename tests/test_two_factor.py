"""Two-step sign-in for the staff who see real names or recordings, and staff sessions that end when idle.

From the outside: a real sign-in with the password (Wagtail's login form), then the admin, private files and the
two-factor pages by URL, with codes computed here from the device's key as an authenticator app would.
"""

import re
import time
from datetime import timedelta
from io import StringIO

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.management import CommandError, call_command
from django.test import Client, TestCase, override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.users.models import UserProfile

from config.settings import base as base_settings
from facilitation import policy, two_factor
from facilitation.families.invitations import create_invitation
from facilitation.models import AuditEvent, TwoFactorSetupCode
from facilitation.roles import FACILITATOR

from .facilitation.world import build_world

SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/verify/"
ASK_ADMINISTRATOR = (
    "No setup code, or it no longer works? Ask an administrator for a setup code. Each code works once and only for "
    "a few days. Until then, sign out."
)
QR = "data-secret"  # the setup page's key next to its QR code
SHOWN_CODE = re.compile(r"data-setup-code[^>]*>([A-Z0-9]{5}-[A-Z0-9]{5})<")


def issue_url(user) -> str:
    return f"/admin/setup-codes/{user.pk}/"


def command_code(command: str, username: str) -> str:
    """A setup code as `manage.py issue_setup_code` (or reset_two_factor) prints it on the server."""
    out = StringIO()
    call_command(command, username, stdout=out)
    return re.search(r"Setup code for \S+: ([A-Z0-9]{5}-[A-Z0-9]{5})", out.getvalue()).group(1)


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

    def enter_setup_code(self, code: str):
        response = self.client.post(SETUP, {"setup_code": code, "next": "/admin/"})
        self.assertEqual(response.status_code, 302, "the setup code was refused")
        self.assertEqual(response["Location"].split("?")[0], SETUP)
        return response

    def set_up_authenticator(self, role: str, code: str | None = None) -> TOTPDevice:
        """The first sign-in: password, the setup code an administrator issued (here: from the server's command),
        then the QR code and a code from the app."""
        code = code or command_code("issue_setup_code", self.w.users[role].username)
        self.sign_in(role)
        self.enter_setup_code(code)
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

        # Phone and codes lost: an administrator resets it on the server, which prints a setup code, and the next
        # sign-in sets up a new authenticator with it.
        code = command_code("reset_two_factor", "safeguarding")
        self.sign_in("safeguarding")
        self.assert_held_at(SETUP)
        self.set_up_authenticator("safeguarding", code=code)

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

    # --- Setup codes: a password alone never enrols a phone -------------------------------------------------------

    def test_a_password_alone_shows_no_qr_code_and_asks_for_an_administrator(self):
        user = self.w.users["facilitator_a"]
        profile = UserProfile.get_for_user(user)
        profile.preferred_language = "ru"
        profile.save()
        self.sign_in("facilitator_a")
        self.assert_held_at(SETUP)
        page = self.client.get(SETUP)
        self.assertEqual(page.status_code, 200)
        text = page.content.decode()
        self.assertNotIn(QR, text)
        self.assertNotIn("data-secret", text)
        self.assertFalse(TOTPDevice.objects.filter(user=user).exists())
        with translation.override("ru"):
            self.assertIn(gettext(ASK_ADMINISTRATOR), text)
        self.assertContains(page, 'action="/admin/logout/"')
        self.assertContains(page, 'name="setup_code"')
        # Posting an app code straight to the setup page enrols nothing either.
        self.client.post(SETUP, {"code": "123456"})
        self.assertFalse(TOTPDevice.objects.filter(user=user).exists())
        self.assertEqual(self.client.get("/admin/").status_code, 302)

    def test_a_setup_code_works_once_for_its_own_account(self):
        code = command_code("issue_setup_code", "facilitator_a")
        row = TwoFactorSetupCode.objects.get(user=self.w.users["facilitator_a"])
        self.assertNotIn(code.replace("-", ""), row.code_digest.upper())  # kept only as a digest
        self.assertFalse(AuditEvent.objects.filter(detail__icontains=code.replace("-", "")).exists())

        # Another account's code opens nothing.
        self.sign_in("facilitator_b")
        response = self.client.post(SETUP, {"setup_code": code})
        self.assertEqual(response.status_code, 200)
        self.assertIn("setup_code", response.context["form"].errors)
        self.assertNotContains(response, QR)

        # Typed as read from paper: lower case, a space instead of the dash.
        self.sign_in("facilitator_a")
        self.enter_setup_code(code.lower().replace("-", " "))
        page = self.client.get(SETUP)
        self.assertContains(page, QR)
        self.assertEqual(
            AuditEvent.objects.filter(action="account.two_factor", detail__step="setup_code", allowed=True).count(), 1
        )

        # Used: a second browser with the same password and the same code gets no QR code.
        other = Client()
        other.post("/admin/login/", {"username": "facilitator_a", "password": "x"})
        response = other.post(SETUP, {"setup_code": code})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, QR)

        # Signing out before finishing ends it: the next sign-in needs a new code.
        self.sign_in("facilitator_a")
        self.assertNotContains(self.client.get(SETUP), QR)

        device = self.set_up_authenticator("facilitator_a")
        self.assertTrue(device.confirmed)
        self.assertEqual(self.client.get("/admin/").status_code, 200)

    def test_expired_and_replaced_codes_do_not_work(self):
        old = command_code("issue_setup_code", "safeguarding")
        new = command_code("issue_setup_code", "safeguarding")
        self.sign_in("safeguarding")
        self.assertEqual(self.client.post(SETUP, {"setup_code": old}).status_code, 200)  # cancelled by the new one
        TwoFactorSetupCode.objects.filter(user=self.w.users["safeguarding"], revoked_at=None).update(
            expires_at=timezone.now() - timedelta(minutes=1)
        )
        response = self.client.post(SETUP, {"setup_code": new})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, QR)
        with override_settings(SETUP_CODE_HOURS=1):
            fresh = command_code("issue_setup_code", "safeguarding")
        row = TwoFactorSetupCode.objects.usable().get(user=self.w.users["safeguarding"])
        self.assertAlmostEqual(row.expires_at - row.issued_at, timedelta(hours=1), delta=timedelta(seconds=1))
        self.enter_setup_code(fresh)

    @override_settings(SETUP_CODE_THROTTLE_FACTOR=60)
    def test_wrong_setup_codes_are_throttled_and_audited(self):
        code = command_code("issue_setup_code", "facilitator_a")
        self.sign_in("facilitator_a")
        self.assertEqual(self.client.post(SETUP, {"setup_code": "AAAAA-AAAAA"}).status_code, 200)
        # Right after a wrong code, even the right one is refused until the back-off ends.
        response = self.client.post(SETUP, {"setup_code": code})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, QR)
        self.assertIn("Too many wrong codes", str(response.context["form"].errors))
        failures = AuditEvent.objects.filter(action="account.two_factor", detail__step="setup_code", allowed=False)
        self.assertEqual([event.detail["throttled"] for event in failures.order_by("at", "id")], [False, True])
        row = TwoFactorSetupCode.objects.get(user=self.w.users["facilitator_a"])
        self.assertEqual(row.throttling_failure_count, 1)
        TwoFactorSetupCode.objects.filter(pk=row.pk).update(
            throttling_failure_timestamp=row.throttling_failure_timestamp - timedelta(minutes=2)
        )
        self.enter_setup_code(code)
        self.assertContains(self.client.get(SETUP), QR)

    def test_a_key_shown_before_setup_codes_is_never_the_one_enrolled(self):
        stale = two_factor.pending_authenticator(self.w.users["facilitator_a"])  # an older page showed this key
        device = self.set_up_authenticator("facilitator_a")
        self.assertNotEqual(device.pk, stale.pk)
        self.assertFalse(TOTPDevice.objects.filter(pk=stale.pk).exists())

    # --- Administrators issue codes -------------------------------------------------------------------------------

    def verified(self, role: str) -> Client:
        """A browser signed in as `role` past two-step sign-in (accounts that need it get a confirmed app)."""
        user = self.w.users[role]
        client = Client()
        client.post("/admin/login/", {"username": user.username, "password": "x"})
        if policy.requires_two_factor(user):
            device = two_factor.authenticator_of(user) or TOTPDevice.objects.create(user=user, confirmed=True)
            response = client.post(VERIFY, {"code": app_code(device), "next": "/admin/"})
            self.assertEqual(response.status_code, 302)
        self.assertEqual(client.get("/admin/").status_code, 200)
        return client

    def test_who_may_issue_a_setup_code_by_url(self):
        target = self.w.users["facilitator_a"]
        for role in ("editor", "facilitator_b", "safeguarding", "evaluator"):
            client = self.verified(role)
            with self.subTest(role=role):
                self.assertEqual(client.get(issue_url(target)).status_code, 404)
                self.assertEqual(client.post(issue_url(target)).status_code, 404)
                self.assertFalse(TwoFactorSetupCode.objects.filter(user=target).exists())
        refusals = AuditEvent.objects.filter(action="account.issue_setup_code", allowed=False)
        self.assertEqual(refusals.count(), 4)

        anonymous = Client()
        self.assertIn("/admin/login/", anonymous.get(issue_url(target))["Location"])
        self.assertIn("/admin/login/", anonymous.post(issue_url(target))["Location"])

        # An administrator who typed only the password is held at two-step sign-in, like for every admin page.
        password_only = Client()
        password_only.post("/admin/login/", {"username": "admin", "password": "x"})
        response = password_only.post(issue_url(target))
        self.assertEqual(response.status_code, 302)
        self.assertIn("/admin/two-factor/", response["Location"])
        self.assertFalse(TwoFactorSetupCode.objects.filter(user=target).exists())

        admin = self.verified("admin")
        self.assertEqual(admin.get(issue_url(self.w.users["editor"])).status_code, 404)  # no two-step sign-in
        self.assertEqual(admin.get("/admin/setup-codes/999999/").status_code, 404)
        page = admin.get(issue_url(target))
        self.assertEqual(page.status_code, 200)
        self.assertNotRegex(page.content.decode(), SHOWN_CODE)
        response = admin.post(issue_url(target))
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])
        code = SHOWN_CODE.search(response.content.decode()).group(1)
        event = AuditEvent.objects.get(action="account.issue_setup_code", allowed=True)
        self.assertEqual((event.actor, event.target_id), (self.w.users["admin"], str(target.pk)))
        self.assertNotIn(code.replace("-", ""), str(event.detail).upper())

        # A second look at the screen never shows the code again; it says one is waiting.
        again = admin.get(issue_url(target))
        self.assertNotRegex(again.content.decode(), SHOWN_CODE)
        self.assertContains(again, "data-outstanding")

        self.set_up_authenticator("facilitator_a", code=code)
        self.assertEqual(self.client.get("/admin/snippets/facilitation/participant/").status_code, 200)

    def test_an_administrator_resets_a_lost_phone_and_issues_a_code(self):
        self.set_up_authenticator("facilitator_a")
        lost = self.client  # the facilitator's signed-in session
        admin = self.verified("admin")
        page = admin.get(issue_url(self.w.users["facilitator_a"]))
        self.assertContains(page, 'name="reset"')
        # Without ticking the reset, nothing changes.
        self.assertNotRegex(admin.post(issue_url(self.w.users["facilitator_a"])).content.decode(), SHOWN_CODE)
        self.assertTrue(two_factor.has_authenticator(self.w.users["facilitator_a"]))
        response = admin.post(issue_url(self.w.users["facilitator_a"]), {"reset": "on"})
        code = SHOWN_CODE.search(response.content.decode()).group(1)
        self.assertFalse(TOTPDevice.objects.filter(user=self.w.users["facilitator_a"]).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.w.users["facilitator_a"]).exists())
        self.assertEqual(lost.get("/admin/").status_code, 302)  # the old phone's session is verified no more
        self.set_up_authenticator("facilitator_a", code=code)

    def test_the_users_list_offers_a_setup_code_where_one_is_needed(self):
        listing = self.verified("admin").get("/admin/users/")
        self.assertContains(listing, issue_url(self.w.users["facilitator_a"]))
        self.assertContains(listing, issue_url(self.w.users["safeguarding"]))
        self.assertNotContains(listing, issue_url(self.w.users["editor"]))
        self.assertNotContains(listing, issue_url(self.w.users["evaluator"]))

    def test_creating_a_staff_account_leads_to_its_setup_code(self):
        admin = self.verified("admin")
        response = admin.post(
            "/admin/users/new/",
            {
                "username": "new_facilitator",
                "email": "new@example.org",
                "first_name": "New",
                "last_name": "Person",
                "password1": "a-long-Passw0rd-x",
                "password2": "a-long-Passw0rd-x",
                "groups": [Group.objects.get(name=FACILITATOR).pk],
            },
        )
        new = self.w.users["admin"].__class__.objects.get(username="new_facilitator")
        self.assertRedirects(response, issue_url(new))
        code = SHOWN_CODE.search(admin.post(issue_url(new)).content.decode()).group(1)
        client = Client()
        client.post("/admin/login/", {"username": "new_facilitator", "password": "a-long-Passw0rd-x"})
        self.assertNotContains(client.get(SETUP), QR)
        client.post(SETUP, {"setup_code": code})
        self.assertContains(client.get(SETUP), QR)

    def test_the_policy_lets_only_administrators_and_the_server_issue_codes(self):
        target = self.w.users["facilitator_a"]
        self.assertTrue(policy.may(policy.SYSTEM, policy.Action.ISSUE_SETUP_CODE, target))
        self.assertTrue(policy.may(self.w.users["admin"], policy.Action.ISSUE_SETUP_CODE, target))
        for role in ("editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"):
            with self.subTest(role=role):
                self.assertFalse(policy.may(self.w.users[role], policy.Action.ISSUE_SETUP_CODE, target))
        self.assertFalse(policy.may(self.w.users["admin"], policy.Action.ISSUE_SETUP_CODE, self.w.users["editor"]))
        target.is_active = False
        self.assertFalse(policy.may(self.w.users["admin"], policy.Action.ISSUE_SETUP_CODE, target))

    def test_giving_someone_a_role_that_needs_it_says_to_issue_a_code(self):
        editor = self.w.users["editor"]
        editor.groups.add(Group.objects.get(name=FACILITATOR))
        admin = self.verified("admin")
        form = {
            "username": "editor",
            "email": "editor@example.org",
            "first_name": "Ed",
            "last_name": "Itor",
            "is_active": "on",
            "groups": [group.pk for group in editor.groups.all()],
        }

        def saved_messages() -> list[str]:
            response = admin.post(f"/admin/users/edit/{editor.pk}/", form)
            self.assertEqual(response.status_code, 302, "the account was not saved")
            return [str(message) for message in get_messages(response.wsgi_request)]

        reminders = [message for message in saved_messages() if issue_url(editor) in message]
        self.assertEqual(len(reminders), 1)
        self.assertIn("has no setup code", reminders[0])
        self.assertRegex(admin.post(issue_url(editor)).content.decode(), SHOWN_CODE)
        # With a code waiting, the next save says nothing more.
        self.assertFalse([message for message in saved_messages() if issue_url(editor) in message])

    def test_the_first_administrator_gets_a_code_on_the_server(self):
        """createsuperuser makes an administrator with no authenticator: the server's command lets them in."""
        call_command("createsuperuser", username="root", email="root@example.org", interactive=False, stdout=StringIO())
        root = self.w.users["admin"].__class__.objects.get(username="root")
        root.set_password("x")
        root.save()
        self.w.users["root"] = root
        self.sign_in("root")
        self.assertNotContains(self.client.get(SETUP), QR)
        self.set_up_authenticator("root")
        self.assertEqual(self.client.get("/admin/users/").status_code, 200)
        event = AuditEvent.objects.get(action="account.issue_setup_code", allowed=True)
        self.assertEqual((event.actor_label, event.detail["via"]), ("system", "manage.py issue_setup_code"))
        with self.assertRaises(CommandError):  # enrolled: a lost phone is reset_two_factor's job
            call_command("issue_setup_code", "root", stdout=StringIO())
        with self.assertRaises(CommandError):  # editors do not use two-step sign-in
            call_command("issue_setup_code", "editor", stdout=StringIO())
        with self.assertRaises(CommandError):
            call_command("issue_setup_code", "nobody", stdout=StringIO())


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
        self.assertEqual(base_settings.SESSION_COOKIE_AGE, 1800)
        self.assertTrue(base_settings.SESSION_SAVE_EVERY_REQUEST)
        self.assertTrue(base_settings.STAFF_TWO_FACTOR)
