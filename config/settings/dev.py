"""Local development: `make run`. Debug on, a throw-away secret key stored in the data directory."""

import secrets

from .base import *  # noqa: F403
from .base import DATA_DIR, env

DEBUG = env.bool("DEBUG", default=True)


def _local_secret_key() -> str:
    """Keep one random key per checkout so sessions survive restarts without a committed secret."""
    path = DATA_DIR / "secret_key.txt"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="") or _local_secret_key()
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
