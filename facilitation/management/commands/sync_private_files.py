"""Copy every private file (recordings, consent evidence, photos, exports) between the private storage and a folder,
through the storage API: the same command backs up the local folder and an S3 bucket (scripts/backup.sh,
scripts/restore.sh). A MANIFEST.json with each file's size and SHA-256 is written with the copy and checked on restore.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from facilitation.models import private_storage

MANIFEST = "MANIFEST.json"
CHUNK = 1024 * 1024


def walk(storage, path: str = ""):
    """Every file name in the storage, recursively (listdir works for folders and bucket prefixes alike)."""
    directories, files = storage.listdir(path)
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for directory in sorted(directories):
        yield from walk(storage, f"{path}/{directory}" if path else directory)


def _copy(source, target) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        target.write(chunk)
    return size, digest.hexdigest()


class Command(BaseCommand):
    help = "Back up (--to DIR) or restore (--from DIR) every private file through the storage API (folder or bucket)."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--to", help="Copy the private storage into this folder, with MANIFEST.json.")
        group.add_argument("--from", dest="source", help="Put the files of this folder back into the private storage.")

    def handle(self, *args, **options):
        storage = private_storage()
        if options["to"]:
            self.backup(storage, Path(options["to"]))
        else:
            self.restore(storage, Path(options["source"]))

    def backup(self, storage, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        manifest = {}
        for name in walk(storage):
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".sync-")
            with storage.open(name, "rb") as source, os.fdopen(handle, "wb") as out:
                size, sha = _copy(source, out)
            os.replace(temp, target)
            manifest[name] = {"size": size, "sha256": sha}
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
        self.stdout.write(f"{len(manifest)} private file(s) copied to {folder}.")

    def restore(self, storage, folder: Path) -> None:
        manifest_path = folder / MANIFEST
        if not manifest_path.exists():
            raise CommandError(f"{manifest_path} is missing: not a backup of the private files.")
        manifest = json.loads(manifest_path.read_text())
        for name, expected in sorted(manifest.items()):
            source = folder / name
            with open(source, "rb") as handle:
                size, sha = _copy(handle, _Null())
            if (size, sha) != (expected["size"], expected["sha256"]):
                raise CommandError(f"{name}: the backup copy is damaged (size or SHA-256 differs).")
            if storage.exists(name):
                storage.delete(name)
            with open(source, "rb") as handle:
                stored = storage.save(name, File(handle, name=name))
            if stored != name:
                raise CommandError(f"{name} was stored as {stored}.")
        self.stdout.write(f"{len(manifest)} private file(s) restored from {folder}.")


class _Null:
    def write(self, chunk) -> None:
        pass
