"""Audio intake: identify, validate, decode and clean uploaded recordings.

Everything here works on local paths and plain parameters so it can run in a
web request, a worker or a management command without Django being configured.
User-facing messages are ``gettext_lazy`` strings; they are only rendered
(translated) when something turns them into ``str``.

Decoding uses PyAV's bundled FFmpeg libraries, never an ``ffmpeg`` binary.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import av
import av.error
import filetype
import numpy as np
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

CHUNK_SIZE = 1024 * 1024

#: FFmpeg demuxer names we accept (what phones and browsers record).
#: A whitelist keeps exotic demuxers (and their bugs) away from uploads.
ALLOWED_DEMUXERS: frozenset[str] = frozenset(
    {
        "mov,mp4,m4a,3gp,3g2,mj2",  # m4a, mp4, 3gp, 3g2
        "mp3",
        "ogg",  # ogg/opus, ogg/vorbis
        "matroska,webm",  # webm/opus from browsers (MediaRecorder)
        "wav",
        "flac",
        "aac",  # raw ADTS
        "amr",  # raw .amr from old phones
    }
)

#: Decoders we accept. PCM variants are matched by prefix.
ALLOWED_CODECS: frozenset[str] = frozenset(
    {"aac", "mp3", "mp3float", "opus", "vorbis", "flac", "amr_nb", "amrnb", "amr_wb", "amrwb", "alac"}
)

#: ``filetype`` MIME prefixes/types that can never be an audio recording.
_OBVIOUS_NON_AUDIO_PREFIXES = ("image/", "font/", "text/")
_OBVIOUS_NON_AUDIO_TYPES = frozenset(
    {
        "application/zip",
        "application/x-tar",
        "application/gzip",
        "application/x-bzip2",
        "application/x-7z-compressed",
        "application/x-rar-compressed",
        "application/x-xz",
        "application/zstd",
        "application/x-executable",
        "application/x-elf",
        "application/x-msdownload",
        "application/x-mach-binary",
        "application/pdf",
        "application/x-sqlite3",
        "application/wasm",
        "application/x-shockwave-flash",
        "application/vnd.ms-cab-compressed",
        "application/x-deb",
        "application/x-rpm",
        "application/x-unix-archive",
        "application/x-lzip",
        "application/x-compress",
        "application/epub+zip",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/rtf",
    }
)

# Signatures ``filetype`` does not know (or knows under another name).
_MAGIC_NON_AUDIO: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "application/x-executable"),
    (b"MZ", "application/x-msdownload"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),
    (b"%PDF", "application/pdf"),
    (b"#!/", "text/x-script"),  # not bare "#!": raw AMR files start with "#!AMR"
    (b"#! /", "text/x-script"),
    (b"\xca\xfe\xba\xbe", "application/x-mach-binary"),
    (b"\xcf\xfa\xed\xfe", "application/x-mach-binary"),
    (b"<?xml", "text/xml"),
    (b"<!DOCTYPE", "text/html"),
    (b"<html", "text/html"),
)


# --------------------------------------------------------------------------- errors


_MESSAGES: dict[str, Any] = {
    "empty": _("The file is empty."),
    "not_audio": _("This file does not look like an audio recording."),
    "has_video": _("This file contains video. Please upload an audio recording."),
    "unsupported": _("This audio format is not supported. Please upload m4a, mp3, ogg, opus, webm, 3gp, wav or flac."),
    "corrupt": _("The recording is damaged or incomplete and cannot be read."),
    "too_short": _("The recording is too short (less than {limit} seconds)."),
    "too_long": _("The recording is too long (the limit is {limit} minutes)."),
    "too_large": _("The file is too large (the limit is {limit} MB)."),
}

_ENGLISH: dict[str, str] = {
    "empty": "The file is empty.",
    "not_audio": "This file does not look like an audio recording.",
    "has_video": "This file contains video. Please upload an audio recording.",
    "unsupported": "This audio format is not supported.",
    "corrupt": "The recording is damaged or incomplete and cannot be read.",
    "too_short": "The recording is too short (less than {limit} seconds).",
    "too_long": "The recording is too long (the limit is {limit} minutes).",
    "too_large": "The file is too large (the limit is {limit} MB).",
}


class AudioRejected(Exception):
    """An upload we refuse, with a stable ``code`` and a translatable ``message``.

    ``code`` is for programs (API responses, metrics, tests); ``message`` is a lazy
    string for people; ``detail`` is an English technical note for logs only (it may
    contain decoder output and must not be shown to users).
    """

    code = "rejected"

    def __init__(self, code: str | None = None, *, detail: str = "", **params: Any) -> None:
        if code is not None:
            self.code = code
        if "{limit}" in _ENGLISH.get(self.code, ""):
            params = {"limit": "?", **params}
        self.params = params
        self.detail = detail
        template = _MESSAGES.get(self.code, _("This file cannot be accepted."))
        self.message = format_lazy(template, **params) if params else template
        super().__init__(self.code)

    def __str__(self) -> str:
        english = _ENGLISH.get(self.code, "This file cannot be accepted.").format(**self.params)
        return f"{self.code}: {english}" + (f" ({self.detail})" if self.detail else "")


class NotAudio(AudioRejected):
    code = "not_audio"


class EmptyAudio(AudioRejected):
    code = "empty"


class UnsupportedAudio(AudioRejected):
    code = "unsupported"


class CorruptAudio(AudioRejected):
    code = "corrupt"


class AudioTooShort(AudioRejected):
    code = "too_short"


class AudioTooLong(AudioRejected):
    code = "too_long"


class AudioTooLarge(AudioRejected):
    code = "too_large"


class AudioHasVideo(AudioRejected):
    code = "has_video"


# --------------------------------------------------------------------------- sniffing


@dataclass(frozen=True)
class AudioInfo:
    """What the content of a file really is (never trusted from its name)."""

    format: str  # short, human name: m4a, 3gp, mp4, mp3, ogg, opus, webm, mkv, wav, flac, aac, amr
    demuxer: str  # FFmpeg's demuxer name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    codec: str
    duration: float  # seconds, measured from the packets actually present
    sample_rate: int
    channels: int
    sha256: str
    size: int
    bit_rate: int | None = None

    @property
    def suggested_extension(self) -> str:
        """The extension matching the content, for naming stored copies."""
        return {"ogg": "ogg", "opus": "opus", "mkv": "mka"}.get(self.format, self.format)


class _NamelessReader(io.RawIOBase):
    """A file wrapper without ``name`` so FFmpeg probes the bytes, not the extension."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._fh.read(len(b))
        n = len(data)
        b[:n] = data
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._fh.seek(offset, whence)

    def tell(self) -> int:
        return self._fh.tell()


@contextlib.contextmanager
def _open_content(path: str | os.PathLike[str]) -> Iterator[av.container.InputContainer]:
    """Open ``path`` with PyAV, probing the content only (extension ignored)."""
    with open(path, "rb") as fh:
        try:
            container = av.open(_NamelessReader(fh), mode="r", metadata_errors="ignore")
        except av.error.FFmpegError as exc:
            fh.seek(0)
            head = fh.read(8192)
            kind = filetype.guess(head)
            if kind is not None and kind.mime.startswith(("audio/", "video/")):
                # Recognisable header but unreadable body: a cut-off upload.
                raise CorruptAudio(detail=f"{kind.mime} header but ffmpeg could not open it: {exc}") from exc
            raise NotAudio(detail=f"ffmpeg could not open it: {exc}") from exc
        try:
            yield container
        finally:
            container.close()


def file_sha256(path: str | os.PathLike[str], chunk_size: int = CHUNK_SIZE) -> str:
    """SHA-256 of a file, read in chunks so large recordings never sit in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _obvious_non_audio(head: bytes) -> str | None:
    """Return a MIME type when the first bytes prove the file is not audio."""
    for magic, mime in _MAGIC_NON_AUDIO:
        if head.startswith(magic):
            return mime
    kind = filetype.guess(head)
    if kind is None:
        return None
    mime = kind.mime
    if mime.startswith(_OBVIOUS_NON_AUDIO_PREFIXES) or mime in _OBVIOUS_NON_AUDIO_TYPES:
        return mime
    return None


def _friendly_format(container: av.container.InputContainer, codec: str) -> str:
    """Short format name; the mov family and matroska need a closer look."""
    name = container.format.name
    if name.startswith("mov,"):
        brand = (container.metadata.get("major_brand") or "").strip().lower()
        if brand.startswith("3g"):
            return "3gp"
        if brand.startswith("m4a") or brand.startswith("m4b"):
            return "m4a"
        return "m4a" if codec in {"aac", "alac"} else "mp4"
    if name == "matroska,webm":
        return "webm" if codec in {"opus", "vorbis"} else "mkv"
    if name == "ogg":
        return "opus" if codec == "opus" else "ogg"
    return name.split(",")[0]


def _is_attached_picture(stream: av.stream.Stream) -> bool:
    disposition = getattr(stream, "disposition", None)
    if disposition is None:
        return False
    try:
        return bool(disposition & av.stream.Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False


def _measure_duration(container: av.container.InputContainer, stream: av.audio.AudioStream) -> float:
    """Duration from the packets really present (catches truncated uploads).

    Demuxing is cheap compared with decoding; the header's claimed duration is
    not trusted because a cut-off upload keeps its original header.
    """
    time_base = stream.time_base
    start: int | None = None
    end = 0
    for packet in container.demux(stream):
        if packet.pts is None and packet.dts is None:
            continue
        pts = packet.pts if packet.pts is not None else packet.dts
        if start is None or pts < start:
            start = pts
        end = max(end, pts + (packet.duration or 0))
    if start is None or time_base is None:
        return 0.0
    return float((end - start) * time_base)


def _decode_check(container: av.container.InputContainer, stream: av.audio.AudioStream, seconds: float) -> float:
    """Decode the first ``seconds`` to prove the codec data is usable."""
    decoded = 0.0
    errors = 0
    for packet in container.demux(stream):
        try:
            for frame in packet.decode():
                decoded += frame.samples / float(frame.sample_rate or stream.sample_rate or 1)
        except av.error.FFmpegError:
            errors += 1
            if errors > 3:
                raise
        if decoded >= seconds:
            break
    return decoded


def sniff_audio(
    path: str | os.PathLike[str],
    *,
    max_bytes: int | None = None,
    max_seconds: float | None = None,
    min_seconds: float = 0.5,
    allow_video: bool = False,
    allowed_demuxers: Iterable[str] = ALLOWED_DEMUXERS,
    allowed_codecs: Iterable[str] = ALLOWED_CODECS,
    decode_check_seconds: float = 5.0,
    truncation_tolerance: float = 0.10,
) -> AudioInfo:
    """Identify an uploaded recording from its bytes and enforce the limits.

    Raises an :class:`AudioRejected` subclass for anything we should not accept.
    Cheap refusals come first (size, magic numbers) so obvious junk never reaches
    the FFmpeg demuxers. The duration is measured from the packets present (not
    the header); a file holding clearly less than its header announces (by more
    than ``truncation_tolerance``) is a cut-off upload and refused as "corrupt".
    Caveat: a VBR mp3 without a Xing header has only an estimated header duration;
    such files are rare (LAME always writes Xing for VBR), and a wrong refusal says
    "damaged", so the tolerance is generous.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise EmptyAudio()
    if max_bytes is not None and size > max_bytes:
        raise AudioTooLarge(limit=_mb(max_bytes), detail=f"{size} bytes")

    with open(path, "rb") as fh:
        head = fh.read(8192)
    mime = _obvious_non_audio(head)
    if mime:
        raise NotAudio(detail=f"content is {mime}")

    allowed_demuxers = frozenset(allowed_demuxers)
    allowed_codecs = frozenset(allowed_codecs)
    with _open_content(path) as container:
        demuxer = container.format.name
        audio_streams = list(container.streams.audio)
        if not audio_streams:
            raise NotAudio(detail=f"no audio stream (demuxer {demuxer})")
        videos = [s for s in container.streams.video if not _is_attached_picture(s)]
        if videos and not allow_video:
            raise AudioHasVideo(detail=f"{len(videos)} video stream(s)")
        if demuxer not in allowed_demuxers:
            raise UnsupportedAudio(detail=f"demuxer {demuxer}")
        stream = audio_streams[0]
        codec = stream.codec_context.name if stream.codec_context else ""
        if codec not in allowed_codecs and not codec.startswith("pcm_"):
            raise UnsupportedAudio(detail=f"codec {codec}")
        sample_rate = int(stream.codec_context.sample_rate or stream.sample_rate or 0)
        channels = int(stream.codec_context.channels or 0)
        if sample_rate <= 0 or channels <= 0:
            raise CorruptAudio(detail=f"invalid stream parameters sr={sample_rate} ch={channels}")
        declared = _declared_duration(container, stream)
        bit_rate = container.bit_rate or None
        try:
            decoded = _decode_check(container, stream, decode_check_seconds)
        except av.error.FFmpegError as exc:
            raise CorruptAudio(detail=str(exc)) from exc
        if decoded <= 0.0:
            raise CorruptAudio(detail="no decodable audio frames")
        fmt = _friendly_format(container, codec)
    # A fresh pass for the length: seeking back is not reliable for every demuxer.
    with _open_content(path) as container:
        try:
            measured = _measure_duration(container, container.streams.audio[0])
        except av.error.FFmpegError as exc:
            raise CorruptAudio(detail=str(exc)) from exc

    duration = measured or decoded
    if declared and duration < declared * (1.0 - truncation_tolerance) - 0.5:
        raise CorruptAudio(detail=f"truncated: header says {declared:.2f}s, data has {duration:.2f}s")
    if duration < min_seconds:
        raise AudioTooShort(limit=_num(min_seconds), detail=f"{duration:.2f}s")
    if max_seconds is not None and duration > max_seconds:
        raise AudioTooLong(limit=_num(max_seconds / 60.0), detail=f"{duration:.1f}s")

    return AudioInfo(
        format=fmt,
        demuxer=demuxer,
        codec=codec,
        duration=round(duration, 3),
        sample_rate=sample_rate,
        channels=channels,
        sha256=file_sha256(path),
        size=size,
        bit_rate=bit_rate,
    )


def _declared_duration(container: av.container.InputContainer, stream: av.audio.AudioStream) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / float(av.time_base)
    return None


def probe_duration(path: str | os.PathLike[str]) -> float | None:
    """Duration for progress reporting: the header's, or the packets' when the header has none.

    Browsers' MediaRecorder writes WebM without a duration; demuxing (no decoding)
    an hour of audio takes well under a second.
    """
    try:
        with _open_content(path) as container:
            streams = list(container.streams.audio)
            if not streams:
                return None
            declared = _declared_duration(container, streams[0])
            return declared if declared else _measure_duration(container, streams[0]) or None
    except (AudioRejected, av.error.FFmpegError):
        return None


def _mb(n: int) -> str:
    return _num(n / (1024 * 1024))


def _num(x: float) -> str:
    text = f"{x:.1f}" if x >= 1 else f"{x:.2g}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------- decoding


def iter_audio_blocks(
    path: str | os.PathLike[str],
    *,
    sample_rate: int = 16000,
    block_seconds: float = 600.0,
    max_decode_errors: int = 50,
) -> Iterator[np.ndarray]:
    """Decode to mono float32 at ``sample_rate``, yielding blocks of ``block_seconds``.

    Long interviews (hours) never have to sit in memory as one array: a worker
    processes one block at a time. Damaged packets are skipped (phones produce a
    few); a file that keeps failing raises :class:`CorruptAudio`.
    """
    block_len = max(1, int(block_seconds * sample_rate))
    buffer = np.empty(block_len, dtype=np.float32)
    filled = 0
    errors = 0
    resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
    with _open_content(path) as container:
        if not container.streams.audio:
            raise NotAudio(detail="no audio stream")
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"

        def frames() -> Iterator[av.AudioFrame]:
            nonlocal errors
            for packet in container.demux(stream):
                try:
                    decoded = packet.decode()
                except av.error.FFmpegError as exc:
                    errors += 1
                    if errors > max_decode_errors:
                        raise CorruptAudio(detail=f"too many decode errors: {exc}") from exc
                    continue
                for frame in decoded:
                    frame.pts = None  # let the resampler count samples, not trust timestamps
                    yield from resampler.resample(frame)
            yield from resampler.resample(None)

        for frame in frames():
            data = frame.to_ndarray().reshape(-1)
            pos = 0
            while pos < data.size:
                take = min(block_len - filled, data.size - pos)
                buffer[filled : filled + take] = data[pos : pos + take]
                filled += take
                pos += take
                if filled == block_len:
                    yield buffer.copy()
                    filled = 0
    if filled:
        yield buffer[:filled].copy()


def decode_to_array(path: str | os.PathLike[str], sample_rate: int = 16000) -> np.ndarray:
    """Whole recording as a mono float32 array in [-1, 1] (what Whisper wants)."""
    blocks = list(iter_audio_blocks(path, sample_rate=sample_rate, block_seconds=60.0))
    if not blocks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(blocks)


# --------------------------------------------------------------------------- cleaning

# Output codec to use when a plain remux into the target container is impossible.
_REENCODE_CODEC = {
    "mp4": "aac",
    "ipod": "aac",
    "3gp": "aac",
    "mp3": "libmp3lame",
    "ogg": "libopus",
    "opus": "libopus",
    "webm": "libopus",
    "matroska": "libopus",
    "flac": "flac",
    "wav": "pcm_s16le",
    "adts": "aac",
}

_MUXER_FOR_SUFFIX = {
    ".m4a": "ipod",
    ".mp4": "mp4",
    ".3gp": "3gp",
    ".mp3": "mp3",
    ".ogg": "ogg",
    ".oga": "ogg",
    ".opus": "opus",
    ".webm": "webm",
    ".mka": "matroska",
    ".flac": "flac",
    ".wav": "wav",
    ".aac": "adts",
}

_MUXER_OPTIONS = {
    "mp4": {"movflags": "+faststart"},
    "ipod": {"movflags": "+faststart"},
    "3gp": {"movflags": "+faststart"},
    "mp3": {"write_id3v1": "0", "id3v2_version": "0"},
}


def strip_metadata_copy(
    src: str | os.PathLike[str],
    dst: str | os.PathLike[str],
    *,
    reencode: bool = False,
) -> Path:
    """Write a copy of ``src`` at ``dst`` with no tags, titles, locations or encoder notes.

    Phones put GPS coordinates, device names and owner names in recordings; a
    copy that may be published must not carry them. Only the first audio stream
    is kept (cover art, chapters and data tracks are dropped). The container is
    chosen from ``dst``'s suffix; when the codec cannot be remuxed into it (or
    ``reencode`` is set) the audio is re-encoded. The result is written to a
    temporary file and moved into place, so ``dst`` is never half-written.
    """
    src, dst = Path(src), Path(dst)
    muxer = _MUXER_FOR_SUFFIX.get(dst.suffix.lower())
    if muxer is None:
        raise ValueError(f"unsupported output suffix {dst.suffix!r}")
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".strip-", suffix=dst.suffix, dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        done = False
        if not reencode:
            try:
                _remux_without_metadata(src, tmp, muxer)
                done = True
            except (av.error.FFmpegError, ValueError, TypeError) as exc:
                log.info("remux of %s into %s failed (%s); re-encoding", src, muxer, exc)
        if not done:
            _reencode_without_metadata(src, tmp, muxer)
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return dst


def _output_container(path: Path, muxer: str) -> av.container.OutputContainer:
    options = {"fflags": "+bitexact", **_MUXER_OPTIONS.get(muxer, {})}
    out = av.open(str(path), mode="w", format=muxer, options=options)
    out.metadata.clear()
    return out


def _remux_without_metadata(src: Path, dst: Path, muxer: str) -> None:
    with _open_content(src) as inp:
        if not inp.streams.audio:
            raise NotAudio(detail="no audio stream")
        in_stream = inp.streams.audio[0]
        if in_stream.codec_context.name.startswith("pcm_") and muxer not in {"wav", "matroska"}:
            raise ValueError("PCM needs re-encoding for this container")
        out = _output_container(dst, muxer)
        try:
            out_stream = out.add_stream_from_template(in_stream)
            out_stream.metadata.clear()
            packets = 0
            for packet in inp.demux(in_stream):
                if packet.dts is None:
                    continue
                packet.stream = out_stream
                out.mux(packet)
                packets += 1
            if packets == 0:
                raise ValueError("no packets to remux")
        finally:
            out.close()


def _reencode_without_metadata(src: Path, dst: Path, muxer: str) -> None:
    codec = _REENCODE_CODEC[muxer]
    with _open_content(src) as inp:
        if not inp.streams.audio:
            raise NotAudio(detail="no audio stream")
        in_stream = inp.streams.audio[0]
        in_rate = in_stream.codec_context.sample_rate or 48000
        if codec == "libopus":
            rate = 48000
        elif codec == "libmp3lame":
            rate = in_rate if in_rate in {8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000} else 44100
        else:
            rate = in_rate
        layout = "mono" if (in_stream.codec_context.channels or 1) == 1 else "stereo"
        out = _output_container(dst, muxer)
        try:
            out_stream = out.add_stream(codec, rate=rate, layout=layout)
            out_stream.metadata.clear()
            fmt = out_stream.codec_context.codec.audio_formats[0].name
            frame_size = out_stream.codec_context.frame_size or None
            resampler = av.AudioResampler(format=fmt, layout=layout, rate=rate, frame_size=frame_size)
            for frame in inp.decode(in_stream):
                frame.pts = None
                for rframe in resampler.resample(frame):
                    out.mux(out_stream.encode(rframe))
            for rframe in resampler.resample(None):
                out.mux(out_stream.encode(rframe))
            out.mux(out_stream.encode(None))
        finally:
            out.close()


# --------------------------------------------------------------------------- upload streaming


@dataclass(frozen=True)
class StoredUpload:
    path: Path
    size: int
    sha256: str


def stream_to_file(
    chunks: Iterable[bytes],
    dst: str | os.PathLike[str],
    max_bytes: int,
) -> StoredUpload:
    """Write uploaded chunks to ``dst`` without holding the file in memory.

    Stops as soon as ``max_bytes`` is exceeded (so a huge upload costs us at most
    ``max_bytes`` of disk), deletes the partial file and raises
    :class:`AudioTooLarge`. Data goes to ``dst + '.part'`` first and is renamed
    only when complete, so ``dst`` never holds a partial upload; the checksum is
    computed on the way through.
    """
    dst = Path(dst)
    dst.parent.mkdir(parents=True, exist_ok=True)
    part = dst.with_name(dst.name + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(part, "wb") as fh:
            for chunk in chunks:
                if not chunk:
                    continue
                size += len(chunk)
                if size > max_bytes:
                    raise AudioTooLarge(limit=_mb(max_bytes), detail=f"more than {max_bytes} bytes")
                digest.update(chunk)
                fh.write(chunk)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, dst)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            part.unlink()
        raise
    return StoredUpload(path=dst, size=size, sha256=digest.hexdigest())
