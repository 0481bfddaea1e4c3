"""One transcription job per recording at a time (issue 11 part C): saving a recording starts one, the list stops
offering "Transcribe" while it is queued or running, a second start is refused (and the database refuses a second
active row); the jobs list is open to facilitators, for their own sites only."""

from django.db import IntegrityError, transaction
from django.test import TestCase

from facilitation.models import Recording
from media_tools.jobs import JobRefused, start_transcription
from media_tools.models import TranscriptionJob
from tests.facilitation.test_scope_writes import recording_post
from tests.facilitation.world import build_world

RECORDINGS = "/admin/snippets/facilitation/recording/"
JOBS = "/admin/snippets/media_tools/transcriptionjob/"
ROLES = ["anonymous", "admin", "editor", "facilitator_a", "facilitator_b", "safeguarding", "evaluator"]


class OneJobTests(TestCase):
    """One world for the file: the jobs list's two jobs (done, failed) are closed, so they never block a new one."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        cls.job_a = TranscriptionJob.objects.create(recording=cls.w.recording_a, status="done", progress=1.0)
        cls.job_b = TranscriptionJob.objects.create(recording=cls.w.recording_b, status="failed", progress=0.25)

    def setUp(self):
        self.client.force_login(self.w.users["facilitator_a"])

    def test_saving_a_recording_starts_one_job_and_the_list_offers_no_second(self):
        family = self.w.elder_a.family
        response = self.client.post(RECORDINGS + "add/", recording_post(family, [self.w.elder_a]))
        self.assertEqual(response.status_code, 302)
        recording = Recording.objects.filter(family=family).latest("pk")
        self.assertEqual(recording.jobs.count(), 1)
        listing = self.client.get(RECORDINGS).content.decode()
        start_url = f"/admin/transcription/start/{recording.pk}/"
        self.assertNotIn(start_url, listing)
        self.assertIn(f"/admin/transcription/jobs/{recording.jobs.get().pk}/", listing)  # follow it instead
        # asked for by URL anyway: refused, with the job to follow
        page = self.client.get(start_url)
        self.assertContains(page, "already")
        self.client.post(start_url, {"language": "kk"})
        self.assertEqual(recording.jobs.count(), 1)

    def test_start_refused_while_active_then_allowed_again(self):
        recording = self.w.recording_a
        job = start_transcription(recording, self.w.users["facilitator_a"])
        with self.assertRaises(JobRefused):
            start_transcription(recording, self.w.users["facilitator_a"])
        self.assertEqual(recording.jobs.filter(status__in=TranscriptionJob.ACTIVE).count(), 1)
        listing = self.client.get(RECORDINGS).content.decode()
        self.assertNotIn(f"/admin/transcription/start/{recording.pk}/", listing)
        job.cancel("test")
        listing = self.client.get(RECORDINGS).content.decode()
        self.assertIn(f"/admin/transcription/start/{recording.pk}/", listing)
        start_transcription(recording, self.w.users["facilitator_a"])
        self.assertEqual(recording.jobs.filter(status__in=TranscriptionJob.ACTIVE).count(), 1)
        self.assertEqual(recording.jobs.filter(status="cancelled").count(), 1)

    def test_the_database_refuses_a_second_active_job(self):
        TranscriptionJob.objects.create(recording=self.w.recording_a)
        with self.assertRaises(IntegrityError), transaction.atomic():
            TranscriptionJob.objects.create(recording=self.w.recording_a, status=TranscriptionJob.Status.RUNNING)
        TranscriptionJob.objects.create(recording=self.w.recording_a, status=TranscriptionJob.Status.DONE)

    # --- The jobs list, by URL, per role ----------------------------------------------------------------------------

    def get(self, role, url):
        self.client.logout()
        if role != "anonymous":
            self.client.force_login(self.w.users[role])
        return self.client.get(url)

    def test_jobs_list_per_role(self):
        sees = {"admin": {"a", "b"}, "facilitator_a": {"a"}, "facilitator_b": {"b"}}
        links = {"a": f"transcriptionjob/edit/{self.job_a.pk}/", "b": f"transcriptionjob/edit/{self.job_b.pk}/"}
        for role in ROLES:
            response = self.get(role, JOBS)
            with self.subTest(role=role):
                if role in sees:
                    self.assertEqual(response.status_code, 200)
                    html = response.content.decode()
                    self.assertContains(response, "Transcription jobs")
                    for key, link in links.items():
                        self.assertEqual(link in html, key in sees[role], (role, key))
                    self.assertNotIn(">1.0<", html)
                elif role == "anonymous":
                    self.assertEqual(response.status_code, 302)
                else:
                    self.assertIn(response.status_code, {302, 403, 404})
                    self.assertNotIn(links["a"], response.content.decode())

    def test_job_pages_of_another_site_are_404(self):
        for url in (
            f"/admin/transcription/jobs/{self.job_a.pk}/",
            f"{JOBS}edit/{self.job_a.pk}/",
            f"/admin/transcription/start/{self.w.recording_a.pk}/",
        ):
            with self.subTest(url=url):
                self.client.force_login(self.w.users["facilitator_b"])
                self.assertEqual(self.client.get(url, follow=True).status_code, 404)
        self.client.force_login(self.w.users["facilitator_b"])
        before = TranscriptionJob.objects.count()
        self.client.post(f"/admin/transcription/start/{self.w.recording_a.pk}/", {"language": "kk"})
        self.client.post(f"/admin/transcription/jobs/{self.job_a.pk}/retry/")
        self.assertEqual(TranscriptionJob.objects.count(), before)

    def test_job_detail_speaks_human(self):
        response = self.get("facilitator_a", f"/admin/transcription/jobs/{self.job_a.pk}/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "faster-whisper")
        self.assertContains(response, "100")
        self.assertContains(response, 'class="w-header__title"')
        self.assertNotContains(response, "Engine: faster<")
