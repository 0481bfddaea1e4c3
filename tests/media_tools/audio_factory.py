"""Make real audio files for tests with PyAV's bundled encoders (no ffmpeg binary)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np

# name -> (muxer, codec, sample rate, file suffix). Sample rates are what phones use.
FORMATS: dict[str, tuple[str, str, int, str]] = {
    "wav": ("wav", "pcm_s16le", 44100, ".wav"),
    "flac": ("flac", "flac", 44100, ".flac"),
    "mp3": ("mp3", "libmp3lame", 44100, ".mp3"),
    "ogg_opus": ("ogg", "libopus", 48000, ".ogg"),
    "webm_opus": ("webm", "libopus", 48000, ".webm"),
    "m4a_aac": ("ipod", "aac", 44100, ".m4a"),
    "3gp_amr": ("3gp", "libopencore_amrnb", 8000, ".3gp"),
    "3gp_aac": ("3gp", "aac", 16000, ".3gp"),
    "adts_aac": ("adts", "aac", 22050, ".aac"),
    "amr": ("amr", "libopencore_amrnb", 8000, ".amr"),
}


def tone(seconds: float, sample_rate: int, freq: float = 440.0, amplitude: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate), dtype=np.float64) / sample_rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write_audio(
    path: Path,
    samples: np.ndarray | Iterator[np.ndarray],
    *,
    fmt: str,
    source_rate: int = 16000,
    metadata: dict[str, str] | None = None,
    stream_metadata: dict[str, str] | None = None,
) -> Path:
    """Encode mono float32 ``samples`` (at ``source_rate``) into ``fmt``.

    ``samples`` may be an iterator of blocks so long files can be written without
    building them in memory.
    """
    muxer, codec, rate, _suffix = FORMATS[fmt]
    blocks = [samples] if isinstance(samples, np.ndarray) else samples
    with av.open(str(path), mode="w", format=muxer) as out:
        for key, value in (metadata or {}).items():
            out.metadata[key] = value
        stream = out.add_stream(codec, rate=rate, layout="mono")
        if codec == "libopencore_amrnb":
            stream.codec_context.bit_rate = 12200
        for key, value in (stream_metadata or {}).items():
            stream.metadata[key] = value
        sample_fmt = stream.codec_context.codec.audio_formats[0].name
        frame_size = stream.codec_context.frame_size or None
        resampler = av.AudioResampler(format=sample_fmt, layout="mono", rate=rate, frame_size=frame_size)
        for block in blocks:
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(block, dtype=np.float32).reshape(1, -1), format="flt", layout="mono"
            )
            frame.sample_rate = source_rate
            for rframe in resampler.resample(frame):
                out.mux(stream.encode(rframe))
        for rframe in resampler.resample(None):
            out.mux(stream.encode(rframe))
        out.mux(stream.encode(None))
    return path
