"""Test settings: the same stack as dev, in a temporary data directory, with fast password hashing."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGES

SECRET_KEY = "test-only-secret-key-not-for-production-0123456789abcdefghijklmnop"
DEBUG = False
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

_tmp = Path(tempfile.mkdtemp(prefix="sbg-test-"))
MEDIA_ROOT = str(_tmp / "media")
PRIVATE_STORAGE_ROOT = str(_tmp / "private")
STATIC_ROOT = str(_tmp / "static")
Path(STATIC_ROOT).mkdir()
STORAGES = {**STORAGES}
STORAGES["private"] = {**STORAGES["private"], "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None}}
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
