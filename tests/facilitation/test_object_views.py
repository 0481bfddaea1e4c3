"""Every object view (edit, inspect, history, usage, delete) of every site-scoped model, per role: never a 500.

Issue 10: history and usage pages returned 500 (TypeError in ScopedObjectMixin.get_object). Out-of-scope objects
answer 404 as if they did not exist; roles without the model permission are refused; allowed roles get 200.
"""

from django.test import TestCase

from facilitation.families.invitations import create_invitation
from facilitation.models import Submission

from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]
REFUSED = {302, 403, 404}


class ObjectViewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def status(self, role: str, url: str) -> int:
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])
        return self.client.get(url).status_code

    def objects(self):
        w = self.w
        invitation, _token, _code = create_invitation(w.elder_a.family, language="kk", actor=w.users["admin"])

        submission = Submission(invitation=invitation, family=w.elder_a.family, language="kk")
        submission.issue_secrets()
        submission.save()
        return {
            "family": (w.elder_a.family.pk, {"edit", "inspect", "history", "usage", "delete"}),  # inspect: family page
            "participant": (w.child_a.pk, {"edit", "history", "usage", "delete"}),
            "storysession": (w.session_a.pk, {"edit", "history", "usage", "delete"}),
            "recording": (w.recording_a.pk, {"edit", "history", "usage", "delete"}),
            "consentrecord": (w.child_a.consent_records.get().pk, {"inspect", "history", "usage"}),
            # Reviewed (accepted or declined) on its inspect view, never edited or deleted by hand.
            "submission": (submission.pk, {"inspect", "history", "usage"}),
        }

    # Views a facilitator of the object's site reaches (their model permissions: add, change, view; no delete).
    FACILITATOR_VIEWS = {"edit", "inspect", "history", "usage"}

    def test_every_object_view_of_every_scoped_model(self):
        for model, (pk, views) in self.objects().items():
            for view in ("edit", "inspect", "history", "usage", "delete"):
                url = f"/admin/snippets/facilitation/{model}/{view}/{pk}/"
                for role in ROLES:
                    code = self.status(role, url)
                    with self.subTest(url=url, role=role):
                        self.assertNotEqual(code, 500)
                        if role == "anonymous":
                            self.assertEqual(code, 302, "to the login page")
                        elif view not in views:
                            self.assertEqual(code, 404, "a disabled view does not exist")
                        elif role == "admin" or (role == "facilitator_a" and view in self.FACILITATOR_VIEWS):
                            self.assertEqual(code, 200)
                        elif role in {"facilitator_b", "editor", "evaluator"}:
                            self.assertEqual(code, 404, "out of scope: as if it did not exist")
                        else:
                            self.assertIn(code, REFUSED)
