"""The restore drill: scripts/backup.sh, then scripts/restore.sh into a fresh place, and everything comes back the same.

The database is a copy of the migrated test database (SQLite: a file in the test's folder, with rows added; PostgreSQL
when DATABASE_URL says so: the test database itself, restored into a scratch database created and dropped here). The
private files (nested folders, binary content) and the public media go through the scripts as an operator runs them.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection

from .s3 import fresh_prefix, use_private_bucket

ROOT = Path(__file__).resolve().parents[1]
S3_VARIABLES = ("PRIVATE_S3_BUCKET", "PRIVATE_S3_ENDPOINT_URL", "PRIVATE_S3_PREFIX")


def run(script: str, folder: Path, data_dir: Path, database_url: str) -> str:
    env = {key: value for key, value in os.environ.items() if key not in S3_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        SBG_TEST_DIR=str(data_dir),  # the test settings put private files and media under it
        DATABASE_URL=database_url,
        PYTHON=sys.executable,
    )
    result = subprocess.run(
        [str(ROOT / "scripts" / script), str(folder)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def make_files(data_dir: Path) -> None:
    files = {
        "private/recordings/2026/11/a1b2.wav": b"RIFF" + bytes(range(256)) * 40,
        "private/consent-evidence/2026/11/scan.pdf": "%PDF-1.4 қолы қойылған келісім".encode(),
        "private/photos/2026/11/p.jpg": b"\xff\xd8\xff\xe0" + os.urandom(2048),
        "media/original_images/river.jpg": b"\xff\xd8\xff public editorial image",
    }
    for name, content in files.items():
        path = data_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def sqlite_rows(path: Path) -> dict[str, list]:
    with sqlite3.connect(path) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}  # noqa: S608


def postgres_rows(conninfo: str) -> dict[str, list]:
    with psycopg.connect(conninfo) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='public' ORDER BY table_name"
            )
        ]
        return {t: sorted(map(repr, db.execute(f'SELECT * FROM "{t}"'))) for t in tables}  # noqa: S608


def check_files_and_media(src: Path, dst: Path, backup: Path) -> None:
    assert tree(dst / "private") == tree(src / "private")
    assert tree(dst / "media") == tree(src / "media")
    assert (backup / "private" / "MANIFEST.json").exists()
    assert backup.stat().st_mode & 0o777 == 0o700  # children's voices: the operator's eyes only


@pytest.fixture
def test_database(db):
    """The test database's settings (requesting `db` makes pytest-django create and migrate it)."""
    assert connection.settings_dict["NAME"] != "", "no test database"
    return dict(connection.settings_dict)


def test_restore_drill_on_sqlite(tmp_path, test_database):
    if not test_database["ENGINE"].endswith("sqlite3"):
        pytest.skip("the SQLite drill runs on the SQLite run; PostgreSQL has its own below")
    src, dst, backup = tmp_path / "src", tmp_path / "dst", tmp_path / "backup"
    src.mkdir()
    make_files(src)
    # A small database: the migrated schema and its rows, plus a few of ours, in the test's own folder.
    source_db = src / "db.sqlite3"
    with sqlite3.connect(test_database["NAME"]) as live, sqlite3.connect(source_db) as copy:
        live.backup(copy)
    with sqlite3.connect(source_db) as db:
        db.executemany(
            "INSERT INTO facilitation_region (name, code) VALUES (?, ?)",
            [("Ақтөбе облысы", "BKA"), ("Шымкент", "BKS")],
        )
    before = sqlite_rows(source_db)
    run("backup.sh", backup, src, f"sqlite:///{source_db}")
    assert (backup / "database.sqlite3").exists()
    dst.mkdir()
    restored_db = dst / "db.sqlite3"
    run("restore.sh", backup, dst, f"sqlite:///{restored_db}")
    assert sqlite_rows(restored_db) == before
    assert any("BKA" in row for row in before["facilitation_region"])
    check_files_and_media(src, dst, backup)
    # A second restore over the first (files already there) gives the same result: the drill can be repeated.
    run("restore.sh", backup, dst, f"sqlite:///{restored_db}")
    assert sqlite_rows(restored_db) == before
    check_files_and_media(src, dst, backup)


def test_restore_drill_on_postgresql(tmp_path, test_database):
    if "postgresql" not in test_database["ENGINE"]:
        pytest.skip("runs when DATABASE_URL is PostgreSQL")

    db = test_database
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    server = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    scratch = f"sbg_restore_drill_{uuid.uuid4().hex[:10]}"
    src, dst, backup = tmp_path / "src", tmp_path / "dst", tmp_path / "backup"
    src.mkdir()
    dst.mkdir()
    make_files(src)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        before = postgres_rows(f"{server}/{db['NAME']}")
        assert before["django_migrations"], "the source database is migrated"
        run("backup.sh", backup, src, f"{server}/{db['NAME']}")
        assert (backup / "database.pgdump").exists()
        run("restore.sh", backup, dst, f"{server}/{scratch}")
        assert postgres_rows(f"{server}/{scratch}") == before
        check_files_and_media(src, dst, backup)
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


@pytest.mark.scaleout
def test_private_files_back_up_and_restore_through_a_bucket(seaweedfs, tmp_path):
    """The same sync reads and writes an S3 bucket through the storage API: back up one prefix, restore into another."""

    files = {
        "recordings/2026/11/a.wav": b"RIFF" + os.urandom(4096),
        "consent-evidence/2026/11/s.pdf": "%PDF келісім".encode(),
        "photos/p.jpg": b"\xff\xd8\xff",
    }
    with use_private_bucket(seaweedfs, fresh_prefix("backup-src")) as storage:
        for name, content in files.items():
            assert storage.save(name, ContentFile(content)) == name
        call_command("sync_private_files", to=str(tmp_path / "private"), verbosity=0)
    assert tree(tmp_path / "private") == {**files, "MANIFEST.json": (tmp_path / "private/MANIFEST.json").read_bytes()}
    with use_private_bucket(seaweedfs, fresh_prefix("backup-dst")) as storage:
        call_command("sync_private_files", source=str(tmp_path / "private"), verbosity=0)
        for name, content in files.items():
            with storage.open(name, "rb") as handle:
                assert handle.read() == content
