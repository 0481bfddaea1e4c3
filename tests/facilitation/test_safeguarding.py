"""Issue 11 part B: the safeguarding dead end, from the outside, by URL, for every role.

Before: a facilitator could only tick "concern"; the lead's screen was a bare table with no link, date, facilitator,
child code or status; opening the session said "Sorry, you do not have permission"; nobody told the lead.
"""

from django.core import mail
from django.test import TestCase

from facilitation.models import AuditEvent, Concern, ConcernUpdate, NotificationPreference

from .test_scope_writes import session_post
from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]
HANDLERS = {"admin", "safeguarding"}
NOTE = "Бала қорқып отыр, үйде ұрыс бар деді (private note)"
RAISE = "/admin/safeguarding/raise/"


class SafeguardingTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        for name, user in cls.w.users.items():
            user.email = f"{name}@example.org"
            user.save()
        cls.concern = Concern.objects.create(
            site=cls.w.site_a, session=cls.w.session_a, note=NOTE, raised_by=cls.w.users["facilitator_a"]
        )
        cls.concern.children.set([cls.w.child_a])

    def login(self, role: str) -> None:
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])

    def raise_post(self, session, children=(), note=NOTE) -> dict:
        return {"session": session.pk, "children": [c.pk for c in children], "note": note}

    # --- The defects, reproduced -------------------------------------------------------------------------------

    def test_facilitator_writes_a_concern_and_the_lead_is_told_by_email(self):
        self.login("facilitator_a")
        form = self.client.get(f"{RAISE}?session={self.w.session_a.pk}")
        self.assertContains(form, 'name="note"')
        self.assertContains(form, self.w.child_a.code)
        self.assertNotContains(form, self.w.elder_b.code)  # another site's people are not offered
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(RAISE, self.raise_post(self.w.session_a, [self.w.child_a], "Written now"))
        self.assertRedirects(response, "/admin/safeguarding/raise/sent/")
        concern = Concern.objects.latest("id")
        self.assertEqual(
            (concern.note, concern.status, concern.raised_by), ("Written now", "open", self.w.users["facilitator_a"])
        )
        self.assertEqual(list(concern.children.all()), [self.w.child_a])
        self.assertNotContains(self.client.get(response.url), "Written now")  # sent, never shown back
        recipients = sorted(address for message in mail.outbox for address in message.to)
        self.assertEqual(recipients, ["admin@example.org", "safeguarding@example.org"])
        for message in mail.outbox:
            text = message.subject + message.body
            self.assertIn(f"/admin/safeguarding/concerns/{concern.pk}/", message.body)
            self.assertIn(self.w.site_a.name_en, text)  # in the reader's language (English in this world)
            for secret in ("Written now", self.w.child_a.code, "Нұрлан", "Айгүл", "facilitator_a"):
                self.assertNotIn(secret, text)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="concern.raise", actor=self.w.users["facilitator_a"], allowed=True
            ).exists()
        )

    def test_ticking_the_session_flag_also_reaches_the_lead(self):
        self.login("facilitator_b")
        data = {
            **session_post(self.w.site_b, facilitators=[self.w.users["facilitator_b"]]),
            "safeguarding_concern": "on",
        }
        url = f"/admin/snippets/facilitation/storysession/edit/{self.w.session_b.pk}/"
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(self.client.post(url, data).status_code, 302)
        concern = Concern.objects.get(session=self.w.session_b)
        self.assertEqual((concern.site, concern.note, concern.status), (self.w.site_b, "", "open"))
        self.assertEqual(len(mail.outbox), 2)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, data)  # saved again: still one open concern, no second e-mail
        self.assertEqual(Concern.objects.filter(session=self.w.session_b).count(), 1)
        self.assertEqual(len(mail.outbox), 2)
        concern.status = Concern.Status.CLOSED
        concern.save()
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, data)  # the lead closed it; a later save of the still-ticked session is no new one
        self.assertEqual(Concern.objects.filter(session=self.w.session_b).count(), 1)
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(url, {**data, "safeguarding_concern": ""})
            self.client.post(url, data)  # unticked, then ticked again: a new concern
        self.assertEqual(Concern.objects.filter(session=self.w.session_b).count(), 2)
        self.assertEqual(len(mail.outbox), 4)

    def test_the_leads_queue_shows_date_site_facilitator_child_status_and_links(self):
        self.login("safeguarding")
        html = self.client.get("/admin/safeguarding/").content.decode()
        for expected in (
            f"/admin/safeguarding/concerns/{self.concern.pk}/",
            f"/admin/safeguarding/sessions/{self.w.session_a.pk}/",
            self.w.site_a.name_en,
            "facilitator_a",
            self.w.child_a.code,
            "Open",
        ):
            self.assertIn(expected, html)
        self.assertNotIn(NOTE, html)  # the queue lists; the note is read on the concern, audited
        self.assertNotIn("Нұрлан", html)  # codes only, never real names
        Concern.objects.create(site=self.w.site_b, note="b", status=Concern.Status.CLOSED)
        filtered = self.client.get("/admin/safeguarding/?status=closed").content.decode()
        self.assertNotIn(f"/admin/safeguarding/concerns/{self.concern.pk}/", filtered)
        self.assertIn(self.w.site_b.name_en, filtered)

    def test_the_lead_opens_the_session_read_only(self):
        self.login("safeguarding")
        response = self.client.get(f"/admin/safeguarding/sessions/{self.w.session_a.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "Sorry, you do not have permission")
        self.assertContains(response, "The elder told about the river.")
        self.assertContains(response, self.w.child_a.code)
        self.assertContains(response, "Бала ұйықтай алмайды (private)")  # the session's own safeguarding note
        self.assertContains(response, f"/admin/safeguarding/concerns/{self.concern.pk}/")
        self.assertNotContains(response, "Нұрлан")
        self.assertNotContains(response, 'name="log"')  # nothing to edit
        # From the sessions list too: a read-only link instead of the edit view the lead may not open.
        listing = self.client.get("/admin/snippets/facilitation/storysession/").content.decode()
        self.assertIn(f"/admin/safeguarding/sessions/{self.w.session_a.pk}/", listing)
        # And the edit URL itself (a link from elsewhere) leads there, not to "Sorry, you do not have permission".
        edit = f"/admin/snippets/facilitation/storysession/edit/{self.w.session_a.pk}/"
        self.assertRedirects(self.client.get(edit), f"/admin/safeguarding/sessions/{self.w.session_a.pk}/")

    def test_the_lead_moves_a_concern_to_in_progress_then_closed_with_notes(self):
        self.login("safeguarding")
        url = f"/admin/safeguarding/concerns/{self.concern.pk}/"
        page = self.client.get(url)
        self.assertContains(page, NOTE)
        self.assertContains(page, self.w.child_a.code)
        self.assertContains(self.client.post(url, {"status": "open", "note": ""}), "Change the status or write a note")
        self.assertRedirects(self.client.post(url, {"status": "in_progress", "note": "Called the family"}), url)
        self.assertRedirects(self.client.post(url, {"status": "closed", "note": "Referred to the district"}), url)
        self.concern.refresh_from_db()
        self.assertEqual((self.concern.status, self.concern.handled_by), ("closed", self.w.users["safeguarding"]))
        self.assertEqual(
            list(ConcernUpdate.objects.filter(concern=self.concern).values_list("status", "note")),
            [("in_progress", "Called the family"), ("closed", "Referred to the district")],
        )
        page = self.client.get(url)
        self.assertContains(page, "Called the family")
        self.assertContains(page, "Referred to the district")
        handled = AuditEvent.objects.filter(action="concern.handle", target_id=str(self.concern.pk), allowed=True)
        self.assertEqual(handled.count(), 3)  # every POST, the invalid one too
        self.assertTrue(AuditEvent.objects.filter(action="concern.view", target_id=str(self.concern.pk)).exists())
        self.assertFalse(AuditEvent.objects.filter(detail__icontains="Called").exists())

    # --- Write-only for the facilitator ------------------------------------------------------------------------

    def test_a_facilitator_cannot_read_a_concern_back_by_any_url(self):
        session = self.w.session_a.pk
        self.login("facilitator_a")
        for url in (
            "/admin/safeguarding/",
            f"/admin/safeguarding/concerns/{self.concern.pk}/",
            f"/admin/safeguarding/sessions/{session}/",
            f"/admin/snippets/facilitation/storysession/edit/{session}/",
            f"/admin/snippets/facilitation/storysession/history/{session}/",
            f"/admin/snippets/facilitation/storysession/usage/{session}/",
            f"/admin/snippets/facilitation/storysession/inspect/{session}/",
            "/admin/snippets/facilitation/storysession/",
            "/admin/snippets/facilitation/auditevent/",
            "/admin/",
        ):
            response = self.client.get(url)
            with self.subTest(url=url):
                self.assertNotEqual(response.status_code, 500)
                body = response.content.decode()
                self.assertNotIn(NOTE, body)
                self.assertNotIn("ұйықтай", body)
        self.assertEqual(self.client.get(f"/admin/safeguarding/concerns/{self.concern.pk}/").status_code, 404)
        listing = self.client.get("/admin/snippets/facilitation/storysession/").content.decode()
        self.assertIn(f"/admin/safeguarding/raise/?session={session}", listing)  # where a concern is written
        self.assertNotIn("/admin/safeguarding/sessions/", listing)
        refused = AuditEvent.objects.filter(action="concern.view", actor=self.w.users["facilitator_a"], allowed=False)
        self.assertTrue(refused.exists())
        edit = self.client.get(f"/admin/snippets/facilitation/storysession/edit/{session}/")
        self.assertNotContains(edit, 'name="safeguarding_note"')
        # Concerns are kept out of the reference index: a usage screen says nothing of them.
        usage = self.client.get(f"/admin/snippets/facilitation/participant/usage/{self.w.child_a.pk}/")
        self.assertEqual(usage.status_code, 200)
        self.assertNotContains(usage, "Concern #")
        self.assertNotContains(usage, "/admin/safeguarding/concerns/")

    # --- Every role, every screen, reads and writes ------------------------------------------------------------

    def test_reads_by_url_for_every_role(self):
        urls = {
            "/admin/safeguarding/": HANDLERS,
            "/admin/safeguarding/results/?status=open": HANDLERS,
            f"/admin/safeguarding/concerns/{self.concern.pk}/": HANDLERS,
            f"/admin/safeguarding/sessions/{self.w.session_a.pk}/": HANDLERS,
            f"/admin/safeguarding/sessions/{self.w.session_b.pk}/": HANDLERS,
            "/admin/safeguarding/concerns/999999/": set(),
            RAISE: {"admin", "facilitator_a", "facilitator_b"},
            f"{RAISE}?session={self.w.session_a.pk}": {"admin", "facilitator_a"},
            f"{RAISE}?session={self.w.session_b.pk}": {"admin", "facilitator_b"},
            "/admin/safeguarding/raise/sent/": {"admin", "facilitator_a", "facilitator_b"},
        }
        for url, allowed in urls.items():
            for role in ROLES:
                self.login(role)
                code = self.client.get(url).status_code
                with self.subTest(url=url, role=role):
                    if role in allowed:
                        self.assertEqual(code, 200)
                    elif role == "anonymous":
                        self.assertEqual(code, 302)
                    else:
                        self.assertEqual(code, 404, "as if it did not exist")

    def test_status_changes_by_post_for_every_role(self):
        url = f"/admin/safeguarding/concerns/{self.concern.pk}/"
        for role in ROLES:
            self.login(role)
            before = ConcernUpdate.objects.count()
            code = self.client.post(url, {"status": "in_progress", "note": f"by {role}"}).status_code
            with self.subTest(role=role):
                changed = ConcernUpdate.objects.count() > before
                if role in HANDLERS:
                    self.assertEqual((code, changed), (302, True))
                else:
                    self.assertIn(code, {302, 404} if role == "anonymous" else {404})
                    self.assertFalse(changed)

    def test_raising_by_post_for_every_role_and_across_sites(self):
        w = self.w
        cases = [
            # (role, session, children, may store)
            ("anonymous", w.session_a, [w.child_a], False),
            ("editor", w.session_a, [w.child_a], False),
            ("evaluator", w.session_a, [w.child_a], False),
            ("safeguarding", w.session_a, [w.child_a], False),
            ("facilitator_b", w.session_a, [], False),  # another site's session
            ("facilitator_a", w.session_b, [], False),
            ("facilitator_b", w.session_b, [w.child_a], False),  # another site's child
            ("facilitator_a", w.session_a, [w.elder_a], False),  # not a child
            ("facilitator_a", w.session_a, [w.child_a], True),
            ("facilitator_b", w.session_b, [], True),
            ("admin", w.session_b, [], True),
        ]
        for role, session, children, stored in cases:
            self.login(role)
            before = Concern.objects.count()
            with self.captureOnCommitCallbacks(execute=True):
                code = self.client.post(RAISE, self.raise_post(session, children, f"{role} note")).status_code
            with self.subTest(role=role, session=session.pk, children=children):
                self.assertEqual(Concern.objects.count() > before, stored)
                self.assertNotEqual(code, 500)
                if stored:
                    self.assertEqual(code, 302)
                elif role not in {"facilitator_a", "facilitator_b"}:
                    self.assertIn(code, {302, 404} if role == "anonymous" else {404})

    def test_notification_preference_is_respected_and_edited_in_account_settings(self):
        NotificationPreference.objects.create(user=self.w.users["admin"], concerns=False)
        self.login("facilitator_a")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(RAISE, self.raise_post(self.w.session_a, [], "x"))
        self.assertEqual([m.to for m in mail.outbox], [["safeguarding@example.org"]])
        self.login("safeguarding")
        account = self.client.get("/admin/account/")
        self.assertContains(account, 'name="programme_notifications-concerns"')
        self.assertNotContains(account, 'name="programme_notifications-submissions"')
        self.login("facilitator_a")
        account = self.client.get("/admin/account/")
        self.assertContains(account, 'name="programme_notifications-submissions"')
        self.assertNotContains(account, 'name="programme_notifications-concerns"')
        self.login("evaluator")
        self.assertNotContains(self.client.get("/admin/account/"), "programme_notifications")
