"""Settings shared by every environment.

The environment is read here, and only here (`env` below). `base` is safe by default: DEBUG off, no secret key,
and the embedded stack (SQLite, local private storage, SQLite-backed Celery broker) so a fresh clone runs as is.
"""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env(
    DEBUG=(bool, False),
    SECRET_KEY=(str, ""),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    DATA_DIR=(str, str(BASE_DIR / "var")),
    WAGTAILADMIN_BASE_URL=(str, "http://127.0.0.1:8000"),
)
env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env("DEBUG")
SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env("CSRF_TRUSTED_ORIGINS")

# Everything the platform writes (database, public media, private recordings, models) lives under DATA_DIR.
DATA_DIR = Path(env("DATA_DIR"))

INSTALLED_APPS = [
    # modeltranslation must come before django.contrib.admin and the apps it translates.
    "wagtail_modeltranslation",
    "wagtail_modeltranslation.makemigrations",
    "wagtail_modeltranslation.migrate",
    "modeltranslation",
    "stories",
    "facilitation",
    "media_tools",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    # Two-factor sign-in for the roles that see real names or recordings (facilitation/two_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed a one-time code; then the roles that need it are held
    # at the two-factor pages until it has.
    "django_otp.middleware.OTPMiddleware",
    "facilitation.two_factor.TwoFactorMiddleware",
    # The admin in the person's chosen language for the whole request, not only inside Wagtail's views.
    "config.middleware.AdminLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # After authentication: turns a locked-out sign-in into config.login_throttling's page.
    "axes.middleware.AxesMiddleware",
    # Last: it runs the views of reads itself, outside the request transaction.
    "config.middleware.ReadsOutsideTransactionMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default under concurrency (several gunicorn processes, the worker, beat):
    # - WAL: readers never block the writer, nor the writer the readers;
    # - IMMEDIATE: a transaction takes the write lock when it begins, so it waits (busy timeout) instead of failing
    #   with "database is locked" when a read inside it later turns into a write;
    # - reads (GET/HEAD) run outside any transaction (config.middleware.ReadsOutsideTransactionMiddleware), so
    #   listeners and visitors never queue behind that lock and a withdrawal does not queue behind them.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": env.float("SQLITE_TIMEOUT", default=30),
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages -----------------------------------------------------------------------------------------------
# Kazakh first: it is the default for "/" and the language every page is written in first.
LANGUAGE_CODE = "kk"
LANGUAGES = [
    ("kk", "Қазақша"),
    ("ru", "Русский"),
    ("en", "English"),
]
# locale/vendor: Kazakh (and missing Russian) strings of Wagtail, taggit and Django, which upstream does not ship.
# After locale/, so the project's own catalogue wins; `makemessages -l` never writes there.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "vendor"]
# Django ships no Kazakh date formats: ours live in config/formats/kk/formats.py.
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Almaty")
USE_I18N = True
USE_TZ = True

MODELTRANSLATION_DEFAULT_LANGUAGE = "kk"
MODELTRANSLATION_LANGUAGES = ("kk", "ru", "en")
# Field-level fallback stays on the default language, because wagtail-modeltranslation builds each language's
# url_path from the Kazakh slug when a slug is missing: any other order would route to a different slug than it links.
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("kk",)}
# Page-level fallback for readers (stories.mixins.TranslatedPageMixin): the whole page in one language, with a notice.
CONTENT_FALLBACK_LANGUAGES = {
    "kk": ("ru", "en"),
    "ru": ("kk", "en"),
    "en": ("ru", "kk"),
}
WAGTAILMODELTRANSLATION_LOCALE_PICKER = True

WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_I18N_ENABLED = False
WAGTAIL_CONTENT_LANGUAGES = [("kk", "Қазақша")]

# --- Static and media ----------------------------------------------------------------------------------------
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "static_collected"))
STATIC_URL = "/static/"
# Public media only (editorial images). Recordings and evidence never go here: see PRIVATE_STORAGE_ROOT.
# One cache shared by every process (gunicorn workers, Celery workers): the families' rate limits and the login
# throttle must count across them, which Django's default per-process memory cache does not. Embedded default: files
# under DATA_DIR; at scale: CACHE_URL=redis://127.0.0.1:6379/1 (Django's RedisCache).
CACHES = {"default": env.cache("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}

MEDIA_ROOT = env("MEDIA_ROOT", default=str(DATA_DIR / "media"))
MEDIA_URL = "/media/"
PRIVATE_STORAGE_ROOT = env("PRIVATE_STORAGE_ROOT", default=str(DATA_DIR / "private"))

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        # A private file exists only if the transaction that stored it commits (facilitation/storage.py).
        "BACKEND": "facilitation.storage.AtomicFileSystemStorage",
        "OPTIONS": {"location": PRIVATE_STORAGE_ROOT, "base_url": None},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# At scale: an S3-compatible private bucket (AWS S3, SeaweedFS, MinIO, Ceph RGW) instead of the local folder, in every
# environment that sets PRIVATE_S3_BUCKET, so web processes and workers on several machines share the same files. An
# object is kept only if its row commits, exactly like the local folder (facilitation/storage_s3.py); every read and
# write goes through the storage API and files are served through the policy, never by a bucket URL.
PRIVATE_S3_BUCKET = env("PRIVATE_S3_BUCKET", default="")
if PRIVATE_S3_BUCKET:
    _s3_endpoint = env("PRIVATE_S3_ENDPOINT_URL", default="") or None
    STORAGES["private"] = {
        "BACKEND": "facilitation.storage_s3.AtomicS3Storage",
        "OPTIONS": {
            "bucket_name": PRIVATE_S3_BUCKET,
            "endpoint_url": _s3_endpoint,
            "region_name": env("PRIVATE_S3_REGION", default="us-east-1"),
            # Unset: boto3's own chain (AWS_ACCESS_KEY_ID and friends, an instance role).
            "access_key": env("PRIVATE_S3_ACCESS_KEY_ID", default="") or None,
            "secret_key": env("PRIVATE_S3_SECRET_ACCESS_KEY", default="") or None,
            # Self-hosted servers answer on one host name, with the bucket in the path.
            "addressing_style": env("PRIVATE_S3_ADDRESSING_STYLE", default="path" if _s3_endpoint else "") or None,
            "location": env("PRIVATE_S3_PREFIX", default=""),
        },
    }

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Uploads larger than this stream to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
# Temporary copies of uploads live under DATA_DIR (not /tmp), so a sweep at start-up can remove what a killed
# process left behind.
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")

# --- Wagtail -------------------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Stories Between Generations"
WAGTAILADMIN_BASE_URL = env("WAGTAILADMIN_BASE_URL")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# No internet on the machines that run this: no update check, no gravatar.
WAGTAIL_ENABLE_UPDATE_CHECK = False
# Staff know the programme, not the software: no "What's new in Wagtail" banner (see templates/wagtailadmin/).
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 10 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
# Uploaded images are re-encoded without EXIF/GPS/maker notes, and damaged ones refused (stories/image_forms.py).
WAGTAILIMAGES_IMAGE_FORM_BASE = "stories.image_forms.MetadataFreeImageForm"
WAGTAILDOCS_SERVE_METHOD = "serve_view"

LOGIN_URL = "wagtailadmin_login"

# --- Content-Security-Policy (django-csp; config.middleware.ContentSecurityPolicyMiddleware) ---------------------
# Everything comes from this site; nothing is ever loaded from elsewhere (the machines have no internet anyway).
_CSP_COMMON = {
    "default-src": [SELF],
    "img-src": [SELF, "data:", "blob:"],
    "media-src": [SELF, "blob:"],  # the family recorder plays back what it recorded
    "font-src": [SELF, "data:"],
    "connect-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
}
# Public site and families' pages: no inline script or style at all (a nonce where one is ever needed).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        **_CSP_COMMON,
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "frame-src": [NONE],
        "frame-ancestors": [NONE],
    }
}
# The admin: Wagtail renders inline scripts (inline panels, date choosers) and style attributes; its live preview
# frames pages of this site.
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        **_CSP_COMMON,
        "script-src": [SELF, UNSAFE_INLINE],
        "style-src": [SELF, UNSAFE_INLINE],
        "frame-src": [SELF],
        "frame-ancestors": [SELF],
    }
}

# --- Login throttling (django-axes) -------------------------------------------------------------------------------
# AxesStandaloneBackend first: it refuses a locked-out username/address pair before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
# One address guessing one username: a colleague's typos elsewhere never lock anyone else out.
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
AXES_LOCKOUT_CALLABLE = "config.login_throttling.lockout_response"

# --- Staff accounts: two-factor sign-in, sessions that end ------------------------------------------------------
# Administrators, facilitators and safeguarding leads (who see real names or recordings) confirm each sign-in with a
# code from an authenticator app or a recovery code (facilitation/two_factor.py; policy.requires_two_factor).
STAFF_TWO_FACTOR = env.bool("STAFF_TWO_FACTOR", default=True)
OTP_TOTP_ISSUER = "Stories Between Generations"
# The first setup needs a single-use code from an administrator (facilitation/models/two_factor.py), valid this long;
# each wrong code doubles the wait before the next try (seconds, then 2x, 4x...).
SETUP_CODE_HOURS = 72
SETUP_CODE_THROTTLE_FACTOR = 1
# A session ends after this many seconds without a request (every request pushes the end back). Families' drafts
# keep their own, longer expiry (facilitation/families/submission.py: SUBMISSION_DRAFT_HOURS).
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True

# --- Security defaults shared by all environments -----------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Invitation tokens travel in the families' URLs: every line that reaches a handler is redacted first.
    "filters": {"redact_secrets": {"()": "config.log_redaction.RedactSecretsFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
    },
}

DEMO_PASSWORD = env("DEMO_PASSWORD", default="")

# --- Background jobs (Celery) --------------------------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=f"sqla+sqlite:///{DATA_DIR / 'celery-broker.sqlite3'}")
CELERY_RESULT_BACKEND = None  # job state lives in our own models (progress, errors), not in a result backend
CELERY_TASK_IGNORE_RESULT = True
# A job is acknowledged only when it ends, so a killed worker's job is delivered again and finishes.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis/SQS: above the longest job (90 minutes of audio at a slow real-time factor), so it is not redelivered while
# running. The SQLite broker has no such timeout (its options go to SQLAlchemy); a dead worker's job is recovered
# by media_tools.tasks.requeue_stale_jobs instead, which also covers the other brokers.
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {}
    if CELERY_BROKER_URL.startswith("sqla+")
    else {"visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=6 * 3600)}
)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic sweeps (celery beat; `make run` starts one, its schedule file lives in DATA_DIR).
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Consent expiries happen with no request: re-evaluate every page, job and file that depends on consent.
    "consent-sweep": {"task": "facilitation.tasks.sweep_consent", "schedule": 15 * 60},
    # Jobs a dead worker left "running" are queued again.
    "stale-transcription-jobs": {"task": "media_tools.tasks.recover_stale_jobs", "schedule": 60},
    # Family drafts nobody finished, and upload leftovers.
    "purge-submission-drafts": {"task": "facilitation.tasks.purge_submission_drafts", "schedule": 60 * 60},
    # Staff's daily "what needs me" e-mail: checked hourly, sent once a day from DIGEST_HOUR (local time).
    "daily-digests": {"task": "facilitation.tasks.send_daily_digests", "schedule": 60 * 60},
    # Recordings, transcripts and photos of families who left more than RETENTION_AFTER_LEAVING_DAYS ago.
    "retention-purge": {"task": "facilitation.tasks.purge_retention", "schedule": 24 * 60 * 60},
}

# --- Transcription (media_tools) -----------------------------------------------------------------------------
# Weights always come from local paths: nothing is ever downloaded at run time.
WHISPER_ENGINE = env("WHISPER_ENGINE", default="faster")  # "faster" (CTranslate2, default) or "openai"
WHISPER_MODEL_PATH = env("WHISPER_MODEL_PATH", default=str(DATA_DIR / "models" / "whisper-base"))
WHISPER_OPENAI_CHECKPOINT = env(
    "WHISPER_OPENAI_CHECKPOINT", default=str(DATA_DIR / "models" / "whisper-base-openai.pt")
)
WHISPER_CPU_THREADS = env.int("WHISPER_CPU_THREADS", default=0)  # 0: CTranslate2 picks
# A running job beats every TRANSCRIPTION_HEARTBEAT_SECONDS while its engine works; one silent for
# TRANSCRIPTION_STALE_SECONDS has no live worker: beat queues it again, and staff can retry it at once.
TRANSCRIPTION_HEARTBEAT_SECONDS = env.float("TRANSCRIPTION_HEARTBEAT_SECONDS", default=15)
TRANSCRIPTION_STALE_SECONDS = env.int("TRANSCRIPTION_STALE_SECONDS", default=2 * 60)
AUDIO_MAX_BYTES = env.int("AUDIO_MAX_BYTES", default=1024 * 1024 * 1024)
AUDIO_MAX_SECONDS = env.float("AUDIO_MAX_SECONDS", default=3 * 3600)
AUDIO_MIN_SECONDS = env.float("AUDIO_MIN_SECONDS", default=0.5)

# --- Families' submissions -----------------------------------------------------------------------------------
INVITATION_DAYS = env.int("INVITATION_DAYS", default=30)
SUBMISSION_MAX_FILES = env.int("SUBMISSION_MAX_FILES", default=5)
SUBMISSION_RATE_PER_HOUR = env.int("SUBMISSION_RATE_PER_HOUR", default=60)  # requests per address and per invitation
IMAGE_MAX_BYTES = env.int("IMAGE_MAX_BYTES", default=15 * 1024 * 1024)
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
# Resumable uploads (families/uploads.py, tus): the piece the page sends per request, the requests allowed per
# address and per invitation in an hour, and how long an untouched unfinished upload is kept before it is swept.
UPLOAD_CHUNK_BYTES = env.int("UPLOAD_CHUNK_BYTES", default=512 * 1024)
UPLOAD_REQUESTS_PER_HOUR = env.int("UPLOAD_REQUESTS_PER_HOUR", default=3000)
UPLOAD_ABANDONED_HOURS = env.float("UPLOAD_ABANDONED_HOURS", default=24)
# Files a family sent but did not yet submit (no consent yet) are kept this long, then purged.
SUBMISSION_DRAFT_HOURS = env.float("SUBMISSION_DRAFT_HOURS", default=48)

# --- Retention (facilitation/retention.py, `manage.py purge_retention`, daily from beat) -------------------------
# A family that left the programme keeps its recordings, transcripts and photos this many days, then they are deleted.
RETENTION_AFTER_LEAVING_DAYS = env.int("RETENTION_AFTER_LEAVING_DAYS", default=365)

# --- Evaluation ---------------------------------------------------------------------------------------------
EVALUATION_MIN_CELL = env.int("EVALUATION_MIN_CELL", default=5)  # counts of fewer children or families show "<k"

# --- E-mail to staff (facilitation/notifications.py: site, counts and links only, never a name or a note) ----------
# EMAIL_URL, e.g. smtp+tls://user:password@mail.example.org:587. Unset: printed on the console (development).
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Stories Between Generations <noreply@localhost>")
DIGEST_HOUR = env.int("DIGEST_HOUR", default=8)  # the daily "what needs me" e-mail goes out from this hour on
SERVER_EMAIL = DEFAULT_FROM_EMAIL
