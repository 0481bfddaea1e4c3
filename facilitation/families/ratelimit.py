"""A fixed-window request counter on Django's cache (Redis in production, local memory by default)."""

from django.conf import settings
from django.core.cache import cache


def too_many(*keys: str, limit: int | None = None, window: int = 3600) -> bool:
    """Count one request against each key; True when any key is over its limit for the current window."""
    limit = limit or settings.SUBMISSION_RATE_PER_HOUR
    over = False
    for key in keys:
        name = f"sbg-rate:{key}"
        cache.add(name, 0, timeout=window)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, timeout=window)
            count = 1
        over = over or count > limit
    return over


def client_address(request) -> str:
    """The client's address, used only as a rate-limit key (hashed by the cache key, never logged)."""
    import hashlib

    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(address.encode()).hexdigest()[:16]
