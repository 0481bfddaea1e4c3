import pytest
from django.core.cache import caches
from django.utils import translation

from .s3 import seaweedfs_server
from .services import IN_CI, require  # noqa: F401 (also imported from here: tests.services holds them)


@pytest.fixture(scope="session")
def seaweedfs(tmp_path_factory):
    """A real S3-compatible server (SeaweedFS on loopback, tests/s3.py), started once per run when a test asks."""
    yield from seaweedfs_server(tmp_path_factory)


@pytest.fixture(autouse=True)
def _kazakh_by_default():
    """Each test starts in the site's default language, as a request without a prefix would."""
    with translation.override("kk"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The cache is shared by every process (a file cache, like production's Redis), so it outlives each test's
    rolled-back database: a rendition or a rate-limit count cached by one test must not leak into the next."""
    for alias in caches:
        caches[alias].clear()
    yield


def pytest_collection_modifyitems(config, items):
    """Every test that drives the browser is marked `browser` (CI runs them once, on SQLite: see .ci/run)."""
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
