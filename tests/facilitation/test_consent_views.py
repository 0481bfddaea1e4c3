"""Consent records for staff: a readable record, "change consent" as a new record, evidence through the policy,
printable forms; no link of the listing or its messages leads to a 404."""

import datetime
import re

from django.core.files.base import ContentFile
from django.test import TestCase
from django.utils import timezone

from facilitation.factories import ConsentFormVersionFactory, ConsentRecordFactory
from facilitation.models import AuditEvent, ConsentRecord

from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]
LISTING = "/admin/snippets/facilitation/consentrecord/"


def inspect(record) -> str:
    return f"{LISTING}inspect/{record.pk}/"


class ConsentViewsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.form = ConsentFormVersionFactory()
        # A paper consent with its scan, recorded by the facilitator, narrower than everything.
        cls.paper = ConsentRecordFactory(
            participant=cls.w.elder_a,
            method=ConsentRecord.Method.PAPER,
            evidence_file=ContentFile(b"%PDF-1.4 signed form", name="scan.pdf"),
            publish_photos=False,
            recorded_by=cls.w.users["facilitator_a"],
        )
        cls.record_b = cls.w.elder_b.consent_records.get()

    def login(self, role):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])

    def status(self, role, url, method="get", data=None):
        self.login(role)
        response = getattr(self.client, method)(url, data or {})
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        return response.status_code

    def check(self, url, allowed, refused=frozenset({302, 403, 404})):
        for role in ROLES:
            code = self.status(role, url)
            with self.subTest(role=role, url=url):
                if role in allowed:
                    self.assertEqual(code, 200, f"{role} should reach {url}")
                else:
                    self.assertIn(code, refused, f"{role} must not reach {url}")

    # --- The defects: links that 404, raw values ---------------------------------------------------------------

    def test_every_link_of_the_listing_leads_somewhere(self):
        self.login("facilitator_a")
        html = self.client.get(LISTING).content.decode()
        links = set(re.findall(r'href="(/admin/snippets/facilitation/consentrecord/[^"]+)"', html))
        links = {link.replace("&amp;", "&") for link in links}
        self.assertTrue(any("/inspect/" in link for link in links), links)
        self.assertTrue(any("?participant=" in link for link in links), links)  # "change consent"
        self.assertFalse([link for link in links if "/edit/" in link or "/copy/" in link], links)
        for link in links:
            with self.subTest(link=link):
                self.assertEqual(self.client.get(link).status_code, 200, link)

    def test_no_object_view_of_a_record_links_to_a_view_that_does_not_exist(self):
        for role in ("facilitator_a", "admin"):  # the admin holds every model permission (delete included)
            self.login(role)
            for view in ("inspect", "history", "usage"):
                html = self.client.get(f"{LISTING}{view}/{self.paper.pk}/").content.decode()
                for link in set(re.findall(r'href="(/admin/snippets/facilitation/consentrecord/[^"]+)"', html)):
                    with self.subTest(role=role, view=view, link=link):
                        self.assertEqual(self.client.get(link.replace("&amp;", "&")).status_code, 200)

    def test_the_record_reads_like_a_form_not_like_python(self):
        self.login("facilitator_a")
        html = self.client.get(inspect(self.paper)).content.decode()
        for raw in ("True", "False", "['kk'", "None"):
            self.assertNotIn(f">{raw}", html)
            self.assertNotIn(f" {raw}<", html)
        self.assertNotIn("['kk', 'ru', 'en']", html)
        self.assertIn("Kazakh, Russian, English", html)
        self.assertIn("Publish photos", html)
        self.assertRegex(html, r'data-scope="publish_photos" data-granted="no"')
        self.assertRegex(html, r'data-scope="publish_text" data-granted="yes"')
        self.assertIn("facilitator_a", html)  # who recorded it
        self.assertIn(self.form.version, html)
        self.assertIn(f"/admin/programme/consent/{self.paper.pk}/evidence/", html)

    def test_the_evidence_scan_opens_through_the_policy(self):
        url = f"/admin/programme/consent/{self.paper.pk}/evidence/"
        self.check(url, {"admin", "facilitator_a"})
        self.login("facilitator_a")
        response = self.client.get(url)
        self.assertEqual(b"".join(response.streaming_content), b"%PDF-1.4 signed form")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertTrue(AuditEvent.objects.filter(action="consent.view_evidence", allowed=True).exists())
        self.login("facilitator_b")
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertTrue(AuditEvent.objects.filter(action="consent.view_evidence", allowed=False).exists())

    def test_a_new_record_sets_who_recorded_it_and_its_message_leads_to_the_record(self):
        self.login("facilitator_a")
        response = self.client.post(f"{LISTING}add/", self.form_data(self.w.elder_a), follow=True)
        record = self.w.elder_a.consent_records.order_by("-pk").first()
        self.assertEqual(record.recorded_by, self.w.users["facilitator_a"])
        self.assertEqual(response.redirect_chain[-1][0], inspect(record))
        html = response.content.decode()
        self.assertIn(f'href="{inspect(record)}"', html)  # the success message's button
        self.assertNotIn(f"{LISTING}edit/{record.pk}/", html)
        for link in set(re.findall(r'href="(/admin/snippets/facilitation/consentrecord/[^"]+)"', html)):
            with self.subTest(link=link):
                self.assertEqual(self.client.get(link.replace("&amp;", "&")).status_code, 200, link)

    # --- Change consent --------------------------------------------------------------------------------------------

    def form_data(self, participant, **changes):
        data = {
            "participant": participant.pk,
            "form_version": self.form.pk,
            "form_language": "ru",
            "given_by": "guardian" if participant.is_child else "participant",
            "guardian_relation": "grandmother" if participant.is_child else "",
            "child_assent": "yes" if participant.is_child else "n/a",
            "record_audio": "on",
            "transcribe": "on",
            "archive": "on",
            "publish_text": "on",
            "evaluation": "on",
            "publish_languages": ["kk", "ru"],
            "method": "digital",
            "given_on": timezone.localdate().isoformat(),
            "review_on": (
                participant.eighteenth_birthday() or timezone.localdate() + datetime.timedelta(days=365)
            ).isoformat(),
            "note": "",
        }
        data.update(changes)
        return {key: value for key, value in data.items() if value is not None}

    def test_change_consent_starts_from_the_current_record(self):
        self.login("facilitator_a")
        response = self.client.get(f"{LISTING}add/?participant={self.w.elder_a.pk}")
        self.assertEqual(response.status_code, 200)
        form = response.context["form"]
        self.assertEqual(form.initial["participant"], self.w.elder_a.pk)
        self.assertTrue(form.initial["record_audio"])
        self.assertFalse(form.initial["publish_photos"])  # as in the current (paper) record
        self.assertEqual(form.initial["publish_languages"], ["kk", "ru", "en"])
        self.assertFalse(form.initial.get("evidence_file"))  # new proof for a new record
        self.assertContains(response, "Change consent")

    def test_a_narrowed_consent_is_a_new_record_and_reconciles_at_once(self):
        recording = self.w.recording_a
        before = self.w.child_a.consent_records.count()
        self.login("facilitator_a")
        response = self.client.post(
            f"{LISTING}add/?participant={self.w.child_a.pk}", self.form_data(self.w.child_a, record_audio=None)
        )
        self.assertEqual(response.status_code, 302, response.status_code == 200 and response.context["form"].errors)
        self.assertEqual(self.w.child_a.consent_records.count(), before + 1)  # append-only: the old one stays
        recording.refresh_from_db()
        self.assertIsNotNone(recording.deleted_at)  # no "record audio" any more: the audio is gone, as withdrawal does
        self.assertFalse(recording.file)

    def test_change_consent_for_another_sites_person_is_refused(self):
        self.login("facilitator_a")
        self.assertEqual(self.client.get(f"{LISTING}add/?participant={self.w.elder_b.pk}").status_code, 404)
        before = ConsentRecord.objects.count()
        response = self.client.post(f"{LISTING}add/", self.form_data(self.w.elder_b))
        self.assertEqual(response.status_code, 200)  # the form again, with an error
        self.assertTrue(response.context["form"].errors)
        self.assertEqual(ConsentRecord.objects.count(), before)
        for role in ("anonymous", "editor", "safeguarding", "evaluator"):
            with self.subTest(role=role):
                self.assertIn(
                    self.status(role, f"{LISTING}add/", "post", self.form_data(self.w.elder_a)), {302, 403, 404}
                )
        self.assertEqual(ConsentRecord.objects.count(), before)

    # --- Who reaches what --------------------------------------------------------------------------------------

    def test_permissions_by_url(self):
        self.check(inspect(self.paper), {"admin", "facilitator_a"})
        self.check(inspect(self.record_b), {"admin", "facilitator_b"})
        self.check(f"{LISTING}add/?participant={self.w.child_a.pk}", {"admin", "facilitator_a"})
        self.check(f"{LISTING}edit/{self.paper.pk}/", set())
        self.check(f"{LISTING}copy/{self.paper.pk}/", set())
        self.check(f"/admin/programme/consent/{self.record_b.pk}/evidence/", set())  # no scan attached
        self.check("/admin/programme/consent-forms/", {"admin", "facilitator_a", "facilitator_b"})
        self.check(f"/admin/programme/consent-forms/{self.form.pk}/ru/", {"admin", "facilitator_a", "facilitator_b"})
        self.check(f"/admin/programme/consent-forms/{self.form.pk}/xx/", set())

    # --- Printable forms ---------------------------------------------------------------------------------------

    def test_printable_forms_in_each_language_from_the_stored_texts(self):
        self.login("facilitator_a")
        for listing in ("/admin/snippets/facilitation/consentformversion/", "/admin/programme/consent-forms/"):
            self.assertContains(self.client.get(listing), f'href="/admin/programme/consent-forms/{self.form.pk}/kk/"')
        for language, text, child_text, yes in (
            ("kk", self.form.text_kk, self.form.child_text_kk, "Иә"),
            ("ru", self.form.text_ru, self.form.child_text_ru, "Да"),
            ("en", self.form.text_en, self.form.child_text_en, "Yes"),
        ):
            with self.subTest(language=language):
                html = self.client.get(f"/admin/programme/consent-forms/{self.form.pk}/{language}/").content.decode()
                self.assertIn(f'<html lang="{language}">', html)
                self.assertIn(text, html)
                self.assertIn(child_text, html)
                self.assertIn(yes, html)
                self.assertIn('data-sheet="child"', html)
                self.assertIn("consent_print.css", html)
                self.assertNotIn("sidebar", html)  # no admin chrome on paper
