"""One source for every rule: the admin lists show exactly the rows the policy lets each role see, and what a consent
change takes down is read from the policy's one table."""

from django.test import TestCase
from wagtail.permissions import policy_registry

from facilitation import policy
from facilitation.models import Participant, StorySession
from facilitation.policy import Action, Artefact
from facilitation.viewsets import ProgrammePermissionPolicy
from facilitation.withdrawal import withdraw_consent

from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]


class RowsAgreeWithThePolicyTests(TestCase):
    """A row is listed by the admin (by URL) if and only if `policy.may` allows viewing it, for every role."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def listed(self, role: str, url: str, marker: str) -> bool:
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])
        response = self.client.get(url)
        return response.status_code == 200 and marker in response.content.decode()

    def actor(self, role: str):
        return None if role == "anonymous" else self.w.users[role]

    def check_rows(self, list_url: str, rows: dict, action: Action, expected: dict):
        for role in ROLES:
            for name, obj in rows.items():
                marker = f'id="snippet_{obj.pk}_title"'  # the row's title (a linked one only for who may edit)
                with self.subTest(role=role, row=name):
                    allowed = bool(policy.may(self.actor(role), action, obj))
                    self.assertEqual(allowed, role in expected[name], f"policy: {role} on {name}")
                    self.assertEqual(self.listed(role, list_url, marker), allowed, f"list: {role} on {name}")

    def test_session_rows(self):
        # Evaluators read sessions only through the evaluation screens (shareable, pseudonymised logs); the policy
        # used to let them "view" any session the admin list never showed them.
        rows = {"a": self.w.session_a, "b": self.w.session_b}
        expected = {"a": {"admin", "facilitator_a", "safeguarding"}, "b": {"admin", "facilitator_b", "safeguarding"}}
        self.check_rows("/admin/snippets/facilitation/storysession/", rows, Action.VIEW_SESSION, expected)

    def test_participant_rows(self):
        # Safeguarding leads and evaluators never open the participants' list (their real names, relations); the
        # policy used to allow both.
        rows = {"child_a": self.w.child_a, "elder_b": self.w.elder_b}
        expected = {"child_a": {"admin", "facilitator_a"}, "elder_b": {"admin", "facilitator_b"}}
        self.check_rows("/admin/snippets/facilitation/participant/", rows, Action.VIEW_PARTICIPANT, expected)

    def test_scope_is_the_sql_form_of_may(self):
        for role in ROLES:
            actor = self.actor(role)
            for model, action in ((StorySession, Action.VIEW_SESSION), (Participant, Action.VIEW_PARTICIPANT)):
                scoped = set(policy.visible(actor, model.objects.all()).values_list("pk", flat=True))
                for obj in model.objects.all():
                    with self.subTest(role=role, model=model.__name__, pk=obj.pk):
                        self.assertEqual(obj.pk in scoped, bool(policy.may(actor, action, obj)))


class TakedownTableTests(TestCase):
    """Which artefacts each scope takes down is one table; the reconciliation's answer follows it."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_every_scope_has_a_row(self):
        self.assertEqual(set(policy.TAKEDOWN), {scope.value for scope in policy.Scope})
        for artefacts in policy.TAKEDOWN.values():
            self.assertTrue(artefacts <= set(Artefact))

    def test_nothing_to_take_down_while_everyone_consents(self):
        self.assertEqual(policy.takedowns([self.w.elder_a, self.w.child_a]), {})

    def test_a_withdrawal_requires_exactly_its_rows(self):
        withdraw_consent(self.w.elder_a, {"transcribe"}, given_by="participant")
        needed = policy.takedowns([self.w.elder_a])
        self.assertEqual(needed[self.w.elder_a], policy.TAKEDOWN["transcribe"])
        self.assertIn(Artefact.TRANSCRIPT, needed[self.w.elder_a])
        self.assertNotIn(Artefact.RECORDING_AUDIO, needed[self.w.elder_a])
        withdraw_consent(self.w.elder_a, {"archive"}, given_by="participant")
        self.assertIn(Artefact.RECORDING_AUDIO, policy.takedowns([self.w.elder_a])[self.w.elder_a])


class SnippetPermissionPolicyTests(TestCase):
    """Wagtail's permission checks for programme snippets are answered by the policy (one registered object)."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()

    def test_sessions(self):
        permissions = policy_registry.get_by_type(StorySession)
        self.assertIsInstance(permissions, ProgrammePermissionPolicy)
        users, session_a = self.w.users, self.w.session_a
        self.assertTrue(permissions.user_has_permission_for_instance(users["safeguarding"], "view", session_a))
        self.assertFalse(permissions.user_has_permission_for_instance(users["safeguarding"], "change", session_a))
        self.assertTrue(permissions.user_has_permission_for_instance(users["facilitator_a"], "change", session_a))
        self.assertFalse(permissions.user_has_permission_for_instance(users["facilitator_b"], "view", session_a))
        self.assertFalse(permissions.user_has_permission_for_instance(users["evaluator"], "view", session_a))
        for role in ROLES[1:]:
            with self.subTest(role=role):
                listed = set(permissions.instances_user_has_permission_for(users[role], "view"))
                visible = {s for s in StorySession.objects.all() if policy.may(users[role], Action.VIEW_SESSION, s)}
                self.assertEqual(listed, visible)
