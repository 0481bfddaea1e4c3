import pytest
from django.core.cache import caches
from django.test import TransactionTestCase
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


#: Fixtures through which a test reaches the database (pytest-django's, and what depends on them).
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def uses_database(item: pytest.Item) -> bool:
    """Whether a test reaches the database: a django_db mark, a Django TestCase, or a fixture that needs it."""
    if item.get_closest_marker("django_db"):
        return True
    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return True
    return bool(DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    """Tests that drive the browser are marked `browser`, tests that never reach the database `no_database`.

    Both give the same result on every database engine, so CI runs them once, on SQLite (see .ci/run).
    """
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
        if not uses_database(item):
            item.add_marker(pytest.mark.no_database)
