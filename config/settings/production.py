"""Production: everything that matters comes from the environment, and missing secrets fail loudly."""

from .base import *  # noqa: F403
from .base import STORAGES, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")  # required: environ raises ImproperlyConfigured when unset
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "SECRET_KEY must be set in production (config.settings.production, every entry point's default: "
        "config/entrypoints.py). To develop on this machine use `make run`, or set "
        "DJANGO_SETTINGS_MODULE=config.settings.dev in the environment or in .env."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True

STORAGES = {**STORAGES}
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# PRIVATE_S3_BUCKET (an S3-compatible private bucket instead of the local folder) is read in base.py.

# Staff e-mails go through the SMTP server named by EMAIL_URL (a local relay when unset), never the console.
vars().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))

# Hand the transfer of private files to nginx after the policy check (X-Accel-Redirect), when configured.
PRIVATE_X_ACCEL_PREFIX = env("PRIVATE_X_ACCEL_PREFIX", default="")
MEDIA_X_ACCEL_PREFIX = env("MEDIA_X_ACCEL_PREFIX", default="")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "config.log_redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="WARNING")},
}
