"""Rate limits of the families' pages, counted by django-ratelimit on Django's cache (Redis in production, the
embedded file cache by default), so that every worker process counts together.

Each key (an address digest, an invitation) is counted in its own window of an hour; a request is refused when any
of its keys is over. The limits are settings: SUBMISSION_RATE_PER_HOUR (the pages, per address and per invitation),
UPLOAD_REQUESTS_PER_HOUR (the pieces of resumable uploads); the receipt pages pass their own.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django_ratelimit.core import is_ratelimited

GROUP = "sbg-families"
HOUR = 3600


def too_many(*keys: str, limit: int | None = None, window: int = HOUR) -> bool:
    """Count one request against each key (all of them, even past one that is over); True when any is over its
    limit for the current window. The keys are values, not read from a request, so none is passed to the library."""
    rate = (limit or settings.SUBMISSION_RATE_PER_HOUR, window)
    over = False
    for key in keys:
        counted = is_ratelimited(None, group=GROUP, key=_value(key), rate=rate, increment=True)
        over = counted or over
    return over


def _value(key: str):
    """django-ratelimit's key: a callable of (group, request) giving the value counted."""
    return lambda _group, _request: key


def client_address(request) -> str:
    """The client's address, used only as a rate-limit key (hashed, never logged)."""
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(address.encode()).hexdigest()[:16]
