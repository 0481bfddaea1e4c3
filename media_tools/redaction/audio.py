"""Audio excerpts with muted or beeped spans, written as new files without metadata.

The excerpt is decoded with `media_tools.audio` (any format intake accepts), edited as samples and encoded afresh,
so nothing of the original container travels with it: no tags, no original file name, no encoder or device notes
(muxers run with ``+bitexact`` so not even the library version is written). The source is only ever read.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import av
import numpy as np

from media_tools.audio import iter_audio_blocks

BEEP_HZ = 1000.0
BEEP_LEVEL = 0.2
#: Short fade outside each muted span so the cut does not click (the span itself stays fully silent).
FADE_SECONDS = 0.01

#: suffix -> (muxer, codec, sample rate)
_OUTPUTS: dict[str, tuple[str, str, int]] = {
    ".ogg": ("ogg", "libopus", 48000),
    ".opus": ("ogg", "libopus", 48000),
    ".oga": ("ogg", "libopus", 48000),
    ".wav": ("wav", "pcm_s16le", 24000),
}

MODES = ("mute", "beep")


def build_excerpt(
    src: Path,
    dst: Path,
    start: float,
    end: float,
    mute: Sequence[tuple[float, float]] = (),
    margin: float = 0.15,
    mode: str = "mute",
) -> Path:
    """Cut ``[start, end]`` (seconds) out of ``src`` into a new file at ``dst``, silencing each ``mute`` span.

    ``mute`` spans are times in the original recording; each is widened by ``margin`` on both sides (word
    timestamps are approximate, and a half-heard name still identifies) and clipped to the excerpt. ``mode``
    "beep" puts a 1 kHz tone there instead of silence. The output is Ogg Opus (``.ogg``/``.opus``) or WAV
    (``.wav``) by ``dst``'s suffix, mono, written to a temporary file beside ``dst`` and moved into place.
    """
    src, dst = Path(src), Path(dst)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    output = _OUTPUTS.get(dst.suffix.lower())
    if output is None:
        raise ValueError(f"unsupported output suffix {dst.suffix!r} (use .ogg, .opus or .wav)")
    if src.resolve() == dst.resolve():
        raise ValueError("the excerpt must be a new file, never the source")
    if not end > start >= 0:
        raise ValueError(f"empty or negative excerpt [{start}, {end}]")
    muxer, codec, rate = output
    samples = cut(src, start, end, rate)
    redact(samples, rate, mute_spans(mute, start, end, margin), mode)
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".excerpt-", suffix=dst.suffix, dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        encode(samples, rate, tmp, muxer, codec)
        os.replace(tmp, dst)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return dst


def mute_spans(
    mute: Sequence[tuple[float, float]], start: float, end: float, margin: float
) -> list[tuple[float, float]]:
    """The spans to silence, relative to the excerpt: widened by ``margin``, clipped, merged, sorted."""
    spans = []
    for a, b in mute:
        a, b = min(a, b) - margin - start, max(a, b) + margin - start
        a, b = max(a, 0.0), min(b, end - start)
        if b > a:
            spans.append((a, b))
    spans.sort()
    merged: list[tuple[float, float]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def cut(src: Path, start: float, end: float, rate: int) -> np.ndarray:
    """Mono float32 samples of ``[start, end]`` at ``rate``; decodes block by block, keeping only the excerpt."""
    first, last = round(start * rate), round(end * rate)
    pieces: list[np.ndarray] = []
    pos = 0
    blocks: Iterator[np.ndarray] = iter_audio_blocks(src, sample_rate=rate, block_seconds=30.0)
    try:
        for block in blocks:
            a, b = max(first - pos, 0), min(last - pos, block.size)
            if b > a:
                pieces.append(block[a:b])
            pos += block.size
            if pos >= last:
                break
    finally:
        close = getattr(blocks, "close", None)
        if close is not None:
            close()
    samples = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    want = last - first
    if samples.size < want and pos > first:  # the recording ends inside the excerpt: pad nothing, keep what exists
        return samples.astype(np.float32, copy=True)
    return samples[:want].astype(np.float32, copy=True)


def redact(samples: np.ndarray, rate: int, spans: Sequence[tuple[float, float]], mode: str = "mute") -> None:
    """Silence (or beep) ``spans`` (seconds from the start of ``samples``) in place."""
    fade = max(1, int(FADE_SECONDS * rate))
    for a_s, b_s in spans:
        a, b = max(0, int(np.floor(a_s * rate))), min(samples.size, int(np.ceil(b_s * rate)))
        if b <= a:
            continue
        # fade out just before the span and back in just after it
        lo = max(0, a - fade)
        samples[lo:a] *= np.linspace(1.0, 0.0, a - lo, endpoint=False, dtype=np.float32)
        hi = min(samples.size, b + fade)
        samples[b:hi] *= np.linspace(0.0, 1.0, hi - b, endpoint=False, dtype=np.float32)
        if mode == "beep":
            t = np.arange(b - a, dtype=np.float64) / rate
            samples[a:b] = (BEEP_LEVEL * np.sin(2 * np.pi * BEEP_HZ * t)).astype(np.float32)
        else:
            samples[a:b] = 0.0


def encode(samples: np.ndarray, rate: int, path: Path, muxer: str, codec: str) -> None:
    """Encode mono ``samples`` into a fresh container with no metadata at all."""
    out = av.open(str(path), mode="w", format=muxer, options={"fflags": "+bitexact"})
    try:
        out.metadata.clear()
        stream = out.add_stream(codec, rate=rate, layout="mono")
        stream.metadata.clear()
        ctx = stream.codec_context
        ctx.flags |= av.codec.context.Flags.bitexact
        if codec == "libopus":
            ctx.bit_rate = 48000
        fmt = ctx.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout="mono", rate=rate, frame_size=ctx.frame_size or None)
        step = rate * 10
        for pos in range(0, max(samples.size, 1), step):
            block = np.clip(samples[pos : pos + step], -1.0, 1.0).reshape(1, -1)
            if block.size == 0:
                break
            frame = av.AudioFrame.from_ndarray(
                np.ascontiguousarray(block, dtype=np.float32), format="flt", layout="mono"
            )
            frame.sample_rate = rate
            for rframe in resampler.resample(frame):
                out.mux(stream.encode(rframe))
        for rframe in resampler.resample(None):
            out.mux(stream.encode(rframe))
        out.mux(stream.encode(None))
    finally:
        out.close()
