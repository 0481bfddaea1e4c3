"""The printable invitation (issue 11 part C): a hand-out in the family's language with a QR code, the link, the short
code, three steps and the withdrawal page; by URL for every role; codes typed with spaces and in lower case work, and
the family's withdrawal report names no "None"."""

import io
import re

from django.core.files.base import ContentFile
from django.test import TestCase
from PIL import Image

from facilitation.families.invitations import create_invitation
from facilitation.models import Invitation, Submission, SubmissionPhoto

from .world import build_world

NEW = "/admin/invitations/new/"
ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]


class InvitationHandoutTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.family = cls.w.elder_a.family
        cls.family.preferred_language = "ru"
        cls.family.save()
        # A family's submission with a photo, for the withdrawal page (the receipt's reference and key).
        invitation, _token, _code = create_invitation(cls.w.elder_a.family, language="kk")
        cls.submission = Submission(invitation=invitation, family=cls.w.elder_a.family, language="kk")
        cls.key = cls.submission.issue_secrets()
        cls.submission.save()
        cls.submission.participants.set([cls.w.elder_a])
        image = io.BytesIO()
        Image.new("RGB", (8, 8), "green").save(image, "JPEG")
        photo = SubmissionPhoto(submission=cls.submission, width=8, height=8)
        photo.image.save("photo.jpg", ContentFile(image.getvalue()), save=True)
        cls.photo_id = photo.pk

    def login(self, role):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])

    def test_handout_in_the_familys_language(self):
        self.login("facilitator_a")
        form = self.client.get(NEW)
        self.assertContains(form, 'class="w-header__title"')  # a heading
        response = self.client.post(NEW, {"family": self.family.pk, "session": "", "language": ""})
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        handout = html[html.index('<article class="invitation-handout"') :]
        handout = handout[: handout.index("</article>")]
        self.assertIn('lang="ru"', handout)
        self.assertIn("Поделитесь рассказом вашей семьи", handout)  # the family reads Russian
        self.assertIn("<svg", handout)  # the QR code
        self.assertIn("<path", handout)
        code = re.search(r"data-invitation-code>([^<]+)<", handout).group(1)
        url = re.search(r"data-invitation-url>([^<]+)<", handout).group(1)
        self.assertIn("/ru/share/", url)
        self.assertIn("/ru/withdraw/", handout)
        self.assertEqual(handout.count("<li>"), 3)
        self.assertIn("Invite a family", html)  # the facilitator's own screen stays in their language (en)
        self.assertIn("invitation_print.css", html)
        invitation = Invitation.objects.latest("pk")
        self.assertEqual(invitation.language, "ru")
        # the printed code, typed as people type it, opens the invitation
        typed = code.lower().replace("-", " ")
        opened = self.client.post("/ru/share/", {"code": typed})
        self.assertEqual(opened.status_code, 302)
        self.assertIn("/ru/share/", opened["Location"])
        self.assertEqual(self.client.get(opened["Location"]).status_code, 200)

    def test_language_chosen_by_the_facilitator_wins(self):
        self.login("facilitator_a")
        response = self.client.post(NEW, {"family": self.family.pk, "session": "", "language": "kk"})
        self.assertContains(response, 'lang="kk"')
        self.assertContains(response, "/kk/withdraw/")

    def test_every_role_by_url(self):
        for role in ROLES:
            self.login(role)
            before = Invitation.objects.count()
            get = self.client.get(NEW)
            post = self.client.post(NEW, {"family": self.family.pk, "session": "", "language": ""})
            with self.subTest(role=role):
                if role in ("admin", "facilitator_a"):
                    self.assertEqual(get.status_code, 200)
                    self.assertEqual(Invitation.objects.count(), before + 1)
                elif role == "anonymous":
                    self.assertEqual(get.status_code, 302)
                    self.assertEqual(post.status_code, 302)
                    self.assertEqual(Invitation.objects.count(), before)
                elif role == "facilitator_b":  # their own screen, but not site A's family
                    self.assertEqual(get.status_code, 200)
                    self.assertEqual(post.status_code, 200)
                    self.assertNotContains(post, "data-invitation-code")
                    self.assertEqual(Invitation.objects.count(), before)
                else:
                    self.assertEqual(get.status_code, 404)
                    self.assertEqual(post.status_code, 404)
                    self.assertEqual(Invitation.objects.count(), before)

    def test_another_sites_session_is_refused(self):
        self.login("facilitator_a")
        before = Invitation.objects.count()
        response = self.client.post(NEW, {"family": self.family.pk, "session": self.w.session_b.pk, "language": ""})
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "data-invitation-code")
        self.assertEqual(Invitation.objects.count(), before)

    # --- The family's withdrawal: the receipt's reference and key typed with spaces and in lower case ------------

    def test_typed_any_way_and_no_none_in_the_report(self):
        reference = self.submission.reference.lower().replace("-", " ")
        key = " ".join(self.key.lower().replace("-", ""))  # every character spaced out
        who = self.w.elder_a.code.lower().replace("-", " ")
        response = self.client.post(
            "/kk/withdraw/", {"reference": reference, "key": key, "everything": "all", "who": who}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.submission.reference)
        text = response.content.decode()
        self.assertNotIn("None", text)
        self.assertIn(f"№{self.photo_id}", text)
        self.assertFalse(SubmissionPhoto.objects.filter(pk=self.photo_id).exists())
        self.assertEqual(self.w.elder_a.consent_records.order_by("-recorded_at", "-id").first().kind, "withdrawal")
