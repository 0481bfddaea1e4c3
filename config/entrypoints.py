"""The settings module every entry point loads: manage.py, config.wsgi (gunicorn), config.celery (worker and beat),
scripts/_database_env.py (backups). Decided here, once, so no two processes of one deployment disagree.

In order: DJANGO_SETTINGS_MODULE from the environment, then from `.env`, then `config.settings.production`. A server
nobody configured therefore starts with production's safeguards (DEBUG off, HTTPS-only cookies) or, without a
SECRET_KEY, not at all: never with development's debug pages. Development selects `config.settings.dev` explicitly:
`make` does it for `make run`/`make setup`, or put DJANGO_SETTINGS_MODULE=config.settings.dev in `.env`. The test
suite uses `config.settings.test` (pyproject.toml).
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SETTINGS_MODULE = "config.settings.production"
DOTENV = Path(__file__).resolve().parent.parent / ".env"


def settings_module_from_dotenv(path: Path = DOTENV) -> str | None:
    """The DJANGO_SETTINGS_MODULE line of a .env file (the last one wins, as when the file is sourced), if any."""
    found = None
    if path.is_file():
        for line in path.read_text().splitlines():
            key, sep, value = line.strip().removeprefix("export ").partition("=")
            if sep and key.strip() == "DJANGO_SETTINGS_MODULE":
                found = value.split(" #", 1)[0].strip().strip("'\"") or None
    return found


def use_settings(path: Path = DOTENV) -> str:
    """Set DJANGO_SETTINGS_MODULE for this process unless the environment already has it; return the module."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        os.environ["DJANGO_SETTINGS_MODULE"] = settings_module_from_dotenv(path) or DEFAULT_SETTINGS_MODULE
    return os.environ["DJANGO_SETTINGS_MODULE"]
