"""What a crash leaves behind is found and removed by `sweep_leftovers` (start-up and celery beat).

The web process is a real gunicorn on a free port with its own DATA_DIR, sent a large upload over a raw socket and
killed with SIGKILL half-way through the body: its temporary copy stays under DATA_DIR/tmp (never /tmp), and the
sweep removes it. Unreferenced private files and abandoned drafts go too; fresh files and referenced ones stay.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from facilitation.factories import RecordingFactory
from facilitation.models import Recording, private_storage
from facilitation.tasks import purge_submission_drafts

from ..facilitation.world import build_world

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)
HOUR = 3600


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _wait(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}; server log:\n{log.read_text()[-3000:]}")


def test_web_process_killed_mid_upload_leaves_nothing_after_the_sweep(client, tmp_path):
    world = build_world()
    client.force_login(world.users["facilitator_a"])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    data_dir, system_tmp = tmp_path / "data", tmp_path / "system-tmp"
    data_dir.mkdir()
    system_tmp.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SBG_TEST_DIR": str(data_dir),  # the server's own DATA_DIR, on the test's database
        "DATABASE_URL": _database_url(),
        "TMPDIR": str(system_tmp),  # what would have gone to /tmp lands here, where the test can see it
    }
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "1", "-t", "120"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: SIGKILL reaches the arbiter and its worker
        )
    try:

        def up() -> bool:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/admin/login/")
                conn.getresponse().read()
                return True
            except OSError:
                return False

        _wait(up, 60, "gunicorn to answer", log)
        boundary = "sbgboundary"
        fields = {
            "family": world.elder_a.family_id,
            "speakers": world.elder_a.pk,
            "source": "session",
            "language": "kk",
            "title": "",
        }
        head = "".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
        )
        head += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="interview.wav"\r\n'
            "Content-Type: audio/wav\r\n\r\n"
        )
        declared = 200 * 2**20  # the client promises 200 MB and dies (or is cut off) long before
        csrf = "b" * 32
        request = (
            "POST /admin/snippets/facilitation/recording/add/ HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{port}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
            f"Content-Length: {declared}\r\n"
            f"Cookie: {settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}\r\n"
            f"X-CSRFToken: {csrf}\r\nOrigin: http://127.0.0.1:{port}\r\n\r\n"
        ).encode() + head.encode()
        temp_dir = data_dir / "tmp"
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(request)
            chunk = os.urandom(2**20)
            for _ in range(24):  # 24 MB of the body
                sock.sendall(chunk)
            # The server is streaming the upload into a temporary file: that is when it dies.
            _wait(lambda: any(p.stat().st_size > 8 * 2**20 for p in _files(temp_dir)), 60, "the temporary copy", log)
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)

    leftovers = _files(data_dir / "tmp")
    assert leftovers, "the killed process left no temporary copy: nothing to sweep?"
    assert _files(system_tmp) == [], "an upload was written to the system's /tmp"
    assert not Recording.objects.filter(family=world.elder_a.family).exclude(pk=world.recording_a.pk).exists()

    for path in leftovers:  # the next start is later than the sweep's age threshold
        _age(path, HOUR)
    fresh = data_dir / "tmp" / "upload-in-progress.upload"
    fresh.write_bytes(b"another process is still writing this one")
    subprocess.run([sys.executable, "manage.py", "sweep_leftovers"], cwd=ROOT, env=env, check=True, capture_output=True)
    assert _files(data_dir / "tmp") == [fresh]
    assert _files(data_dir / "private") == []
    assert _files(system_tmp) == []


def test_sweep_removes_unreferenced_private_files_and_abandoned_drafts_only():
    storage = private_storage()
    recording = RecordingFactory()
    assert recording.file, "the factory stores a real file"
    orphan = storage.save("recordings/2020/01/orphan.wav", ContentFile(b"RIFF" + b"\0" * 64))
    young_orphan = storage.save("recordings/2020/01/being-committed.wav", ContentFile(b"RIFF"))
    old_draft = storage.save("drafts/old.wav", ContentFile(b"RIFF"))
    young_draft = storage.save("drafts/young.wav", ContentFile(b"RIFF"))
    stale_copy = storage.save(f"published/recording-{recording.pk + 1000}.ogg", ContentFile(b"OggS"))
    live_copy = storage.save(recording.published_copy_name(), ContentFile(b"copy"))
    for name in (orphan, old_draft, stale_copy, live_copy, recording.file.name):
        _age(Path(storage.path(name)), 72 * HOUR)

    call_command("sweep_leftovers", verbosity=0)

    assert not storage.exists(orphan)
    assert not storage.exists(old_draft)
    assert not storage.exists(stale_copy)
    for kept in (recording.file.name, live_copy, young_orphan, young_draft):
        assert storage.exists(kept), kept
    for name in (young_orphan, young_draft, live_copy):
        storage.delete(name)


def test_beat_task_runs_the_sweep():
    storage = private_storage()
    old_draft = storage.save("drafts/abandoned.wav", ContentFile(b"RIFF"))
    _age(Path(storage.path(old_draft)), 72 * HOUR)
    stale = Path(settings.FILE_UPLOAD_TEMP_DIR) / "stale.upload"
    stale.write_bytes(b"left by a killed process")
    _age(stale, HOUR)
    purge_submission_drafts.apply()
    assert not storage.exists(old_draft)
    assert not stale.exists()
