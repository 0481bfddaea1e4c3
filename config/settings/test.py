"""Test settings: the same stack as dev, in a temporary data directory, with fast password hashing."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import DATABASES, PRIVATE_S3_BUCKET, STORAGES, env

SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdefghijklmnop"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# A worker started by a test (a real Celery process) is given the same folder through SBG_TEST_DIR.
_tmp = Path(os.environ.get("SBG_TEST_DIR") or tempfile.mkdtemp(prefix="sbg-test-"))
DATA_DIR = _tmp
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory, so a worker process can open the same test database.
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "test-db.sqlite3")}
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or f"sqla+sqlite:///{_tmp / 'celery-broker.sqlite3'}"
CELERY_BROKER_TRANSPORT_OPTIONS = {} if CELERY_BROKER_URL.startswith("sqla+") else {"visibility_timeout": 3600}
# Workers started by a test on a shared broker (Redis) listen on that test's own queue.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
WHISPER_MODEL_PATH = os.environ.get("WHISPER_MODEL_PATH", str(_tmp / "models" / "whisper-base"))
MEDIA_ROOT = str(_tmp / "media")
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{_tmp / 'cache'}")}
PRIVATE_STORAGE_ROOT = str(_tmp / "private")
STATIC_ROOT = str(_tmp / "static")
Path(STATIC_ROOT).mkdir(exist_ok=True)
STORAGES = {**STORAGES}
if not PRIVATE_S3_BUCKET:  # a worker started by the scale-out tests is given the test's bucket instead
    STORAGES["private"] = {**STORAGES["private"], "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
# Temporary upload copies under the test's own DATA_DIR (base.py's value was computed from the default DATA_DIR).
FILE_UPLOAD_TEMP_DIR = str(_tmp / "tmp")
Path(FILE_UPLOAD_TEMP_DIR).mkdir(exist_ok=True)
# celery beat started by a test keeps its schedule in the test's folder, not in the checkout's var/.
CELERY_BEAT_SCHEDULE_FILENAME = str(_tmp / "celerybeat-schedule")
# Most tests sign staff in with force_login; tests/test_two_factor.py turns two-factor sign-in on itself.
STAFF_TWO_FACTOR = False
