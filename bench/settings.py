"""Settings for the benchmarks only: the dev settings plus `bench.bare` (a minimal page type), DEBUG off.

DEBUG is off so the server neither keeps every query in memory nor renders debug pages: figures are for the code as it
runs in production, on the embedded stack (or PostgreSQL with DATABASE_URL).
"""

from pathlib import Path

from config.settings.dev import *  # noqa: F403
from config.settings.dev import FILE_UPLOAD_TEMP_DIR, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]
DEBUG = False

# A fresh throw-away DATA_DIR has no upload temp folder yet (the system check requires it to exist).
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)

# The benchmarks measure serving and withdrawal under load, not signing in: the scripted facilitator has no
# authenticator app (two-factor sign-in is tested in tests/test_two_factor.py and tests/test_two_factor_browser.py).
STAFF_TWO_FACTOR = False
