"""The public copy of a recording: the same audio with every container tag (GPS, device, names) removed."""

from __future__ import annotations

from pathlib import Path

from django.core.files import File

from facilitation.models import Recording, private_storage

from .audio import strip_metadata_copy
from .tempfiles import temporary_directory


def ensure_published_copy(recording: Recording) -> str:
    """Name (in private storage) of the metadata-free copy, made on first use. Withdrawal deletes it."""
    storage = private_storage()
    name = recording.published_copy_name()
    if storage.exists(name):
        return name
    suffix = Path(name).suffix
    with temporary_directory(prefix="sbg-publish-") as tmp:
        source = Path(tmp) / f"source{Path(recording.file.name).suffix.lower()}"
        with recording.file.open("rb") as handle, open(source, "wb") as out:
            for chunk in handle.chunks():
                out.write(chunk)
        clean = strip_metadata_copy(source, Path(tmp) / f"public{suffix}")
        with open(clean, "rb") as handle:
            return storage.save(name, File(handle))
