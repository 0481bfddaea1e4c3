"""Where temporary copies of uploads live: under DATA_DIR (FILE_UPLOAD_TEMP_DIR), never in the system's /tmp.

A process killed mid-upload leaves its temporary copy behind; in DATA_DIR/tmp the start-up sweep
(`sweep_leftovers`) finds and removes it, where /tmp would keep a child's audio until the machine reboots.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


def temp_root() -> Path:
    """The folder for every temporary file of the platform (created when missing)."""
    root = Path(settings.FILE_UPLOAD_TEMP_DIR or Path(settings.DATA_DIR) / "tmp")
    root.mkdir(parents=True, exist_ok=True)
    return root


@contextmanager
def temporary_directory(prefix: str):
    """A private temporary directory under `temp_root()`, removed on exit."""
    with tempfile.TemporaryDirectory(prefix=prefix, dir=temp_root()) as tmp:
        yield tmp
