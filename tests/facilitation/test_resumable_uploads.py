"""Resumable uploads (tus) of the families' recordings, from the server's side.

A real tus client (tuspy) sends a recording through a live server in pieces, stops, and a new client resumes from
the server's offset without sending anything twice; a connection cut in the middle of a piece keeps what arrived.
The assembled file is checked like any upload (type, size); nothing is stored for anyone but the browser session
that started the upload; unfinished uploads are swept; the receipt waits until every chosen file has arrived.
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import time
import wave
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.urls import resolve
from django.utils import timezone, translation
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

from facilitation.factories import ConsentFormVersionFactory, tone_wav
from facilitation.families.invitations import create_invitation
from facilitation.families.uploads import partial_root
from facilitation.models import DraftUpload, Recording, Submission

from .world import build_world

TUS = {"HTTP_TUS_RESUMABLE": "1.0.0"}
CONSENT_ALL = ["record_audio", "transcribe", "archive", "publish_text", "evaluation"]


def long_wav(seconds: int) -> bytes:
    """A real WAV of `seconds` (16 kHz mono, 32 kB a second), built from one second of tone repeated."""
    second = tone_wav(1.0)
    with wave.open(io.BytesIO(second)) as source:
        frames = source.readframes(source.getnframes())
    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(16000)
        target.writeframes(frames * seconds)
    return out.getvalue()


def partial_files() -> list[str]:
    return sorted(os.listdir(partial_root()))


def clear_upload_folders() -> None:
    """Rows roll back between tests, files do not: each test starts with empty folders."""
    shutil.rmtree(partial_root(), ignore_errors=True)
    shutil.rmtree(Path(settings.PRIVATE_STORAGE_ROOT) / "drafts", ignore_errors=True)


def drafts() -> list[str]:
    folder = Path(settings.PRIVATE_STORAGE_ROOT) / "drafts"
    return sorted(os.listdir(folder)) if folder.exists() else []


class ResumableUploadTests(TestCase):
    """The protocol through Django's test client: offsets, checks, binding to the session, the receipt's gate."""

    @classmethod
    def setUpTestData(cls):
        cls.w = build_world()
        ConsentFormVersionFactory()

    def setUp(self):
        clear_upload_folders()
        self.enterContext(translation.override("kk"))
        self.invitation, self.token, _code = create_invitation(self.w.elder_a.family, language="kk")
        self.base = f"/kk/share/{self.token}/"
        self.client.post(self.base, {"existing": [str(self.w.elder_a.pk)]})

    def create(self, length: int, client=None, token=None):
        client = client or self.client
        return client.post(f"/kk/share/{token or self.token}/uploads/", HTTP_UPLOAD_LENGTH=str(length), **TUS)

    def patch(self, url: str, data: bytes, offset: int, client=None):
        return (client or self.client).generic(
            "PATCH",
            url,
            data=data,
            content_type="application/offset+octet-stream",
            HTTP_UPLOAD_OFFSET=str(offset),
            **TUS,
        )

    def send_whole(self, data: bytes, piece: int = 64 * 1024):
        created = self.create(len(data))
        self.assertEqual(created.status_code, 201)
        url = urlsplit(created["Location"]).path
        response = None
        for offset in range(0, len(data), piece):
            response = self.patch(url, data[offset : offset + piece], offset)
            if response.status_code != 204:
                break
        return url, response

    def test_a_recording_sent_in_pieces_joins_the_draft_and_becomes_a_recording_only_with_consent(self):
        audio = tone_wav(3.0)
        url, response = self.send_whole(audio)
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response["Upload-State"], "accepted")
        self.assertEqual(response["Upload-Received"], "1")
        self.assertEqual(partial_files(), [])  # the pieces were joined and moved into drafts/
        # Pieces never live anywhere the web server publishes.
        for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
            self.assertFalse(partial_root().resolve().is_relative_to(Path(public).resolve()))
        self.assertEqual(len(drafts()), 1)
        self.assertFalse(Recording.objects.filter(source="family").exists())  # a draft until consent is given
        head = self.client.head(url, **TUS)
        self.assertEqual((head["Upload-Offset"], head["Upload-State"]), (str(len(audio)), "accepted"))
        # The story step takes it into the draft; consent turns it into the recording.
        response = self.client.post(self.base + "story/", {"title": "Көктем", "language": "kk"})
        self.assertRedirects(response, self.base + "consent/")
        self.assertEqual(len(self.client.session["sbg_family_draft"]["audio"]), 1)
        # A page that lost the answer to its last piece asks again: it arrived (it is not sent a second time).
        self.assertEqual(self.client.head(url, **TUS)["Upload-State"], "accepted")
        self.client.get(self.base + "story/")
        self.assertEqual(len(self.client.session["sbg_family_draft"]["audio"]), 1)
        data = {f"p{self.w.elder_a.pk}-{scope}": "on" for scope in CONSENT_ALL}
        data[f"p{self.w.elder_a.pk}-publish_languages"] = ["kk"]
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(self.base + "consent/", data)
        self.assertContains(response, "data-reference")
        recording = Recording.objects.get(source="family")
        self.assertEqual((recording.original_format, recording.size_bytes), ("wav", len(audio)))
        self.assertEqual(Submission.objects.count(), 1)
        self.assertFalse(DraftUpload.objects.exists())
        self.assertEqual(drafts(), [])

    def test_offsets_are_checked_and_a_drop_continues_from_the_last_byte_received(self):
        audio = tone_wav(2.0)
        url = urlsplit(self.create(len(audio))["Location"]).path
        self.assertEqual(self.patch(url, audio[:1000], 0)["Upload-Offset"], "1000")
        # A piece sent again from an old offset is refused with the offset to continue from (nothing appended).
        conflict = self.patch(url, audio[:1000], 0)
        self.assertEqual((conflict.status_code, conflict["Upload-Offset"]), (409, "1000"))
        self.assertEqual(self.client.head(url, **TUS)["Upload-Offset"], "1000")
        wrong_type = self.client.generic("PATCH", url, data=audio[1000:], content_type="audio/wav", **TUS)
        self.assertEqual(wrong_type.status_code, 415)
        done = self.patch(url, audio[1000:], 1000)
        self.assertEqual(done["Upload-State"], "accepted")
        self.assertEqual(DraftUpload.objects.get().bytes_received, len(audio))  # nothing was stored twice

    def test_the_assembled_file_is_checked_refused_files_leave_nothing(self):
        fake = b"%PDF-1.4\n" + os.urandom(50_000)
        url, response = self.send_whole(fake)
        self.assertEqual(response.status_code, 422)
        self.assertIn("error", response.json())
        upload = DraftUpload.objects.get()
        self.assertEqual(upload.state, "refused")
        self.assertTrue(upload.refusal)
        self.assertEqual(partial_files(), [])
        self.assertEqual(drafts(), [])
        # The page's next visit drops the refused upload; the family is asked for a recording.
        response = self.client.post(self.base + "story/", {"language": "kk"})
        self.assertEqual(response.status_code, 200)
        self.assertFalse(DraftUpload.objects.exists())

    @override_settings(AUDIO_MAX_BYTES=100_000)
    def test_sizes_are_limited_before_and_while_sending(self):
        self.assertEqual(self.create(100_001).status_code, 413)
        url = urlsplit(self.create(10_000)["Location"]).path
        self.assertEqual(self.patch(url, b"x" * 10_001, 0).status_code, 413)
        self.assertEqual(self.client.head(url, **TUS)["Upload-Offset"], "0")

    @override_settings(SUBMISSION_MAX_FILES=2)
    def test_no_more_files_than_a_submission_may_hold(self):
        self.assertEqual(self.create(1000).status_code, 201)
        self.assertEqual(self.create(1000).status_code, 201)
        refused = self.create(1000)
        self.assertEqual(refused.status_code, 403)
        self.assertIn("2", refused.json()["error"])

    def test_uploads_answer_only_their_own_browser_and_never_give_bytes_back(self):
        audio = tone_wav(2.0)
        url = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(url, audio[:5000], 0)
        self.assertEqual(self.client.get(url).status_code, 405)  # never served back
        self.assertEqual(self.client.get(url).content, b"")
        # Another browser with the same link: as if the upload did not exist.
        other = self.client_class()
        other.post(self.base, {"existing": [str(self.w.elder_a.pk)]})
        self.assertEqual(other.head(url, **TUS).status_code, 404)
        self.assertEqual(self.patch(url, audio[5000:6000], 5000, client=other).status_code, 404)
        self.assertEqual(other.delete(url, **TUS).status_code, 404)
        # No session at all, an unknown link, another family's invitation: nothing is created.
        stranger = self.client_class()
        self.assertEqual(self.create(1000, client=stranger).status_code, 404)
        self.assertEqual(self.create(1000, token="unknown-token").status_code, 404)
        _inv, other_token, _code = create_invitation(self.w.elder_b.family, language="kk")
        self.assertEqual(self.client.head(url.replace(self.token, other_token), **TUS).status_code, 404)
        # Staff accounts are no family's browser either: every role, signed in, finds nothing.
        for name, user in self.w.users.items():
            staff = self.client_class()
            staff.force_login(user)
            self.assertEqual(staff.head(url, **TUS).status_code, 404, name)
            self.assertEqual(self.patch(url, audio[5000:6000], 5000, client=staff).status_code, 404, name)
            self.assertEqual(self.create(1000, client=staff).status_code, 404, name)
        # Without the protocol header the request is refused before anything is looked up.
        self.assertEqual(self.client.post(f"/kk/share/{self.token}/uploads/", HTTP_UPLOAD_LENGTH="10").status_code, 412)
        self.assertEqual(DraftUpload.objects.count(), 1)
        self.assertEqual(DraftUpload.objects.get().offset, 5000)
        # A used invitation closes its uploads too.
        self.invitation.used_at = timezone.now()
        self.invitation.save()
        self.assertEqual(self.client.head(url, **TUS).status_code, 404)

    def test_the_receipt_waits_until_every_chosen_file_has_arrived(self):
        audio = tone_wav(2.0)
        self.send_whole(audio)
        url = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(url, audio[:4000], 0)
        response = self.client.post(self.base + "story/", {"language": "kk"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "unfinished-uploads")
        self.assertRedirects(self.client.get(self.base + "consent/"), self.base + "story/")
        # It arrives: the family can go on, with both recordings.
        self.patch(url, audio[4000:], 4000)
        response = self.client.post(self.base + "story/", {"language": "kk"})
        self.assertRedirects(response, self.base + "consent/")
        self.assertEqual(len(self.client.session["sbg_family_draft"]["audio"]), 2)

    def test_the_family_may_go_on_without_an_upload_that_will_never_finish(self):
        audio = tone_wav(2.0)
        self.send_whole(audio)
        url = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(url, audio[:4000], 0)
        response = self.client.post(self.base + "story/", {"language": "kk", "drop_unfinished": "1"})
        self.assertRedirects(response, self.base + "consent/")
        self.assertEqual(list(DraftUpload.objects.values_list("state", flat=True)), ["accepted"])
        self.assertEqual(partial_files(), [])

    def test_the_family_removes_an_upload(self):
        audio = tone_wav(2.0)
        url = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(url, audio[:4000], 0)
        self.assertEqual(self.client.delete(url, **TUS).status_code, 204)
        self.assertFalse(DraftUpload.objects.exists())
        self.assertEqual(partial_files(), [])

    def test_abandoned_uploads_are_swept(self):
        audio = tone_wav(2.0)
        old = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(old, audio[:4000], 0)
        fresh = urlsplit(self.create(len(audio))["Location"]).path
        self.patch(fresh, audio[:4000], 0)
        # An accepted upload nobody took further (the tab was closed before "Continue"): the phone deleted its copy
        # when the server said "Sent", so it waits as long as any draft file (48 h), not the 24 h of unfinished ones.
        sent_url, _response = self.send_whole(audio)
        sent_id = sent_url.rstrip("/").rsplit("/", 1)[1]
        self.assertEqual(len(drafts()), 1)
        stale = timezone.now() - timedelta(hours=25)
        DraftUpload.objects.exclude(pk=fresh.rstrip("/").rsplit("/", 1)[1]).update(updated_at=stale)
        call_command("sweep_leftovers", verbosity=0)
        self.assertTrue(DraftUpload.objects.filter(pk=sent_id).exists())
        self.assertEqual(len(drafts()), 1)
        self.assertFalse(DraftUpload.objects.filter(pk=old.rstrip("/").rsplit("/", 1)[1]).exists())
        DraftUpload.objects.filter(pk=sent_id).update(updated_at=timezone.now() - timedelta(hours=49))
        orphan = partial_root() / "0123abcd.part"  # a process killed between writing the file and the row
        orphan.write_bytes(b"x")
        os.utime(orphan, (time.time() - 7200, time.time() - 7200))
        call_command("sweep_leftovers", verbosity=0)
        remaining = DraftUpload.objects.get()
        self.assertEqual(str(remaining.pk), fresh.rstrip("/").rsplit("/", 1)[1])
        self.assertEqual(partial_files(), [f"{remaining.pk.hex}.part"])
        self.assertEqual(drafts(), [])
        # Once the invitation can no longer be used, even a fresh upload goes.
        self.invitation.expires_at = timezone.now() - timedelta(minutes=1)
        self.invitation.save()
        call_command("purge_submission_drafts", verbosity=0)
        self.assertFalse(DraftUpload.objects.exists())
        self.assertEqual(partial_files(), [])


# --- A real tus client against a live server -------------------------------------------------------------------


@pytest.fixture
def family_session(live_server):
    """A browser session of a family at the story step: cookies and CSRF token for the tus client's headers."""
    clear_upload_folders()
    world = build_world()
    ConsentFormVersionFactory()
    _invitation, token, _code = create_invitation(world.elder_a.family, language="kk")
    base = f"{live_server.url}/kk/share/{token}/"
    session = requests.Session()
    session.get(base)
    csrf = session.cookies["csrftoken"]
    session.post(base, data={"existing": [str(world.elder_a.pk)], "csrfmiddlewaretoken": csrf})
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    headers = {"Cookie": cookies, "X-CSRFToken": csrf}
    return base, headers, session


@pytest.mark.django_db(transaction=True)
def test_tuspy_uploads_in_pieces_and_a_new_client_resumes_where_it_stopped(family_session):
    base, headers, session = family_session
    audio = long_wav(20)  # 640 kB
    tus = TusClient(base + "uploads/", headers=headers)
    first = tus.uploader(file_stream=io.BytesIO(audio), chunk_size=100_000, metadata={"filetype": "audio/wav"})
    first.upload(stop_at=300_000)
    assert first.offset == 300_000
    upload = DraftUpload.objects.get()
    assert (upload.offset, upload.state) == (300_000, "receiving")
    # A reload: a new client knows only the upload's address; it asks the offset and sends the rest.
    second = tus.uploader(file_stream=io.BytesIO(audio), url=first.url, chunk_size=100_000)
    assert second.offset == 300_000
    second.upload()
    upload.refresh_from_db()
    assert (upload.offset, upload.state) == (len(audio), "accepted")
    assert upload.bytes_received == len(audio)  # nothing was sent twice
    assert partial_files() == []
    # Not audio: the assembled file is refused with a reason, and nothing of it is kept.
    junk = tus.uploader(file_stream=io.BytesIO(b"\x00" * 200_000), chunk_size=100_000)
    with pytest.raises(TusCommunicationError) as refused:
        junk.upload()
    assert refused.value.status_code == 422
    assert DraftUpload.objects.get(state="refused").refusal
    assert partial_files() == []
    # Without the session cookie the same client finds nothing.
    anonymous = TusClient(base + "uploads/", headers={"X-CSRFToken": headers["X-CSRFToken"]})
    with pytest.raises(TusCommunicationError):
        anonymous.uploader(file_stream=io.BytesIO(audio), url=first.url)


@pytest.mark.django_db(transaction=True)
def test_a_connection_cut_in_the_middle_of_a_piece_keeps_what_arrived(family_session):
    base, headers, _session = family_session
    audio = long_wav(10)
    tus = TusClient(base + "uploads/", headers=headers)
    uploader = tus.uploader(file_stream=io.BytesIO(audio), chunk_size=100_000)
    uploader.upload(stop_at=100_000)
    # A PATCH announcing 200 kB whose line dies after 64 kB.
    parts = urlsplit(uploader.url)
    with socket.create_connection((parts.hostname, parts.port)) as raw:
        head = (
            f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: 100000\r\nContent-Type: application/offset+octet-stream\r\nContent-Length: 200000\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            + "\r\n"
        )
        raw.sendall(head.encode() + audio[100_000:165_536])
        time.sleep(0.5)
    deadline = time.time() + 10
    while DraftUpload.objects.get().offset == 100_000 and time.time() < deadline:
        time.sleep(0.1)
    upload = DraftUpload.objects.get()
    assert upload.offset == 165_536  # what arrived before the cut counts
    resumed = tus.uploader(file_stream=io.BytesIO(audio), url=uploader.url, chunk_size=100_000)
    assert resumed.offset == 165_536
    resumed.upload()
    upload.refresh_from_db()
    assert upload.state == "accepted"
    assert upload.bytes_received == len(audio)


def test_pieces_are_received_outside_the_request_transaction():
    """On SQLite a request transaction holds the single write lock: a piece arriving slowly must not hold it."""
    view = resolve("/kk/share/token/uploads/0b0f3f3a-3b7c-4d5e-8f9a-0123456789ab/").func
    assert "default" in getattr(view, "_non_atomic_requests", set())
