"""What crashes and abandoned work leave behind, found and removed: run at start-up and by celery beat.

- temporary files under FILE_UPLOAD_TEMP_DIR (a web process killed mid-upload leaves its streamed copy there);
- family drafts nobody finished (`purge_submission_drafts`);
- private files no row references (a process killed between writing a file and committing its row). Only files
  older than an hour are touched, so an upload whose transaction is still open is never taken from under it.
"""

from __future__ import annotations

import logging
import re
import shutil
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.db import models
from django.utils import timezone

from facilitation.models import Recording, private_storage

from .tempfiles import temp_root

logger = logging.getLogger(__name__)

# Folders of private storage whose files each belong to a row (model FileFields), plus the public copies of
# recordings (named after the recording). drafts/ has its own rule (48 hours); anything else is left alone.
OWNED_FOLDERS = {"recordings", "consent-evidence", "photos", "transcript-exports", "published"}
PUBLISHED_COPY = re.compile(r"^published/recording-(\d+)\.\w+$")


@dataclass
class SweepReport:
    temp_removed: list[str] = field(default_factory=list)
    orphans_removed: list[str] = field(default_factory=list)


def sweep_temp_files(max_age: timedelta) -> list[str]:
    """Remove entries of the temporary folder not modified for `max_age` (an upload in progress keeps writing)."""
    root = temp_root()
    cutoff = time.time() - max_age.total_seconds()
    removed = []
    for entry in root.iterdir():
        try:
            newest = max(
                [entry.lstat().st_mtime]
                + ([p.lstat().st_mtime for p in entry.rglob("*")] if entry.is_dir() and not entry.is_symlink() else [])
            )
            if newest > cutoff:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry.name)
        except FileNotFoundError:  # removed meanwhile by its own process
            continue
    return removed


def _private_file_fields():
    storage = private_storage()
    for model in apps.get_models():
        for f in model._meta.get_fields():
            if isinstance(f, models.FileField) and (
                getattr(f, "_storage_callable", None) is private_storage or f.storage is storage
            ):
                yield model, f


def referenced_private_names() -> set[str]:
    """Every name in private storage a database row points to."""
    names: set[str] = set()
    for model, f in _private_file_fields():
        names.update(n for n in model._base_manager.exclude(**{f.name: ""}).values_list(f.name, flat=True) if n)
    return names


def _walk(storage, folder: str):
    try:
        dirs, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in dirs:
        yield from _walk(storage, f"{folder}/{sub}")


def sweep_orphan_private_files(min_age: timedelta) -> list[str]:
    """Remove private files that no row references and that are older than `min_age`."""
    storage = private_storage()
    referenced = referenced_private_names()
    live_recordings = set(Recording.objects.exclude(file="").values_list("pk", flat=True))
    cutoff = timezone.now() - min_age
    removed = []
    for folder in sorted(OWNED_FOLDERS):
        for name in _walk(storage, folder):
            if name in referenced:
                continue
            published = PUBLISHED_COPY.match(name)
            if published and int(published.group(1)) in live_recordings:
                continue
            if folder == "published" and not published:
                continue  # not ours to judge
            try:
                if storage.get_modified_time(name) > cutoff:
                    continue
                storage.delete(name)
            except FileNotFoundError:
                continue
            logger.warning("Removed %s from private storage: no record refers to it", name)
            removed.append(name)
    return removed


def sweep_leftovers(
    *, temp_age: timedelta = timedelta(minutes=15), orphan_age: timedelta = timedelta(hours=1)
) -> SweepReport:
    return SweepReport(
        temp_removed=sweep_temp_files(temp_age),
        orphans_removed=sweep_orphan_private_files(orphan_age),
    )
