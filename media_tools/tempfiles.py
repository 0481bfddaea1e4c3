"""Where temporary copies of uploads and recordings live: under DATA_DIR (FILE_UPLOAD_TEMP_DIR), never in /tmp.

A process killed mid-upload or mid-job leaves its temporary copy behind; in DATA_DIR/tmp the start-up sweep
(`sweep_leftovers`) finds and removes it, where /tmp would keep a child's audio until the machine reboots.

Every directory made here is named after the process that owns it (`<prefix>@<host>@<pid>@...`). A process that
makes a new one first removes those of dead processes of the same host, so a worker killed with SIGKILL mid-job has
its copy removed as soon as any process on that machine starts new work (the job's next attempt, usually), not only
by the age-based sweep.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

OWNED = re.compile(r"^[^@]*@(?P<host>[^@]+)@(?P<pid>\d+)@")


def temp_root() -> Path:
    """The folder for every temporary file of the platform (created when missing)."""
    root = Path(settings.FILE_UPLOAD_TEMP_DIR or Path(settings.DATA_DIR) / "tmp")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _host() -> str:
    return socket.gethostname().replace("@", "_") or "localhost"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def remove_dead_owners_files() -> list[str]:
    """Remove the temporary directories of this host's processes that no longer exist. Returns their names."""
    removed = []
    host = _host()
    for entry in temp_root().iterdir():
        owner = OWNED.match(entry.name)
        if owner is None or owner["host"] != host or _alive(int(owner["pid"])):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        if not entry.exists():
            logger.warning("Removed %s, left behind by process %s", entry.name, owner["pid"])
            removed.append(entry.name)
    return removed


@contextmanager
def temporary_directory(prefix: str) -> Iterator[str]:
    """A private temporary directory under `temp_root()`, owned by this process, removed on exit."""
    remove_dead_owners_files()
    owned = f"{prefix.replace('@', '_')}@{_host()}@{os.getpid()}@"
    with tempfile.TemporaryDirectory(prefix=owned, dir=temp_root()) as tmp:
        yield tmp


@contextmanager
def local_copy(storage, name: str, *, prefix: str = "sbg-copy-") -> Iterator[Path]:
    """A local path to the private file `name`, for a decoder that needs one; any copy is removed on exit.

    The local folder already is a path (no copy of a 90-minute recording). Any other storage (the S3 bucket) is
    streamed into a temporary directory of this process, through the storage API, and removed when the block ends,
    whether it ends normally, with an exception or with a cancelled job. FileNotFoundError when `name` is gone.
    """
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        path = None
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"File does not exist: {name}")
        yield path
        return
    with temporary_directory(prefix=prefix) as tmp:
        target = Path(tmp) / f"file{Path(name).suffix.lower()[:8]}"
        with open(target, "wb") as out:
            download = getattr(storage, "download_to", None)
            if download is not None:
                download(name, out)
            else:
                with storage.open(name, "rb") as handle:
                    for chunk in handle.chunks():
                        out.write(chunk)
        yield target
