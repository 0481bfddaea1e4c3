"""The public copy of a recording: the same audio with every container tag (GPS, device, names) removed.

Made on first listen (`stories.views.published_story_audio`), deleted by a withdrawal (`Recording.published_copy_name`).
"""

from __future__ import annotations

from pathlib import Path

from django.core.files import File

from media_tools.audio import strip_metadata_copy
from media_tools.tempfiles import local_copy, temporary_directory

from .models import Recording, private_storage


def ensure_published_copy(recording: Recording) -> str:
    """Name (in private storage) of the metadata-free copy, made on first use. Withdrawal deletes it.

    The original is read through the storage API (a temporary local copy when it lives in the bucket) and both
    temporary files are removed on return. Two listeners asking at once may both make the copy: the storage then
    gives the second one another name, which nothing would ever find (a withdrawal deletes `published_copy_name()`
    only), so that duplicate is deleted at once and the expected name returned.
    """
    storage = private_storage()
    name = recording.published_copy_name()
    if storage.exists(name):
        return name
    suffix = Path(name).suffix
    with (
        local_copy(recording.file.storage, recording.file.name, prefix="sbg-publish-source-") as source,
        temporary_directory(prefix="sbg-publish-") as tmp,
    ):
        clean = strip_metadata_copy(source, Path(tmp) / f"public{suffix}")
        with open(clean, "rb") as handle:
            saved = storage.save(name, File(handle))
    if saved != name:
        storage.delete(saved)
        if not storage.exists(name):  # the other copy was deleted meanwhile (a withdrawal): nothing to serve
            raise FileNotFoundError(name)
    return name
