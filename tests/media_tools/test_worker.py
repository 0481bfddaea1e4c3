"""The worker path end to end, on the embedded SQLite broker with a real Celery worker process:
upload in the admin -> job -> progress -> transcript; a killed worker's job resumes; a withdrawal mid-job discards it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings

from facilitation.models import ConsentRecord
from facilitation.withdrawal import withdraw_consent
from media_tools.models import Transcript, TranscriptionJob
from media_tools.tasks import recover_stale_jobs

from ..facilitation.world import build_world
from .conftest import ENGLISH_TEXT, wer

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A real `celery worker` process on the test database, the test broker and the test's private files."""

    def __init__(self, model_path: Path, log: Path, stale_seconds: float = 2):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "SBG_TEST_DIR": str(settings.DATA_DIR),
            "DATABASE_URL": _database_url(),
            "WHISPER_MODEL_PATH": str(model_path),
            "WHISPER_CPU_THREADS": "2",
            "TRANSCRIPTION_STALE_SECONDS": str(stale_seconds),
            "TRANSCRIPTION_HEARTBEAT_SECONDS": "0.5",
        }
        self.log = open(log, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text()[-3000:]}")


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def long_speech(espeak, speech_dir) -> Path:
    """About 4.5 minutes of English speech: long enough to interrupt a job in the middle on any CPU. Windows are read
    in groups of four (about two minutes of speech), progress is reported as each is done, and a fast CPU reads
    70 s faster than this test looks (a job killed "mid-way" had finished)."""
    path = speech_dir / "long.wav"
    if not path.exists():
        espeak(" ".join([ENGLISH_TEXT] * 12), path, speed=130)
    return path


def upload(client, world, audio: Path) -> TranscriptionJob:
    client.force_login(world.users["facilitator_a"])
    with open(audio, "rb") as handle:
        response = client.post(
            "/admin/snippets/facilitation/recording/add/",
            {
                "family": world.elder_a.family_id,
                "speakers": [world.elder_a.pk, world.child_a.pk],
                "source": "session",
                "language": "en",
                "title": "",
                "file": handle,
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    return TranscriptionJob.objects.latest("created_at")


def test_upload_is_transcribed_by_a_worker_with_progress(client, world, base_model, english_wav, tmp_path):
    job = upload(client, world, english_wav)
    assert job.status == TranscriptionJob.Status.QUEUED
    log = tmp_path / "worker.log"
    worker = Worker(base_model, log)
    try:
        seen = set()

        def done():
            current = TranscriptionJob.objects.get(pk=job.pk)
            seen.add((current.status, round(current.progress, 2)))
            return current.status in ("done", "failed", "cancelled") and current

        final = wait_for(done, 180, "the job to finish", log)
    finally:
        worker.stop()
    assert final.status == "done", final.error
    assert final.progress == 1.0
    transcript = Transcript.objects.get(job=job)
    text = " ".join(transcript.segments.values_list("text", flat=True))
    assert wer(ENGLISH_TEXT, text) <= 0.15, text
    assert transcript.engine and transcript.model_checksum
    # The job page and its JSON progress are what the admin's progress bar reads.
    state = client.get(f"/admin/transcription/jobs/{job.pk}/?format=json").json()
    assert state["progress"] == 100 and state["transcript_url"]
    editor = client.get(state["transcript_url"])
    assert editor.status_code == 200 and "grandmother" in editor.content.decode().lower()


def test_a_killed_workers_job_is_picked_up_again(client, world, base_model, long_speech, tmp_path):
    job = upload(client, world, long_speech)
    log = tmp_path / "worker.log"
    first = Worker(base_model, log)
    try:
        wait_for(lambda: TranscriptionJob.objects.get(pk=job.pk).progress > 0, 180, "progress", log)
        first.kill()
    finally:
        first.stop()
    interrupted = TranscriptionJob.objects.get(pk=job.pk)
    assert interrupted.status == "running" and interrupted.progress < 1.0
    time.sleep(2.5)  # older than TRANSCRIPTION_STALE_SECONDS: nobody is working on it any more
    second = Worker(base_model, log)
    try:
        final = wait_for(
            lambda: (j := TranscriptionJob.objects.get(pk=job.pk)).status in ("done", "failed") and j,
            240,
            "the resumed job to finish",
            log,
        )
    finally:
        second.stop()
    assert final.status == "done", final.error
    assert final.attempts >= 2
    assert_one_transcript(job)


def assert_one_transcript(job: TranscriptionJob) -> None:
    """Exactly one transcript for the recording, from this job, with each segment once."""
    transcripts = Transcript.objects.filter(recording=job.recording_id)
    assert transcripts.count() == 1
    transcript = transcripts.get()
    assert transcript.job_id == job.pk
    indexes = list(transcript.segments.values_list("index", flat=True))
    assert indexes and sorted(indexes) == list(range(len(indexes)))
    spans = list(transcript.segments.values_list("start", "end"))
    assert len(set(spans)) == len(spans), "duplicate segments"


def kill_mid_job(client, world, base_model, audio: Path, log: Path) -> TranscriptionJob:
    job = upload(client, world, audio)
    first = Worker(base_model, log)
    try:
        wait_for(lambda: TranscriptionJob.objects.get(pk=job.pk).progress > 0, 180, "progress", log)
        first.kill()
    finally:
        first.stop()
    assert TranscriptionJob.objects.get(pk=job.pk).status == "running"
    return job


def test_beat_recovers_a_dead_workers_job_while_another_worker_runs(client, world, base_model, long_speech, tmp_path):
    """No restart needed: the periodic sweep (beat, every minute) queues the silent job again for the live worker."""
    log = tmp_path / "worker.log"
    job = kill_mid_job(client, world, base_model, long_speech, log)
    # A worker that was already running (its start-up recovery saw nothing stale).
    second = Worker(base_model, log, stale_seconds=3600)
    try:
        time.sleep(2.5)
        assert TranscriptionJob.objects.get(pk=job.pk).status == "running"  # nobody picked it up by itself
        with override_settings(TRANSCRIPTION_STALE_SECONDS=2):
            assert recover_stale_jobs.apply().get() == [job.pk]  # what beat runs every minute
        final = wait_for(
            lambda: (j := TranscriptionJob.objects.get(pk=job.pk)).status in ("done", "failed") and j,
            240,
            "the recovered job to finish",
            log,
        )
    finally:
        second.stop()
    assert final.status == "done", final.error
    assert_one_transcript(job)


def test_staff_retry_a_stuck_job_at_once(client, world, base_model, long_speech, tmp_path):
    """The job page offers a retry as soon as the job's heartbeat is stale; the old run can never store anything."""
    log = tmp_path / "worker.log"
    job = kill_mid_job(client, world, base_model, long_speech, log)
    page = client.get(f"/admin/transcription/jobs/{job.pk}/")
    assert f"/admin/transcription/jobs/{job.pk}/retry/" not in page.content.decode()  # a live job: no retry
    time.sleep(2.5)
    with override_settings(TRANSCRIPTION_STALE_SECONDS=2):
        page = client.get(f"/admin/transcription/jobs/{job.pk}/")
        assert f"/admin/transcription/jobs/{job.pk}/retry/" in page.content.decode()
        response = client.post(f"/admin/transcription/jobs/{job.pk}/retry/")
    assert response.status_code == 302
    old = TranscriptionJob.objects.get(pk=job.pk)
    assert old.status == "failed" and old.error
    new = TranscriptionJob.objects.exclude(pk=job.pk).get(recording=job.recording)
    second = Worker(base_model, log, stale_seconds=3600)
    try:
        final = wait_for(
            lambda: (j := TranscriptionJob.objects.get(pk=new.pk)).status in ("done", "failed") and j,
            240,
            "the retried job to finish",
            log,
        )
    finally:
        second.stop()
    assert final.status == "done", final.error
    assert_one_transcript(new)
    assert TranscriptionJob.objects.get(pk=job.pk).status == "failed"


def test_withdrawal_mid_job_cancels_and_discards(client, world, base_model, long_speech, tmp_path):
    job = upload(client, world, long_speech)
    log = tmp_path / "worker.log"
    worker = Worker(base_model, log)
    try:
        wait_for(lambda: TranscriptionJob.objects.get(pk=job.pk).status == "running", 180, "the job to start", log)
        withdraw_consent(world.child_a, {"transcribe"}, given_by=ConsentRecord.GivenBy.PARTICIPANT)
        final = wait_for(
            lambda: (j := TranscriptionJob.objects.get(pk=job.pk)).status in ("done", "failed", "cancelled") and j,
            180,
            "the job to stop",
            log,
        )
        time.sleep(1)
    finally:
        worker.stop()
    assert final.status == "cancelled"
    assert not Transcript.objects.filter(recording=job.recording).exists()
