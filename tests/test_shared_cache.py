"""The families' rate limit counts across processes: gunicorn runs several workers, and a limit kept in one process's
memory would let a client through once per worker. Checked with real processes on the embedded file cache and on
the machine's Redis."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings

from .services import require

ROOT = Path(__file__).resolve().parents[1]
REDIS_URL = os.environ.get("TEST_REDIS_CACHE_URL", "redis://127.0.0.1:6379/15")

# Counts `hits` requests for one key in a fresh process and prints whether the last one was refused.
COUNT = """
import django, sys
django.setup()
from django.core.cache import cache
from facilitation.families.ratelimit import too_many
refused = [too_many(sys.argv[1], limit=5) for _ in range(int(sys.argv[2]))]
print("refused" if refused[-1] else "allowed")
"""


def run_process(key: str, hits: int, cache_url: str | None) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "SBG_TEST_DIR": settings.DATA_DIR.as_posix()}
    if cache_url:
        env["CACHE_URL"] = cache_url
    else:
        env.pop("CACHE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", COUNT, key, str(hits)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().splitlines()[-1]


def redis_available() -> bool:
    try:
        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return False


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_rate_limit_holds_across_processes(backend: str) -> None:
    cache_url = None
    if backend == "redis":
        require(redis_available(), f"no Redis at {REDIS_URL}")
        cache_url = REDIS_URL
    key = f"shared-cache-{backend}-{os.getpid()}-{os.urandom(4).hex()}"
    # Three requests in each of two processes: six in all, over the limit of five only if both count together.
    assert run_process(key, 3, cache_url) == "allowed"
    assert run_process(key, 3, cache_url) == "refused"


def test_embedded_default_is_shared_not_per_process() -> None:
    backend = settings.CACHES["default"]["BACKEND"]
    assert not backend.endswith("LocMemCache"), backend
