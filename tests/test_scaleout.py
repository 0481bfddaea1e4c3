"""Scale-out on real engines: two Celery worker processes on Redis, recordings in an S3 bucket (SeaweedFS), the
test database (PostgreSQL in CI's second run, the SQLite file in the first), and one worker killed with SIGKILL
half-way through a job.

Every job must end exactly once (done, or failed and retryable), each recording must get exactly one transcript,
and nothing may stay behind: no temporary copy of a child's audio on the machine, no stray object in the bucket.

The broker is Redis in both CI runs: several workers on several machines need a network broker, and the embedded
SQLite broker (`make run`'s default) is already covered by tests/media_tools/test_worker.py. The database follows the
run, so the claim/heartbeat protocol of media_tools.jobs is checked on both engines. Everything talks over loopback;
separate network namespaces per worker would need root and add nothing the protocol depends on.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.core.files.base import ContentFile

from facilitation.models import Recording
from media_tools.jobs import is_retryable, start_transcription
from media_tools.models import Transcript, TranscriptionJob
from media_tools.tempfiles import OWNED, temp_root
from media_tools.weights import install_default_model

from .facilitation.world import build_world
from .media_tools.conftest import wer
from .s3 import fresh_prefix, use_private_bucket
from .servers import ROOT, child_env
from .services import require

pytestmark = [pytest.mark.scaleout, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("TEST_REDIS_BROKER_URL", "redis://127.0.0.1:6379/14")
# Each clip says something else, so a transcript stored under the wrong recording would show. Sentences, not a few
# words: Whisper base misreads a short espeak clip differently on different CPUs ("she baked bread" -> "she make red",
# "We planted apples in the garden" -> "We plan to map all invaders and").
CLIPS = {
    "river": "Grandmother told us about the river near her village, where the children swam every summer.",
    "horses": "The horses ran fast across the steppe in winter, and my grandfather rode the black one.",
    "bread": "Every morning she baked bread in the clay oven, and we ate it warm with butter and tea.",
    "garden": "We planted apples and cherries in the garden behind the house when I was seven years old.",
}
STALE_SECONDS = 3


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> dict[str, Path]:
    espeak = shutil.which("espeak-ng")
    require(espeak is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    folder = tmp_path_factory.mktemp("clips")
    for word, text in CLIPS.items():
        subprocess.run([espeak, "-v", "en-us", "-s", "150", "-w", str(folder / f"{word}.wav"), text], check=True)
    return {word: folder / f"{word}.wav" for word in CLIPS}


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return install_default_model(tmp_path_factory.mktemp("models") / "whisper-base")


@pytest.fixture
def queue():
    """A queue of this test's own on the machine's Redis; what a killed worker left unacknowledged is removed after."""
    require(redis_available(), f"no Redis at {REDIS_URL}")

    name = f"sbg-scaleout-{uuid.uuid4().hex[:12]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    client.delete(name)
    for tag, raw in client.hgetall("unacked").items():
        try:
            routing = json.loads(raw)[0]["properties"]["delivery_info"]["routing_key"]
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        if routing == name:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)


class Worker:
    """`celery worker` on Redis, S3 and the test database. Solo pool (the Procfile's has one child): the job runs in
    the very process the test kills, as when a whole machine dies."""

    def __init__(self, name: str, log: Path, env: dict[str, str]):
        self.name, self.log_path = name, log
        self._log = open(log, "ab")  # noqa: SIM115 (closed in stop())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "--loglevel", "INFO"]
            + ["-n", f"{name}-{uuid.uuid4().hex[:6]}@%h", "-Q", env["CELERY_TASK_DEFAULT_QUEUE"]]
            + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"worker {self.name} exited:\n{self.log_path.read_text()[-3000:]}")
        return " ready." in self.log_path.read_text(errors="replace")

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
                self.process.wait()
        self._log.close()


def wait_for(predicate, timeout: float, what: str, logs: list[Path], interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    tails = "\n".join(f"--- {log.name}\n{log.read_text(errors='replace')[-2500:]}" for log in logs if log.exists())
    pytest.fail(f"timed out after {timeout} s waiting for {what}\n{tails}")


def job_held_by(pid: int) -> int | None:
    """The job a worker process is working on now: its temporary copy of the recording is named after both."""
    for entry in temp_root().iterdir():
        owner = OWNED.match(entry.name)
        if owner and int(owner["pid"]) == pid and entry.name.startswith("sbg-job-"):
            return int(entry.name.split("-")[2])
    return None


def system_temp_entries() -> set[str]:
    """What the platform could have left in the system's /tmp: its own temporary folders, django-storages' buffers."""
    return {p.name for p in Path(tempfile.gettempdir()).iterdir() if OWNED.match(p.name) or "S3File" in p.name}


def test_two_workers_one_killed_every_job_once_nothing_left(seaweedfs, queue, speech, model, tmp_path):
    prefix = fresh_prefix("scaleout")
    with use_private_bucket(seaweedfs, prefix):
        world = build_world()
        recordings = {}
        for word, path in speech.items():
            recording = Recording.objects.create(family=world.elder_a.family, language="en", title=word)
            recording.speakers.set([world.elder_a, world.child_a])
            recording.file.save(f"{word}.wav", ContentFile(path.read_bytes()))
            recordings[word] = recording
        # The factory's own recordings of the world are not part of this run.
        world.recording_a.file.delete(save=True)
        world.recording_b.file.delete(save=True)
        before_tmp = system_temp_entries()

        env = child_env(
            **seaweedfs.env(prefix),
            CELERY_BROKER_URL=REDIS_URL,
            CELERY_TASK_DEFAULT_QUEUE=queue,
            WHISPER_MODEL_PATH=str(model),
            WHISPER_CPU_THREADS="1",
            TRANSCRIPTION_STALE_SECONDS=str(STALE_SECONDS),
            TRANSCRIPTION_HEARTBEAT_SECONDS="0.5",
        )
        logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
        workers = [Worker("a", logs[0], env), Worker("b", logs[1], env)]
        producer = Celery("sbg-scaleout-test", broker=REDIS_URL)
        started = time.monotonic()
        try:
            wait_for(lambda: all(w.ready() for w in workers), 120, "both workers to start", logs, interval=0.2)
            jobs = {word: start_transcription(r, world.users["admin"], language="en") for word, r in recordings.items()}
            # At-least-once delivery: every job is sent twice, as a broker redelivery would.
            for _round in range(2):
                for job in jobs.values():
                    producer.send_task("media_tools.tasks.transcribe_recording", args=[job.pk], queue=queue)

            # Kill whichever worker is first seen in the middle of a job (its copy of the audio on disk, running).
            def victim():
                for worker in workers:
                    held = job_held_by(worker.pid)
                    if held and TranscriptionJob.objects.filter(pk=held, status="running").exists():
                        return worker, held
                return None

            killed, interrupted = wait_for(victim, 120, "a worker to be in the middle of a job", logs, interval=0.02)
            left_behind = [e.name for e in temp_root().iterdir() if OWNED.match(e.name)["pid"] == str(killed.pid)]
            killed.kill()
            survivor = next(w for w in workers if w is not killed)
            assert TranscriptionJob.objects.get(pk=interrupted).status == "running"
            assert left_behind, "the killed worker had its copy of the recording on disk"

            # What beat sends every minute: once the killed worker's heartbeat is stale, its job is queued again.
            time.sleep(STALE_SECONDS + 0.5)
            producer.send_task("media_tools.tasks.recover_stale_jobs", queue=queue)

            def all_finished():
                states = list(TranscriptionJob.objects.filter(pk__in=[j.pk for j in jobs.values()]))
                return all(not j.is_active for j in states) and states

            finished = wait_for(all_finished, 240, "every job to finish", logs, interval=0.2)
            elapsed = time.monotonic() - started
            time.sleep(1)  # the duplicate deliveries still in the queue are consumed (and must store nothing)
            broker = redis.Redis.from_url(REDIS_URL)
            wait_for(lambda: not broker.llen(queue), 60, "an empty queue", logs)
        finally:
            for worker in workers:
                worker.stop()
            producer.close()

        by_pk = {job.pk: job for job in finished}
        for word, job in jobs.items():
            final = by_pk[job.pk]
            assert final.status == "done" or (final.status == "failed" and is_retryable(final)), (word, final.error)
            assert final.status == "done", f"{word}: {final.error}"
            transcripts = Transcript.objects.filter(recording=job.recording_id)
            assert transcripts.count() == 1, f"{word}: {transcripts.count()} transcripts"
            transcript = transcripts.get()
            assert transcript.job_id == job.pk
            indexes = list(transcript.segments.values_list("index", flat=True))
            assert indexes and sorted(indexes) == list(range(len(indexes))), word
            # Closer to its own clip's words than to any other clip's (not one exact word: see CLIPS).
            text = " ".join(transcript.segments.values_list("text", flat=True))
            distances = {other: wer(said, text) for other, said in CLIPS.items()}
            assert min(distances, key=distances.__getitem__) == word, (word, text, distances)
            assert distances[word] <= 0.5, (word, text)
        assert by_pk[interrupted].attempts >= 2, "the interrupted job was run again"

        # Nothing left behind: no temporary copy (the survivor removed the dead worker's), nothing new in /tmp,
        # and in the bucket exactly the recordings.
        assert sorted(e.name for e in temp_root().iterdir()) == []
        assert system_temp_entries() - before_tmp == set()
        names = sorted(key[len(prefix) + 1 :] for key in seaweedfs.keys(f"{prefix}/"))
        assert names == sorted(r.file.name for r in recordings.values())
        log = "\n".join(path.read_text(errors="replace") for path in logs)
        assert "Traceback" not in logs[workers.index(survivor)].read_text(errors="replace"), log[-3000:]

    engine_seconds = sum(
        (t.timings or {}).get("total_s", 0) or 0 for t in Transcript.objects.filter(recording__in=recordings.values())
    )
    print(
        f"\n{len(jobs)} jobs (each delivered twice) on 2 workers, one killed mid-job: all done in {elapsed:.1f} s "
        f"after both workers were ready; engine time {engine_seconds:.1f} s; interrupted job attempts "
        f"{by_pk[interrupted].attempts}"
    )
