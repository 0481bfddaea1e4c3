"""Sending a private file after the policy said yes: streamed, Range-aware (audio seeking), never cached publicly.

Mirrors wagtail.documents.views.serve: nosniff, a locked-down CSP, and X-Accel-Redirect when nginx is configured.
"""

import mimetypes
import re

from django.conf import settings
from django.http import FileResponse, HttpResponse, StreamingHttpResponse

RANGE_RE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _harden(response: HttpResponse, filename: str, download: bool) -> HttpResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Accept-Ranges"] = "bytes"
    disposition = "attachment" if download else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _iter_range(handle, start: int, length: int):
    handle.seek(start)
    remaining = length
    try:
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


def _chunks(storage, name: str, start: int, length: int):
    """The bytes to send. A bucket (facilitation.storage_s3) streams the range itself: opening the object as a file
    would download all of it first. Either way a file deleted meanwhile raises FileNotFoundError here (404)."""
    if hasattr(storage, "iter_range"):
        return storage.iter_range(name, start, length)
    return _iter_range(storage.open(name, "rb"), start, length)


def serve_private_file(request, storage, name: str, *, filename: str, download: bool = False) -> HttpResponse:
    """Send `name` from the private `storage` (the caller has asked the policy first)."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = getattr(settings, "PRIVATE_X_ACCEL_PREFIX", "")
    if prefix and not hasattr(storage, "iter_range"):  # nginx can alias the local folder, not the bucket
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + name
        return _harden(response, filename, download)

    size = storage.size(name)
    match = RANGE_RE.match(request.headers.get("Range", "").strip())
    if match and (match.group(1) or match.group(2)):
        first, last = match.group(1), match.group(2)
        if first:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
        else:  # suffix range: the last N bytes
            start = max(size - int(last), 0)
            end = size - 1
        if start >= size or start > end:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return _harden(response, filename, download)
        length = end - start + 1
        response = StreamingHttpResponse(_chunks(storage, name, start, length), status=206, content_type=content_type)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
        return _harden(response, filename, download)

    if hasattr(storage, "iter_range"):  # a bucket: streamed from it, never loaded whole first
        response = StreamingHttpResponse(_chunks(storage, name, 0, size), content_type=content_type)
    else:
        response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["Content-Length"] = str(size)
    return _harden(response, filename, download)
