"""Project-level contract: production settings pass Django's deploy checks, migrations are complete, every entry point
loads the same settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.entrypoints import DEFAULT_SETTINGS_MODULE, settings_module_from_dotenv, use_settings

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py as an operator would: the test runner's own switches are not passed on."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env={**clean, **env}
    )


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="k3@v9!zq-production-like-secret-with-enough-entropy-0f2e8d7c6b5a4",
        ALLOWED_HOSTS="stories.example.kz",
        DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr and "issues" not in result.stdout.lower().replace("no issues", "")


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = manage("check", DJANGO_SETTINGS_MODULE="config.settings.production", SECRET_KEY="", DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_no_missing_migrations():
    result = manage("makemigrations", "--check", "--dry-run", DJANGO_SETTINGS_MODULE="config.settings.test")
    assert result.returncode == 0, result.stdout + result.stderr


PRINT_SETTINGS = "from django.conf import settings; print(settings.SETTINGS_MODULE)"
ENTRY_POINTS = {
    "manage.py (commands, run_platform)": ["manage.py", "shell", "-c", PRINT_SETTINGS],
    "config.wsgi (gunicorn)": ["-c", f"import config.wsgi; {PRINT_SETTINGS}"],
    "config.celery (worker, beat)": ["-c", f"import config.celery; {PRINT_SETTINGS}"],
}


def test_every_entry_point_loads_the_same_settings_when_none_is_named(tmp_path):
    """Started with no DJANGO_SETTINGS_MODULE, the web server, the worker and manage.py agree (production, unless the
    checkout's .env names another), so one deployment never runs two kinds of settings."""
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE")}
    env = {
        **clean,
        "SECRET_KEY": "k3@v9!zq-entry-point-secret-with-enough-entropy-0f2e8d7c6b5a4",
        "DATA_DIR": str(tmp_path),
    }
    loaded = {}
    for name, args in ENTRY_POINTS.items():
        result = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, env=env)
        assert result.returncode == 0, f"{name}: {result.stderr}"
        loaded[name] = result.stdout.strip().splitlines()[-1]
    expected = settings_module_from_dotenv() or DEFAULT_SETTINGS_MODULE
    assert loaded == dict.fromkeys(ENTRY_POINTS, expected)


@pytest.mark.parametrize(
    ("environment", "dotenv", "expected"),
    [
        (None, None, "config.settings.production"),
        (None, "DJANGO_SETTINGS_MODULE=config.settings.dev\n", "config.settings.dev"),
        (
            None,
            "# DJANGO_SETTINGS_MODULE=config.settings.dev\nexport DJANGO_SETTINGS_MODULE='config.settings.x'\n",
            "config.settings.x",
        ),
        ("config.settings.test", "DJANGO_SETTINGS_MODULE=config.settings.dev\n", "config.settings.test"),
    ],
)
def test_the_environment_then_dotenv_then_production_choose_the_settings(
    monkeypatch, tmp_path, environment, dotenv, expected
):
    path = tmp_path / ".env"
    if dotenv is not None:
        path.write_text(dotenv)
    if environment is None:
        monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    else:
        monkeypatch.setenv("DJANGO_SETTINGS_MODULE", environment)
    assert use_settings(path) == expected
