"""Private storage on a real S3-compatible server (SeaweedFS on loopback, tests/s3.py), never a mock.

What the local folder guarantees must hold on the bucket too: an object exists only if its row commits; files are
served only after the policy says yes, streamed with Range, and 404 once a withdrawal deleted them; the bucket
itself refuses anyone without the platform's keys and no page carries a signed link; the public copy, the sweeps
and the decoders' temporary copies work through the storage API and leave nothing behind.
"""

from __future__ import annotations

import gc
import io
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import av
import pytest
import requests
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction

from facilitation.factories import RecordingFactory, tone_wav
from facilitation.models import ConsentRecord, Recording
from facilitation.published_audio import ensure_published_copy
from facilitation.withdrawal import withdraw_consent
from media_tools.leftovers import sweep_orphan_private_files
from media_tools.tempfiles import OWNED, local_copy, remove_dead_owners_files, temp_root, temporary_directory

from .facilitation.world import build_world
from .media_tools.audio_factory import tone, write_audio
from .s3 import fresh_prefix, use_private_bucket

pytestmark = pytest.mark.scaleout
with_database = pytest.mark.django_db(transaction=True)  # commits for real: objects live and die with them


@pytest.fixture
def bucket(seaweedfs, request):
    """This test's private storage is a fresh prefix of the real bucket; yields (server, prefix, storage)."""
    prefix = fresh_prefix(request.node.name)
    with use_private_bucket(seaweedfs, prefix) as storage:
        yield seaweedfs, prefix, storage


def keys(server, prefix: str, folder: str = "") -> list[str]:
    """Names of the objects really on the server (read with the server's own listing, not through the storage)."""
    return sorted(key[len(prefix) + 1 :] for key in server.keys(f"{prefix}/{folder}"))


def leftovers() -> list[str]:
    return sorted(p.name for p in temp_root().iterdir())


@with_database
def test_an_object_exists_only_if_its_row_commits(bucket):
    server, prefix, storage = bucket
    world = build_world()
    assert world.recording_a.file.name in keys(server, prefix, "recordings/")  # the factory's file, committed

    with pytest.raises(RuntimeError), transaction.atomic():
        doomed = RecordingFactory(family=world.recording_a.family, file=ContentFile(tone_wav(0.5), name="x.wav"))
        doomed_name = doomed.file.name
        assert doomed_name in keys(server, prefix, "recordings/")  # written before the row...
        raise RuntimeError("the request failed after the upload")
    gc.collect()  # Django drops the on_commit callback; its finalizer deletes the object
    assert doomed_name not in keys(server, prefix, "recordings/")  # ...and gone with it
    assert not Recording.objects.filter(file=doomed_name).exists()

    with transaction.atomic():
        kept = RecordingFactory(family=world.recording_a.family, file=ContentFile(tone_wav(0.5), name="y.wav"))
    assert kept.file.name in keys(server, prefix, "recordings/")
    assert storage.size(kept.file.name) == len(tone_wav(0.5))


@with_database
def test_the_bucket_refuses_strangers_and_no_page_carries_a_link(bucket, client):
    server, prefix, storage = bucket
    world = build_world()
    name = world.recording_a.file.name
    key = f"{prefix}/{name}"
    # Straight to the server: no keys, wrong keys, or the storage's own url(): nothing.
    assert requests.get(f"{server.endpoint}/{server.bucket}/{key}", timeout=10).status_code == 403
    wrong = server.client(access_key="stranger", secret_key="not-the-secret")
    with pytest.raises(Exception, match="InvalidAccessKeyId|AccessDenied|Forbidden|403"):
        wrong.get_object(Bucket=server.bucket, Key=key)
    assert storage.url(name) is None
    # The admin's edit form of the recording shows no signed link to the bucket (Django's file widget would).
    client.force_login(world.users["admin"])
    page = client.get(f"/admin/snippets/facilitation/recording/edit/{world.recording_a.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "X-Amz-Signature" not in html and server.endpoint not in html and prefix not in html
    # A presigned link exists only for a caller that asked the policy first, and expires.
    signed = storage.presigned_url(name, seconds=60)
    assert requests.get(signed, timeout=10).content == tone_wav(1.0)


@with_database
def test_recordings_are_streamed_from_the_bucket_with_range_after_the_policy(bucket, client):
    server, prefix, storage = bucket
    world = build_world()
    original = tone_wav(3.0)
    world.recording_a.file.save("long.wav", ContentFile(original))
    url = f"/private/recordings/{world.recording_a.pk}/"

    client.force_login(world.users["facilitator_a"])
    whole = client.get(url)
    assert whole.status_code == 200 and whole["Content-Length"] == str(len(original))
    assert b"".join(whole.streaming_content) == original
    middle = client.get(url, HTTP_RANGE="bytes=1000-1999")
    assert middle.status_code == 206 and middle["Content-Range"] == f"bytes 1000-1999/{len(original)}"
    assert b"".join(middle.streaming_content) == original[1000:2000]
    tail = client.get(url, HTTP_RANGE="bytes=-500")
    assert b"".join(tail.streaming_content) == original[-500:]
    open_ended = client.get(url, HTTP_RANGE=f"bytes={len(original) - 10}-")
    assert b"".join(open_ended.streaming_content) == original[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(original)}-").status_code == 416
    assert whole["Cache-Control"] == "private, no-store" and whole["X-Content-Type-Options"] == "nosniff"

    # Outside the policy: the same 404 as for a recording that does not exist.
    for outsider in ("facilitator_b", "evaluator"):
        client.force_login(world.users[outsider])
        assert client.get(url, HTTP_RANGE="bytes=0-99").status_code == 404, outsider
    client.logout()
    assert client.get(url).status_code in (302, 404)

    # A withdrawal of recording consent deletes the object from the bucket; the link answers 404 at once.
    client.force_login(world.users["facilitator_a"])
    withdraw_consent(world.child_a, None, given_by=ConsentRecord.GivenBy.PARTICIPANT)
    assert world.recording_a.file.name not in keys(server, prefix, "recordings/")
    assert client.get(url, HTTP_RANGE="bytes=0-99").status_code == 404
    assert client.get(url).status_code == 404


@with_database
def test_a_file_deleted_between_the_policy_and_the_bytes_is_a_404(bucket, client):
    """The bucket says so before the response starts: never half a file, never a 500."""
    server, prefix, storage = bucket
    world = build_world()
    storage.delete(world.recording_a.file.name)  # as a withdrawal committed meanwhile would
    client.force_login(world.users["facilitator_a"])
    assert client.get(f"/private/recordings/{world.recording_a.pk}/").status_code == 404
    assert client.get(f"/private/recordings/{world.recording_a.pk}/", HTTP_RANGE="bytes=5-9").status_code == 404


@with_database
def test_the_public_copy_is_made_from_the_bucket_once_without_tags(bucket, tmp_path):
    server, prefix, storage = bucket
    world = build_world()
    tagged = write_audio(
        tmp_path / "phone.m4a",
        tone(2.0, 16000),
        fmt="m4a_aac",
        metadata={"title": "Нұрлан Асанов", "location": "+43.2567+076.9286/", "artist": "Aigul's phone"},
    )
    world.recording_a.file.save("phone.m4a", ContentFile(tagged.read_bytes()))
    recording = Recording.objects.get(pk=world.recording_a.pk)

    # Several listeners at once: however the race goes, one public copy under the one name a withdrawal deletes.
    names, errors = [], []

    def listen():
        try:
            names.append(ensure_published_copy(recording))
        except Exception as error:  # noqa: BLE001 (collected and asserted below)
            errors.append(error)

    threads = [threading.Thread(target=listen) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert set(names) == {recording.published_copy_name()}
    assert keys(server, prefix, "published/") == [recording.published_copy_name()]
    public = b"".join(storage.iter_range(recording.published_copy_name()))
    with av.open(io.BytesIO(public)) as container:
        tags = {**container.metadata, **container.streams.audio[0].metadata}
        assert container.streams.audio[0].duration
    assert not any(value in str(tags) for value in ("Нұрлан", "43.2567", "Aigul")), tags
    assert leftovers() == []  # the original's local copy and the stripped file were removed

    withdraw_consent(world.elder_a, {"publish_audio"}, given_by=ConsentRecord.GivenBy.PARTICIPANT)
    assert keys(server, prefix, "published/") == []


@with_database
def test_sweeps_find_orphans_and_abandoned_drafts_in_the_bucket(bucket):
    server, prefix, storage = bucket
    world = build_world()
    orphan = storage.save("recordings/2026/01/orphan.wav", ContentFile(tone_wav(0.2)))
    draft = storage.save("drafts/abandoned.webm", ContentFile(b"half a story"))
    assert orphan in keys(server, prefix, "recordings/") and draft in keys(server, prefix, "drafts/")

    removed = sweep_orphan_private_files(timedelta(0))
    assert removed == [orphan]
    assert keys(server, prefix, "recordings/") == sorted([world.recording_a.file.name, world.recording_b.file.name])

    call_command("purge_submission_drafts", hours=0, stdout=io.StringIO())
    assert keys(server, prefix, "drafts/") == []


def test_a_decoders_local_copy_is_always_removed(bucket):
    server, prefix, storage = bucket
    name = storage.save("recordings/2026/11/clip.wav", ContentFile(tone_wav(1.0)))  # no transaction: kept
    with local_copy(storage, name, prefix="sbg-test-") as path:
        assert path.read_bytes() == tone_wav(1.0)
        assert path.parent.parent == temp_root() and OWNED.match(path.parent.name)
    assert leftovers() == []
    with pytest.raises(ValueError), local_copy(storage, name) as path:
        raise ValueError("the decoder failed")
    assert not path.exists() and leftovers() == []
    with pytest.raises(FileNotFoundError), local_copy(storage, "recordings/none.wav"):
        pass
    assert leftovers() == []


def test_a_killed_processs_copy_is_removed_by_the_next_one_on_the_machine(settings):
    """SIGKILL leaves the copy; the next temporary directory made on this host removes it (its owner is dead)."""
    child = subprocess.run(
        [sys.executable, "-c", COPY_AND_DIE],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SBG_TEST_DIR": str(settings.DATA_DIR)},
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr[-2000:]
    left = child.stdout.strip().splitlines()[-1]
    assert (temp_root() / left).is_dir()  # what the killed process left behind
    with temporary_directory(prefix="sbg-next-") as mine:
        assert not (temp_root() / left).exists()
        assert Path(mine).is_dir()
    assert left not in leftovers()
    assert remove_dead_owners_files() == []


COPY_AND_DIE = """
import os, signal, sys, django
django.setup()
from media_tools.tempfiles import temporary_directory
with temporary_directory(prefix="sbg-job-1-") as tmp:
    open(os.path.join(tmp, "file.wav"), "wb").write(b"RIFF")
    print(os.path.basename(tmp), flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_production_settings_take_the_bucket_from_the_environment(seaweedfs):
    """What an operator sets is what the processes use: the bucket, the endpoint, path-style addressing, the keys."""
    probe = (
        "import django; django.setup()\n"
        "from django.core.files.storage import storages\n"
        "s = storages['private']\n"
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.addressing_style, s.default_acl, s.file_overwrite)\n"
        "print(s.exists('nothing/here.wav'))\n"
    )
    env = {
        **os.environ,
        **seaweedfs.env("probe"),
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "DATA_DIR": str(temp_root().parent),
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == [
        "AtomicS3Storage",
        seaweedfs.bucket,
        seaweedfs.endpoint,
        "path",
        "private",
        "False",
        "False",  # and it really talked to the server with those keys
    ]
