"""A private file exists only if its row committed: concurrent uploads on a real threaded server, forced failures.

Before facilitation/storage.py, a recording whose INSERT failed (a locked database, an exception in a signal) left
its audio in private storage with no row: a withdrawal could never find it.
"""

from __future__ import annotations

import http.client
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from facilitation.models import Recording, private_storage

from ..facilitation.world import build_world
from .audio_factory import tone, write_audio

pytestmark = pytest.mark.django_db(transaction=True)


def private_files(folder: str = "recordings") -> set[Path]:
    root = Path(settings.PRIVATE_STORAGE_ROOT) / folder
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def world():
    return build_world()


@pytest.fixture(scope="module")
def small_audio(tmp_path_factory) -> Path:
    """A real 2-second Ogg/Opus file, as a phone would send."""
    return write_audio(tmp_path_factory.mktemp("audio") / "talk.ogg", tone(2.0, 16000), fmt="ogg_opus")


def recording_form(world, handle) -> dict:
    return {
        "family": world.elder_a.family_id,
        "speakers": [world.elder_a.pk, world.child_a.pk],
        "source": "session",
        "language": "kk",
        "title": "",
        "file": handle,
    }


def test_ten_concurrent_admin_uploads_give_ten_rows_and_ten_files(live_server, client, world, small_audio):
    """Real HTTP against Django's multi-threaded live server: every upload stored whole, nothing stored half."""
    client.force_login(world.users["facilitator_a"])
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = "a" * 32
    before_rows, before_files = Recording.objects.count(), private_files()
    target = urlsplit(live_server.url)
    results: list[int] = []
    start = threading.Barrier(10)

    def upload() -> None:
        with open(small_audio, "rb") as handle:
            body = encode_multipart(BOUNDARY, recording_form(world, handle))
        start.wait()
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
        conn.request(
            "POST",
            "/admin/snippets/facilitation/recording/add/",
            body=body,
            headers={
                "Content-Type": MULTIPART_CONTENT,
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
                "X-CSRFToken": csrf,
                "Origin": live_server.url,
                "Referer": live_server.url + "/admin/",
            },
        )
        response = conn.getresponse()
        response.read()
        results.append(response.status)
        conn.close()

    threads = [threading.Thread(target=upload) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    new_files = private_files() - before_files
    new_rows = Recording.objects.count() - before_rows
    stored = {Path(settings.PRIVATE_STORAGE_ROOT) / name for name in Recording.objects.values_list("file", flat=True)}
    # Whatever failed left nothing behind: every file on disk belongs to a row.
    assert new_files <= stored, f"orphan files: {sorted(new_files - stored)}"
    assert sorted(results) == [302] * 10, results
    assert new_rows == 10
    assert len(new_files) == 10


def test_upload_whose_row_fails_after_the_file_was_written_leaves_no_file(world, small_audio):
    """An IntegrityError raised while saving the row (after the file is on disk) is a 500, and no file remains."""

    def fail(sender, instance, created, **kwargs):
        if created:
            raise IntegrityError("forced failure after the file was written")

    client = Client(raise_request_exception=False)
    client.force_login(world.users["facilitator_a"])
    before_rows, before_files = Recording.objects.count(), private_files()
    post_save.connect(fail, sender=Recording, dispatch_uid="test-fail")
    try:
        with open(small_audio, "rb") as handle:
            response = client.post("/admin/snippets/facilitation/recording/add/", recording_form(world, handle))
    finally:
        post_save.disconnect(sender=Recording, dispatch_uid="test-fail")
    assert response.status_code == 500
    assert Recording.objects.count() == before_rows
    assert private_files() == before_files


def test_a_file_saved_in_a_transaction_lives_and_dies_with_it():
    storage = private_storage()
    with transaction.atomic():
        kept = storage.save("recordings/test/kept.bin", ContentFile(b"kept"))
    assert storage.exists(kept)

    with pytest.raises(RuntimeError), transaction.atomic():
        lost = storage.save("recordings/test/lost.bin", ContentFile(b"lost"))
        assert storage.exists(lost)  # on disk while the transaction is open
        raise RuntimeError("rollback")
    assert not storage.exists(lost)

    with transaction.atomic():
        outer = storage.save("recordings/test/outer.bin", ContentFile(b"outer"))
        try:
            with transaction.atomic():  # a savepoint that rolls back takes its files with it
                inner = storage.save("recordings/test/inner.bin", ContentFile(b"inner"))
                raise RuntimeError("savepoint rollback")
        except RuntimeError:
            pass
        assert not storage.exists(inner)
    assert storage.exists(outer)

    autocommit = storage.save("recordings/test/autocommit.bin", ContentFile(b"x"))  # no transaction: kept
    assert storage.exists(autocommit)
    for name in (kept, outer, autocommit):
        storage.delete(name)
