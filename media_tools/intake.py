"""Accepting an uploaded recording: streamed to disk, identified from its content, checked against the limits.

Nothing is stored unless the file is decodable audio within the limits; the temporary copy is always removed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.files import File

from .audio import AudioInfo, sniff_audio, stream_to_file
from .tempfiles import temporary_directory


def check_upload(uploaded) -> AudioInfo:
    """Stream an UploadedFile to a temporary file and identify it. Raises `AudioRejected` with a translated message."""
    with temporary_directory(prefix="sbg-intake-") as tmp:  # under DATA_DIR, swept at start-up
        stored = stream_to_file(uploaded.chunks(), Path(tmp) / "upload", max_bytes=settings.AUDIO_MAX_BYTES)
        info = sniff_audio(
            stored.path,
            max_bytes=settings.AUDIO_MAX_BYTES,
            max_seconds=settings.AUDIO_MAX_SECONDS,
            min_seconds=settings.AUDIO_MIN_SECONDS,
        )
    uploaded.seek(0)
    return info


def apply_audio_info(recording, info: AudioInfo) -> None:
    """Record what the content really is (never what its name claims)."""
    recording.original_format = info.format
    recording.codec = info.codec
    recording.duration_seconds = round(info.duration, 3)
    recording.size_bytes = info.size
    recording.checksum = info.sha256


def store_recording_file(recording, path: str | Path) -> AudioInfo:
    """Identify a file on disk and attach it to the recording (used by commands and family submissions)."""
    info = sniff_audio(
        path,
        max_bytes=settings.AUDIO_MAX_BYTES,
        max_seconds=settings.AUDIO_MAX_SECONDS,
        min_seconds=settings.AUDIO_MIN_SECONDS,
    )
    apply_audio_info(recording, info)
    with open(path, "rb") as handle:
        recording.file.save(f"upload.{info.suggested_extension}", File(handle), save=False)
    return info
