"""Issue 11 part B: the admin home says what needs each role, counted within their own sites, each line a link to
where it is acted on; and the e-mails that follow the same events carry no names or codes."""

import datetime
import re

from django.core import mail
from django.forms import FileField
from django.test import TestCase
from django.utils import timezone, translation
from wagtail.users.models import UserProfile

from facilitation import dashboard
from facilitation.factories import ChildFactory, ConsentRecordFactory, ParticipantFactory
from facilitation.families.invitations import create_invitation
from facilitation.models import Concern, NotificationPreference, Submission
from facilitation.notifications import send_daily_digests
from facilitation.tasks import send_daily_digests as task
from facilitation.withdrawal import withdraw_consent
from media_tools.models import Transcript

from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]


def submission_for(family) -> Submission:
    invitation, _token, _code = create_invitation(family, language="kk")
    submission = Submission(invitation=invitation, family=family, language="kk")
    submission.issue_secrets()
    submission.save()
    return submission


class DashboardTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = w = build_world()
        for name, user in w.users.items():
            user.email = f"{name}@example.org"
            user.save()
        family_a, family_b = w.elder_a.family, w.elder_b.family
        submission_for(family_a)
        submission_for(family_b)
        submission_for(family_b)
        today = timezone.localdate()
        cls.due_elder = ParticipantFactory(family=family_a)
        ConsentRecordFactory(participant=cls.due_elder, review_on=today + datetime.timedelta(days=10))
        cls.later_elder = ParticipantFactory(family=family_a)
        ConsentRecordFactory(participant=cls.later_elder, review_on=today + datetime.timedelta(days=90))
        cls.turning_18 = ChildFactory(family=family_a, birth_year=(today + datetime.timedelta(days=30)).year - 18)
        ConsentRecordFactory(participant=cls.turning_18)
        cls.due_b = ParticipantFactory(family=family_b)
        ConsentRecordFactory(participant=cls.due_b, review_on=today + datetime.timedelta(days=5))
        Transcript.objects.create(recording=w.recording_a, is_machine_draft=True)
        Concern.objects.create(site=w.site_a, session=w.session_a, note="n")
        Concern.objects.create(site=w.site_b, note="n", status=Concern.Status.IN_PROGRESS)
        withdraw_consent(w.elder_b, {"publish_audio"}, given_by="participant", actor=w.users["admin"])

    def counts(self, role: str) -> dict[str, int]:
        # In English whatever language an earlier test's request left active in this thread.
        with translation.override("en"):
            return {str(item.label): item.count for item in dashboard.items_for(self.w.users[role])}

    def test_a_facilitator_sees_what_needs_them_on_their_own_sites_only(self):
        a, b = self.counts("facilitator_a"), self.counts("facilitator_b")
        self.assertEqual(a["Family submissions to review"], 1)
        self.assertEqual(b["Family submissions to review"], 2)
        self.assertEqual(a["Consent withdrawals of the last 14 days: talk to the family"], 0)
        self.assertEqual(b["Consent withdrawals of the last 14 days: talk to the family"], 1)
        self.assertEqual(a["Consents to ask again within 30 days (review date or 18th birthday)"], 2)
        self.assertEqual(b["Consents to ask again within 30 days (review date or 18th birthday)"], 1)
        self.assertEqual(a["Transcripts waiting for correction"], 1)  # from media_tools, through the hook
        self.assertNotIn("Transcripts waiting for correction", b)
        self.assertNotIn("Open safeguarding concerns", a)  # a facilitator never counts concerns
        admin = self.counts("admin")
        self.assertEqual(admin["Family submissions to review"], 3)
        self.assertEqual(admin["Open safeguarding concerns"], 1)

    def test_the_lead_sees_open_and_in_progress_concerns_and_nothing_of_the_families(self):
        lead = self.counts("safeguarding")
        self.assertEqual(lead, {"Open safeguarding concerns": 1, "Concerns in progress": 1})
        self.assertEqual(self.counts("evaluator"), {})
        self.assertEqual(self.counts("editor"), {})

    def test_the_home_page_links_each_line_to_where_it_is_acted_on(self):
        for role in ("facilitator_a", "facilitator_b", "safeguarding", "admin"):
            self.client.force_login(self.w.users[role])
            html = self.client.get("/admin/").content.decode()
            self.assertIn("What needs me", html, role)
            panel = html[html.index('id="needs-me-title"') :]
            panel = panel[: panel.index("</section>")]
            links = re.findall(r'<a href="([^"]+)"', panel)
            self.assertTrue(links, role)
            for url in links:
                with self.subTest(role=role, url=url):
                    self.assertEqual(self.client.get(url.replace("&amp;", "&")).status_code, 200)
        self.client.force_login(self.w.users["facilitator_a"])
        html = self.client.get("/admin/").content.decode()
        self.assertIn("My upcoming sessions", html)
        self.assertIn(f"/admin/safeguarding/raise/?session={self.w.session_a.pk}", html)
        self.assertNotIn(f"?session={self.w.session_b.pk}", html)
        self.client.force_login(self.w.users["evaluator"])
        self.assertNotIn("What needs me", self.client.get("/admin/").content.decode())

    def test_the_daily_digest_sends_each_their_own_counts_and_links_once_a_day(self):
        morning = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(9, 0)))
        self.assertEqual(send_daily_digests(morning.replace(hour=6)), 0)  # before DIGEST_HOUR: nothing yet
        NotificationPreference.objects.create(user=self.w.users["facilitator_b"], digest=False)
        sent = send_daily_digests(morning)
        by_user = {message.to[0].split("@")[0]: message for message in mail.outbox}
        self.assertEqual(sent, 3)
        self.assertEqual(sorted(by_user), ["admin", "facilitator_a", "safeguarding"])  # not b (opted out), not others
        facilitator = by_user["facilitator_a"].body
        self.assertIn("Family submissions to review: 1\nhttp://", facilitator)
        self.assertIn("/admin/snippets/facilitation/submission/?status=received", facilitator)
        self.assertIn("Transcripts waiting for correction: 1", facilitator)
        self.assertNotIn("concern", facilitator.lower())
        self.assertIn("Open safeguarding concerns: 1", by_user["safeguarding"].body)
        self.assertNotIn("submission", by_user["safeguarding"].body)
        for message in mail.outbox:
            for secret in (self.due_elder.code, self.turning_18.code, self.w.child_a.code, "Айгүл", "Нұрлан"):
                self.assertNotIn(secret, message.body)
        mail.outbox.clear()
        task()  # the beat task, later the same day: nobody gets a second one
        self.assertEqual(send_daily_digests(morning.replace(hour=20)), 0)
        self.assertEqual(mail.outbox, [])

    def test_consents_due_screen_by_url_for_every_role(self):
        url = "/admin/dashboard/consents-due/"
        for role in ROLES:
            self.client.logout()
            if role != "anonymous":
                self.client.force_login(self.w.users[role])
            response = self.client.get(url)
            with self.subTest(role=role):
                if role in {"admin", "facilitator_a", "facilitator_b"}:
                    self.assertEqual(response.status_code, 200)
                else:
                    self.assertEqual(response.status_code, 302 if role == "anonymous" else 404)
        self.client.force_login(self.w.users["facilitator_a"])
        html = self.client.get(url).content.decode()
        self.assertIn(self.due_elder.code, html)
        self.assertIn(self.turning_18.code, html)
        self.assertNotIn(self.later_elder.code, html)
        self.assertNotIn(self.due_b.code, html)  # another site's
        self.assertNotIn("Айгүл", html)


class NotificationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        for name, user in cls.w.users.items():
            user.email = f"{name}@example.org"
            user.save()

    def test_a_family_submission_tells_that_sites_facilitators_with_a_count_and_a_link(self):
        with self.captureOnCommitCallbacks(execute=True):
            submission_for(self.w.elder_a.family)
        self.assertEqual([m.to for m in mail.outbox], [["facilitator_a@example.org"]])
        body = mail.outbox[0].subject + mail.outbox[0].body
        self.assertIn("/admin/snippets/facilitation/submission/?status=received", body)
        self.assertIn(": 1.", body)
        for secret in (self.w.elder_a.family.code, self.w.elder_a.code, "Айгүл", "SBG-"):
            self.assertNotIn(secret, body)

    def test_a_withdrawal_tells_the_other_staff_of_the_site_and_respects_preferences(self):
        with self.captureOnCommitCallbacks(execute=True):
            withdraw_consent(self.w.child_a, None, given_by="guardian", actor=self.w.users["admin"])
        self.assertEqual([m.to for m in mail.outbox], [["facilitator_a@example.org"]])
        body = mail.outbox[0].body
        self.assertIn("/admin/snippets/facilitation/consentrecord/?kind=withdrawal", body)
        for secret in (self.w.child_a.code, "Нұрлан", "Айгүл"):
            self.assertNotIn(secret, body)
        mail.outbox.clear()
        NotificationPreference.objects.create(user=self.w.users["facilitator_a"], withdrawals=False)
        with self.captureOnCommitCallbacks(execute=True):
            withdraw_consent(self.w.elder_a, None, given_by="participant", actor=self.w.users["admin"])
        self.assertEqual(mail.outbox, [])

    def test_the_one_who_records_a_withdrawal_is_not_told_of_it(self):
        with self.captureOnCommitCallbacks(execute=True):
            withdraw_consent(self.w.elder_a, None, given_by="participant", actor=self.w.users["facilitator_a"])
        self.assertEqual(mail.outbox, [])

    def test_preferences_are_saved_from_the_account_settings(self):
        user = self.w.users["facilitator_a"]
        self.client.force_login(user)
        page = self.client.get("/admin/account/")
        self.assertContains(page, "Programme e-mails")
        data = {}
        for form in page.context["panels_by_tab"].values():
            for panel in form:
                bound = panel.get_form()
                for name, field in bound.fields.items():
                    if isinstance(field, FileField):
                        continue
                    value = bound.initial.get(name, field.initial)
                    if value is None or value is False:
                        continue
                    data[bound.add_prefix(name)] = value.pk if hasattr(value, "pk") else value
        data.pop("programme_notifications-withdrawals", None)  # unticked
        data.update({"name_email-first_name": "Staff", "name_email-last_name": "Member"})  # Wagtail requires them
        response = self.client.post("/admin/account/", data)
        self.assertEqual(response.status_code, 302)
        preference = NotificationPreference.objects.get(user=user)
        self.assertEqual((preference.submissions, preference.withdrawals), (True, False))
        self.assertEqual(UserProfile.get_for_user(user).preferred_language, "en")
