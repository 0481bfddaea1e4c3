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


def serve_private_file(request, storage, name: str, *, filename: str, download: bool = False) -> HttpResponse:
    """Send `name` from the private `storage` (the caller has asked the policy first)."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = getattr(settings, "PRIVATE_X_ACCEL_PREFIX", "")
    if prefix:
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
        response = StreamingHttpResponse(
            _iter_range(storage.open(name, "rb"), start, length), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(length)
        return _harden(response, filename, download)

    response = FileResponse(storage.open(name, "rb"), content_type=content_type)
    response["Content-Length"] = str(size)
    return _harden(response, filename, download)
