"""Resumable uploads for the families' recordings: the core of the tus 1.0.0 protocol (creation, termination) on
Django views, so a recording sent from a village on a weak mobile line survives drops and reloads.

- Every endpoint sits under an open invitation and answers only the browser session that created the upload
  (anything else is a 404, as if it did not exist). There is no anonymous storage and nothing is ever served back:
  HEAD tells the offset, never the bytes.
- Pieces are appended to a partial file outside the public media and outside the temporary folder (whose 15-minute
  sweep would take an upload paused by a phone call): `DATA_DIR/partial-uploads/`. A PATCH is read in small blocks
  and whatever arrived before a drop counts, so the next attempt continues from there.
- When the last byte arrives the whole file is checked by the intake (type, codec, size, duration). Refused: the
  bytes are deleted and the reason kept for the page. Accepted: the file moves to drafts/ in private storage and
  joins the family's draft; it becomes a recording only when consent is given (`families.submission.complete`).
- A PATCH runs outside the request transaction (`non_atomic_requests`): on SQLite a transaction holds the single
  write lock, and a slow line must never hold it for the seconds a piece takes to arrive.
- Uploads nobody finishes are removed by `sweep_abandoned_uploads` (run by `purge_submission_drafts`).
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import time
from datetime import timedelta
from functools import wraps
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from media_tools.audio import AudioRejected

from ..models import DraftUpload, Invitation, private_storage
from . import submission as flow
from .ratelimit import client_address, too_many

logger = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
READ_BLOCK = 64 * 1024


def partial_root() -> Path:
    """Where pieces are appended: private, under DATA_DIR, and not in the temporary folder's quick sweep."""
    root = Path(getattr(settings, "UPLOAD_PARTIAL_DIR", "") or Path(settings.DATA_DIR) / "partial-uploads")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def partial_path(upload: DraftUpload) -> Path:
    return partial_root() / f"{upload.pk.hex}.part"


def session_digest(request) -> str:
    key = request.session.session_key or ""
    return hashlib.sha256(key.encode()).hexdigest() if key else ""


def chunk_bytes() -> int:
    """How much the page's script sends per PATCH: small enough that a drop loses little on a slow line."""
    return int(getattr(settings, "UPLOAD_CHUNK_BYTES", 512 * 1024))


def _tus(response: HttpResponse) -> HttpResponse:
    response["Tus-Resumable"] = TUS_VERSION
    response["Cache-Control"] = "no-store"
    return response


def _empty(status: int, **headers) -> HttpResponse:
    response = HttpResponse(status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = str(value)
    return _tus(response)


def _error(status: int, message: str) -> HttpResponse:
    return _tus(JsonResponse({"error": str(message)}, status=status))


def _not_found() -> HttpResponse:
    return _error(404, _("This upload is not available. Send the file again."))


def with_upload_invitation(view):
    """Rate-limit, check the protocol version, resolve the invitation and this browser's session (else 404)."""

    @wraps(view)
    def wrapper(request, token: str, *args, **kwargs):
        limit = int(getattr(settings, "UPLOAD_REQUESTS_PER_HOUR", 3000))
        if too_many(f"tus-ip:{client_address(request)}", f"tus-inv:{token[:64]}", limit=limit):
            return _error(429, _("Too many attempts. Please wait a little and try again."))
        if request.method == "GET":
            return _empty(405, Allow="OPTIONS, POST, HEAD, PATCH, DELETE")  # nothing is ever served back
        if request.method != "OPTIONS" and request.headers.get("Tus-Resumable") != TUS_VERSION:
            return _empty(412, Tus_Version=TUS_VERSION)
        invitation = Invitation.open_by_secret(token)
        digest = session_digest(request)
        if invitation is None and too_many(f"ip:{client_address(request)}"):
            # A link that does not open counts as the pages count it: no faster way to guess codes than the pages.
            return _error(429, _("Too many attempts. Please wait a little and try again."))
        if invitation is None or not digest:
            return _error(404, _("This link can no longer be used."))
        return view(request, token, invitation, digest, *args, **kwargs)

    return wrapper


def _options() -> HttpResponse:
    return _empty(
        204,
        Tus_Version=TUS_VERSION,
        Tus_Extension="creation,termination",
        Tus_Max_Size=settings.AUDIO_MAX_BYTES,
    )


@never_cache
@with_upload_invitation
def collection(request, token: str, invitation: Invitation, digest: str):
    """OPTIONS (what the server supports) and POST (create an upload of Upload-Length bytes)."""
    if request.method == "OPTIONS":
        return _options()
    if request.method != "POST":
        return _empty(405, Allow="OPTIONS, POST")
    if too_many(f"ip:{client_address(request)}", f"inv:{token[:64]}"):
        return _error(429, _("Too many attempts. Please wait a little and try again."))
    try:
        length = int(request.headers.get("Upload-Length", ""))
    except ValueError:
        return _error(400, _("No file arrived. Please try again."))
    if length <= 0:
        return _error(400, _("No file arrived. Please try again."))
    if length > settings.AUDIO_MAX_BYTES:
        return _error(413, _("This file is too large to send."))
    draft = flow.load_draft(request, invitation)
    if not draft["existing"] and not draft["new"]:
        # Only a browser that is in the middle of this invitation's story step may store anything.
        return _error(404, _("This link can no longer be used."))
    active = DraftUpload.objects.filter(invitation=invitation, session_digest=digest, in_draft=False).exclude(
        state=DraftUpload.State.REFUSED
    )
    if len(draft["audio"]) + active.count() >= settings.SUBMISSION_MAX_FILES:
        return _error(403, _("You can send at most %(n)s recordings.") % {"n": settings.SUBMISSION_MAX_FILES})
    # However many browsers open the link, one invitation holds a bounded number of files (room for a second phone
    # of the family), those already in a session's draft included: a new session must not be a way to store more.
    # 429 keeps the file on the phone, to be sent again later.
    in_flight = DraftUpload.objects.filter(invitation=invitation).exclude(state=DraftUpload.State.REFUSED)
    if in_flight.count() >= 2 * settings.SUBMISSION_MAX_FILES:
        return _error(429, _("Too many attempts. Please wait a little and try again."))
    upload = DraftUpload.objects.create(invitation=invitation, session_digest=digest, length=length)
    partial_path(upload).touch(mode=0o600)
    location = request.build_absolute_uri(
        reverse("family_upload_resource", kwargs={"token": token, "upload_id": upload.pk})
    )
    return _empty(201, Location=location, Upload_Offset=0)


@never_cache
@transaction.non_atomic_requests
@with_upload_invitation
def resource(request, token: str, invitation: Invitation, digest: str, upload_id):
    """HEAD (how far it got), PATCH (append at Upload-Offset), DELETE (the family removed it). Never GET."""
    if request.method == "OPTIONS":
        return _options()
    upload = DraftUpload.objects.filter(pk=upload_id, invitation=invitation, session_digest=digest).first()
    if upload is None:
        return _not_found()
    if request.method == "HEAD":
        return _empty(200, Upload_Offset=upload.offset, Upload_Length=upload.length, Upload_State=upload.state)
    if request.method == "DELETE":
        if upload.in_draft:
            _drop_from_draft(request, invitation, upload)
        discard(upload)
        return _empty(204)
    if request.method != "PATCH":
        return _empty(405, Allow="OPTIONS, HEAD, PATCH, DELETE")
    if upload.state == DraftUpload.State.ACCEPTED:
        return _empty(204, Upload_Offset=upload.offset, Upload_State=upload.state, **_received(request, invitation))
    if upload.state == DraftUpload.State.REFUSED:
        return _error(422, upload.refusal)
    if request.content_type != "application/offset+octet-stream":
        return _empty(415)
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
        size = int(request.headers.get("Content-Length", ""))
    except ValueError:
        return _empty(400)
    if offset + size > upload.length:
        return _error(413, _("This file is too large to send."))
    return _append(request, invitation, upload, offset, size)


def _append(request, invitation: Invitation, upload: DraftUpload, offset: int, size: int) -> HttpResponse:
    path = partial_path(upload)
    try:
        handle = open(path, "r+b")  # noqa: SIM115 (closed by the with below)
    except FileNotFoundError:  # finished by another request (say so: it must not be sent again), removed or swept
        done = DraftUpload.objects.filter(pk=upload.pk, state=DraftUpload.State.ACCEPTED).first()
        if done is not None:
            return _empty(204, Upload_Offset=done.offset, Upload_State=done.state)
        return _not_found()
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _empty(423)  # another request of the same upload is still writing
        if not path.exists():  # finished (or removed) by another request while this one waited
            done = DraftUpload.objects.filter(pk=upload.pk, state=DraftUpload.State.ACCEPTED).first()
            if done is not None:
                return _empty(204, Upload_Offset=done.offset, Upload_State=done.state)
            return _not_found()
        # Under the lock the file's length is the truth (a dropped PATCH may have written more than the row says).
        current = handle.seek(0, os.SEEK_END)
        if current != offset:
            _save_offset(upload, current, 0)
            return _empty(409, Upload_Offset=current)
        written = 0
        try:
            while written < size:
                block = request.read(min(READ_BLOCK, size - written))
                if not block:
                    break
                handle.write(block)
                written += len(block)
        except OSError:  # the line dropped mid-piece: keep what arrived
            logger.info("An upload piece was cut after %s bytes", written)
        finally:
            handle.flush()
            os.fsync(handle.fileno())
            _save_offset(upload, offset + written, written)
        if upload.offset < upload.length:
            if written < size:
                return _empty(400, Upload_Offset=upload.offset)
            return _empty(204, Upload_Offset=upload.offset)
        # Still under the lock, and only once: a second request at the end must not check and store it again.
        if not DraftUpload.objects.filter(pk=upload.pk, state=DraftUpload.State.RECEIVING).exists():
            return _empty(409, Upload_Offset=upload.offset)
        return _finish(request, invitation, upload)


def _save_offset(upload: DraftUpload, offset: int, received: int) -> None:
    DraftUpload.objects.filter(pk=upload.pk).update(
        offset=offset, bytes_received=F("bytes_received") + received, updated_at=timezone.now()
    )
    upload.offset = offset


def _finish(request, invitation: Invitation, upload: DraftUpload) -> HttpResponse:
    """Every byte is here: check the whole file as the intake checks any upload, then keep it as a draft file."""
    path = partial_path(upload)
    try:
        item = flow.store_draft_audio_path(path)
    except AudioRejected as error:
        path.unlink(missing_ok=True)
        DraftUpload.objects.filter(pk=upload.pk).update(
            state=DraftUpload.State.REFUSED, refusal=str(error.message)[:300], updated_at=timezone.now()
        )
        return _error(422, error.message)
    path.unlink(missing_ok=True)
    accepted = DraftUpload.objects.filter(pk=upload.pk, state=DraftUpload.State.RECEIVING).update(
        state=DraftUpload.State.ACCEPTED, item=item, updated_at=timezone.now()
    )
    if not accepted:  # removed (by the family or the sweep) while it was being checked: keep nothing of it
        private_storage().delete(item["path"])
        return _not_found()
    return _empty(
        204, Upload_Offset=upload.offset, Upload_State=DraftUpload.State.ACCEPTED, **_received(request, invitation)
    )


def _received(request, invitation: Invitation) -> dict:
    """How many recordings the draft holds with this one, for the page's "N recordings received"."""
    draft = flow.load_draft(request, invitation)
    accepted = DraftUpload.objects.filter(
        invitation=invitation, session_digest=session_digest(request), state=DraftUpload.State.ACCEPTED, in_draft=False
    ).count()
    return {"Upload_Received": len(draft["audio"]) + accepted}


def _drop_from_draft(request, invitation: Invitation, upload: DraftUpload) -> None:
    """The family removed a file the draft had already taken (the page never heard it arrived): it leaves the
    draft and the disk too, instead of being submitted with the story."""
    path = (upload.item or {}).get("path")
    draft = flow.load_draft(request, invitation)
    kept = [item for item in draft["audio"] if item.get("path") != path]
    if not path or len(kept) == len(draft["audio"]):
        return
    draft["audio"] = kept
    flow.save_draft(request, draft)
    storage = private_storage()
    if storage.exists(path):
        storage.delete(path)


def discard(upload: DraftUpload) -> None:
    """Remove an upload and everything it stored (partial bytes, or its checked draft file)."""
    partial_path(upload).unlink(missing_ok=True)
    path = (upload.item or {}).get("path")
    if path and not upload.in_draft:  # once in the draft, the draft owns the file (and its own sweep)
        storage = private_storage()
        if storage.exists(path):
            storage.delete(path)
    upload.delete()


def forget_invitation(invitation: Invitation) -> None:
    """The invitation is used: nothing sent through it may linger outside the submission (files the submission took
    were moved into its recordings; any other was never submitted)."""
    for upload in DraftUpload.objects.filter(invitation=invitation):
        discard(upload)


def sweep_abandoned_uploads(max_age: timedelta | None = None) -> int:
    """Remove uploads untouched for `max_age` (default UPLOAD_ABANDONED_HOURS), uploads of invitations that can no
    longer be used, and partial files no upload refers to (a process killed between creating both)."""
    if max_age is None:
        max_age = timedelta(hours=float(getattr(settings, "UPLOAD_ABANDONED_HOURS", 24)))
    cutoff = timezone.now() - max_age
    now = timezone.now()
    removed = 0
    # A finished upload is the family's recording, already deleted from the phone ("Sent"): it waits for "Continue"
    # as long as any draft file does (SUBMISSION_DRAFT_HOURS), never less; only unfinished ones go after max_age.
    finished_cutoff = now - max(max_age, timedelta(hours=float(settings.SUBMISSION_DRAFT_HOURS)))
    receiving = DraftUpload.State.RECEIVING
    stale = (
        DraftUpload.objects.filter(state=receiving, updated_at__lt=cutoff)
        | DraftUpload.objects.exclude(state=receiving).filter(updated_at__lt=finished_cutoff)
        | DraftUpload.objects.exclude(invitation__used_at=None)
        | DraftUpload.objects.filter(invitation__expires_at__lte=now)
    )
    for upload in stale.distinct():
        discard(upload)
        removed += 1
    known = {f"{pk.hex}.part" for pk in DraftUpload.objects.values_list("pk", flat=True)}
    orphan_cutoff = time.time() - min(max_age.total_seconds(), 3600)
    for entry in partial_root().iterdir():
        try:
            if entry.name not in known and entry.stat().st_mtime < orphan_cutoff:
                entry.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def pending_uploads(request, invitation: Invitation):
    """This browser's uploads that have not finished arriving."""
    return DraftUpload.objects.filter(
        invitation=invitation, session_digest=session_digest(request), state=DraftUpload.State.RECEIVING
    )


def gather_uploads(request, invitation: Invitation, draft: dict) -> bool:
    """Move this browser's checked uploads into the draft (refused ones are dropped); True when the draft changed."""
    changed = False
    rows = DraftUpload.objects.filter(invitation=invitation, session_digest=session_digest(request), in_draft=False)
    for upload in rows.exclude(state=DraftUpload.State.RECEIVING):
        room = len(draft["audio"]) < settings.SUBMISSION_MAX_FILES
        if upload.state == DraftUpload.State.ACCEPTED and upload.item and room:
            if DraftUpload.objects.filter(pk=upload.pk, in_draft=False).update(in_draft=True):  # once, even in a race
                draft["audio"].append(upload.item)
                changed = True
            continue
        discard(upload)
    return changed
