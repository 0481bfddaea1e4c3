"""Reviewing a family's submission: hear it, see its photos, read each person's consent, accept or decline."""

import io
import re

from django.core.files.base import ContentFile
from django.test import TestCase
from PIL import Image
from wagtail.models import Page

from facilitation.factories import ConsentFormVersionFactory, ConsentRecordFactory, StorySessionFactory, tone_wav
from facilitation.families.invitations import create_invitation
from facilitation.models import (
    AuditEvent,
    Participant,
    Recording,
    Submission,
    SubmissionPhoto,
    private_storage,
)
from media_tools.models import TranscriptionJob
from stories.factories import StoryPageFactory

from .world import build_world

ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]
REFUSED = {302, 403, 404}


def jpeg(width=64, height=48) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def make_submission(family, people, *, session=None, reference_key=False):
    """What a family's finished submission leaves behind: recordings and photos in private storage, not yet
    transcribed (built directly, so the review's own start of transcription is what is tested)."""
    invitation, _token, _code = create_invitation(family, language="kk", session=session)
    submission = Submission(invitation=invitation, family=family, language="kk", title="Өзен туралы")
    key = submission.issue_secrets()
    submission.save()
    submission.participants.set(people)
    recording = Recording.objects.create(
        family=family,
        source=Recording.Source.FAMILY,
        submission=submission,
        file=ContentFile(tone_wav(0.5), name="family.wav"),
        duration_seconds=65.0,
        original_format="wav",
    )
    recording.speakers.set(people)
    photo = SubmissionPhoto.objects.create(
        submission=submission, image=ContentFile(jpeg(), name="photo.jpg"), width=64, height=48
    )
    return submission, recording, photo, key


class SubmissionReviewTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        ConsentFormVersionFactory()
        cls.family_a = cls.w.elder_a.family
        cls.session_a2 = StorySessionFactory(site=cls.w.site_a)
        cls.sub, cls.rec, cls.photo, cls.key = make_submission(cls.family_a, [cls.w.elder_a, cls.w.child_a])
        cls.sub_b, cls.rec_b, cls.photo_b, _key = make_submission(cls.w.elder_b.family, [cls.w.elder_b])

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

    def review_url(self, submission):
        return f"/admin/snippets/facilitation/submission/inspect/{submission.pk}/"

    # --- The defect: the review showed only "Status" ----------------------------------------------------------

    def test_the_review_plays_the_recordings_shows_the_photos_and_each_persons_consent(self):
        self.login("facilitator_a")
        response = self.client.get(self.review_url(self.sub))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn(f'<audio controls preload="metadata" src="/private/recordings/{self.rec.pk}/"', html)
        self.assertIn(f'src="/admin/programme/photos/{self.photo.pk}/"', html)
        self.assertNotIn("/media/", html)  # never MEDIA_URL
        self.assertIn("01:05", html)  # duration as mm:ss
        for person in (self.w.elder_a, self.w.child_a):
            self.assertIn(f'data-person="{person.code}"', html)
        self.assertIn("Publish the audio", html)
        self.assertIn("The child said yes", html)
        self.assertIn("Айгүл Серікқызы", html)  # real names: this site's facilitator may see them
        self.assertIn("data-accept-form", html)
        self.assertIn("data-decline-form", html)
        # The listing's row leads to this review.
        listing = self.client.get("/admin/snippets/facilitation/submission/").content.decode()
        self.assertIn(f'href="{self.review_url(self.sub)}"', listing)
        self.assertNotIn(f"/submission/edit/{self.sub.pk}/", listing)

    def test_no_view_of_a_submission_links_to_one_that_does_not_exist(self):
        self.login("admin")
        for view in ("inspect", "history", "usage"):
            html = self.client.get(f"/admin/snippets/facilitation/submission/{view}/{self.sub.pk}/").content.decode()
            for link in set(re.findall(r'href="(/admin/(?:snippets/facilitation|programme)/[^"]+)"', html)):
                with self.subTest(view=view, link=link):
                    self.assertEqual(self.client.get(link.replace("&amp;", "&")).status_code, 200)

    def test_the_photo_and_audio_are_served_privately(self):
        self.login("facilitator_a")
        response = self.client.get(f"/admin/programme/photos/{self.photo.pk}/")
        self.assertEqual(response["Content-Type"], "image/jpeg")
        self.assertEqual(b"".join(response.streaming_content)[:2], b"\xff\xd8")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertTrue(AuditEvent.objects.filter(action="photo.view", allowed=True).exists())
        self.assertEqual(self.client.get(f"/private/recordings/{self.rec.pk}/").status_code, 200)

    def test_permissions_by_url(self):
        for url, allowed in (
            (self.review_url(self.sub), {"admin", "facilitator_a"}),
            (self.review_url(self.sub_b), {"admin", "facilitator_b"}),
            (f"/admin/programme/photos/{self.photo.pk}/", {"admin", "facilitator_a"}),
            (f"/admin/programme/photos/{self.photo_b.pk}/", {"admin", "facilitator_b"}),
            (f"/admin/snippets/facilitation/submission/edit/{self.sub.pk}/", set()),
        ):
            for role in ROLES:
                code = self.status(role, url)
                with self.subTest(role=role, url=url):
                    if role in allowed:
                        self.assertEqual(code, 200)
                    else:
                        self.assertEqual(code, 302 if role == "anonymous" else 404)
        self.login("facilitator_a")
        self.assertEqual(self.client.get(f"/admin/programme/photos/{self.photo_b.pk}/").status_code, 404)
        self.assertEqual(self.client.get("/admin/programme/photos/999999/").status_code, 404)

    def test_nobody_outside_the_site_can_accept_or_decline(self):
        for role in ("anonymous", "editor", "facilitator_b", "safeguarding", "evaluator"):
            for action, data in (("accept", {"session": self.w.session_a.pk}), ("decline", {"confirm": "yes"})):
                code = self.status(role, f"/admin/programme/submissions/{self.sub.pk}/{action}/", "post", data)
                with self.subTest(role=role, action=action):
                    self.assertEqual(code, 302 if role == "anonymous" else 404)
        self.sub.refresh_from_db()
        self.assertEqual(self.sub.status, Submission.Status.RECEIVED)
        self.assertTrue(Recording.objects.filter(pk=self.rec.pk).exists())
        self.assertTrue(SubmissionPhoto.objects.filter(pk=self.photo.pk).exists())

    # --- Accept -------------------------------------------------------------------------------------------------

    def test_accept_attaches_to_a_session_of_the_site_and_starts_transcription_where_consent_allows(self):
        self.login("facilitator_a")
        url = f"/admin/programme/submissions/{self.sub.pk}/accept/"
        # Another site's session is not offered and not taken.
        response = self.client.post(url, {"session": self.w.session_b.pk})
        self.assertEqual(response.status_code, 302)
        self.sub.refresh_from_db()
        self.assertEqual(self.sub.status, Submission.Status.RECEIVED)
        page = self.client.get(self.review_url(self.sub)).content.decode()
        self.assertNotIn(f'value="{self.w.session_b.pk}"', page)
        self.assertIn(f'value="{self.session_a2.pk}"', page)

        response = self.client.post(url, {"session": self.session_a2.pk})
        self.assertRedirects(response, f"/admin/snippets/facilitation/family/inspect/{self.family_a.pk}/")
        self.sub.refresh_from_db()
        self.rec.refresh_from_db()
        self.assertEqual(self.sub.status, Submission.Status.REVIEWED)
        self.assertEqual(self.sub.session, self.session_a2)
        self.assertEqual(self.sub.reviewed_by, self.w.users["facilitator_a"])
        self.assertEqual(self.rec.session, self.session_a2)
        self.assertEqual(TranscriptionJob.objects.filter(recording=self.rec).count(), 1)
        self.assertTrue(AuditEvent.objects.filter(action="submission.accept", allowed=True).exists())
        # Decided once: a second accept or a decline changes nothing.
        self.client.post(f"/admin/programme/submissions/{self.sub.pk}/decline/", {"confirm": "yes"})
        self.assertTrue(Recording.objects.filter(pk=self.rec.pk).exists())

    def test_accept_does_not_transcribe_without_consent(self):
        ConsentRecordFactory(participant=self.w.child_a, transcribe=False)
        self.login("facilitator_a")
        self.client.post(f"/admin/programme/submissions/{self.sub.pk}/accept/", {"session": ""})
        self.sub.refresh_from_db()
        self.assertEqual(self.sub.status, Submission.Status.REVIEWED)
        self.assertFalse(TranscriptionJob.objects.filter(recording=self.rec).exists())

    # --- Decline ------------------------------------------------------------------------------------------------

    def test_decline_forgets_the_real_names_of_people_only_this_submission_added(self):
        """Whoever used the link typed these people in; a declined submission keeps no name of theirs (their consent
        records stay, append-only, as proof), while people the programme already knew keep theirs."""
        newcomer = Participant.objects.create(family=self.family_a, role="child", age_band="7-12", real_name="Әлия Н.")
        sub, _rec, _photo, _key = make_submission(self.family_a, [self.w.elder_a, newcomer])
        ConsentRecordFactory(participant=newcomer, note=f"family submission {sub.reference}")
        self.login("facilitator_a")
        with self.captureOnCommitCallbacks(execute=True):
            self.client.post(f"/admin/programme/submissions/{sub.pk}/decline/", {"confirm": "yes"})
        newcomer.refresh_from_db()
        self.w.elder_a.refresh_from_db()
        self.assertEqual(newcomer.real_name, "")
        self.assertEqual(self.w.elder_a.real_name, "Айгүл Серікқызы")

    def test_decline_purges_files_and_rows_and_the_family_sees_it(self):
        # Its own submission: the files deleted on disk must not be the class's (rows roll back, files do not).
        self.sub, self.rec, self.photo, self.key = make_submission(self.family_a, [self.w.elder_a, self.w.child_a])
        storage = private_storage()
        names = [self.rec.file.name, self.photo.image.name]
        self.assertTrue(all(storage.exists(name) for name in names))
        self.login("facilitator_a")
        url = f"/admin/programme/submissions/{self.sub.pk}/decline/"
        self.client.post(url, {})  # not confirmed: nothing happens
        self.assertTrue(Recording.objects.filter(pk=self.rec.pk).exists())
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(url, {"confirm": "yes"})
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Recording.objects.filter(pk=self.rec.pk).exists())
        self.assertFalse(SubmissionPhoto.objects.filter(pk=self.photo.pk).exists())
        self.assertFalse(any(storage.exists(name) for name in names))
        self.sub.refresh_from_db()
        self.assertEqual(self.sub.status, Submission.Status.DECLINED)
        self.assertEqual(self.sub.title, "")
        self.assertTrue(AuditEvent.objects.filter(action="submission.decline", allowed=True).exists())
        self.assertEqual(self.w.elder_a.consent_records.count(), 1)  # consent records are kept as proof
        # The family's status page, with the receipt's reference and key.
        self.client.logout()
        response = self.client.post("/ru/share/status/", {"reference": self.sub.reference, "key": self.key})
        self.assertContains(response, 'data-status="declined"')
        response = self.client.post("/ru/share/status/", {"reference": self.sub.reference, "key": "WRONG-KEY"})
        self.assertNotContains(response, "data-status")
        # The staff review says so too, with no forms left.
        self.login("facilitator_a")
        html = self.client.get(self.review_url(self.sub)).content.decode()
        self.assertIn('data-status="declined"', html)
        self.assertNotIn("data-accept-form", html)

    def test_a_submission_a_story_is_built_from_cannot_be_declined(self):

        StoryPageFactory(parent=Page.get_first_root_node(), source_submission=self.sub, title_kk="Әңгіме", slug_kk="a")
        self.login("facilitator_a")
        self.assertContains(self.client.get(self.review_url(self.sub)), "it cannot be declined")
        self.client.post(f"/admin/programme/submissions/{self.sub.pk}/decline/", {"confirm": "yes"})
        self.sub.refresh_from_db()
        self.assertEqual(self.sub.status, Submission.Status.RECEIVED)
        self.assertTrue(Recording.objects.filter(pk=self.rec.pk).exists())
