"""Engine interface and the shared speech-window pipeline.

Both backends (faster-whisper and openai-whisper) go through the same steps so
that their results are comparable and both get the same protections:

1. audio is decoded in blocks (hours-long interviews never sit in memory whole);
2. digital silence is skipped and Silero VAD (shipped in faster-whisper, ONNX,
   offline) keeps only speech, so Whisper never sees long silences, which is
   where it invents text ("Thank you for watching");
3. speech chunks are grouped into windows of at most ``window_seconds`` of speech;
   each window gets its own language detection (unless a language is forced),
   so a Kazakh/Russian code-switching interview is not forced into one language;
4. window-relative timestamps are mapped back onto the original recording.

Backends only implement :meth:`Engine._transcribe_window`.
"""

from __future__ import annotations

import bisect
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

SAMPLE_RATE = 16000

#: Silero VAD settings on top of faster-whisper's defaults. A pause of 0.5 s (not
#: 2 s) ends a speech chunk, so windows are built from whole sentences; with 2 s,
#: continuous talk is only cut at the 30 s limit, often mid-word, which measurably
#: raised WER in bench/transcribe.py (0.042 -> 0.010).
DEFAULT_VAD_OPTIONS: dict[str, Any] = {"min_silence_duration_ms": 500}

#: Called as ``on_progress(fraction_done, new_segments)``; returning ``False`` cancels.
ProgressCallback = Callable[[float, list["Segment"]], "bool | None"]


class Cancelled(Exception):
    """The progress callback asked to stop; partial work is discarded."""

    def __init__(self, fraction_done: float, segments: list[Segment] | None = None) -> None:
        super().__init__(f"transcription cancelled at {fraction_done:.0%}")
        self.fraction_done = fraction_done
        self.segments = segments or []


@dataclass
class Word:
    start: float
    end: float
    text: str
    probability: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    language: str | None
    confidence: float  # mean word probability (or exp(avg_logprob) without words), 0..1
    words: list[Word] = field(default_factory=list)
    language_probability: float | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


@dataclass
class TranscriptResult:
    engine: str
    model_name: str
    model_checksum: str
    language: str | None  # the language covering most speech, None when nothing was said
    segments: list[Segment]
    settings: dict[str, Any]
    timings: dict[str, float]

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class WindowResult:
    """What a backend returns for one window; times are relative to the window audio."""

    language: str | None
    language_probability: float | None
    segments: list[Segment]


@dataclass
class SpeechWindow:
    audio: np.ndarray  # concatenated speech, float32 mono 16 kHz
    chunks: list[tuple[int, int]]  # absolute sample ranges in the recording, in order
    consumed: int  # absolute sample up to which the recording has been handled


# --------------------------------------------------------------------------- windowing


def _blocks_from_array(audio: np.ndarray, block_samples: int) -> Iterator[np.ndarray]:
    for start in range(0, len(audio), block_samples):
        yield audio[start : start + block_samples]


def iter_speech_windows(
    blocks: Iterable[np.ndarray],
    *,
    vad: bool = True,
    vad_options: dict[str, Any] | None = None,
    window_seconds: float = 30.0,
    silence_peak: float = 10 ** (-70 / 20),
    carry_seconds: float = 1.0,
    timings: dict[str, float] | None = None,
) -> Iterator[SpeechWindow]:
    """Turn blocks of audio into windows of speech (see the module docstring).

    Speech that touches the end of a block is carried over to the next block so
    no word is cut in half. A window with no ``chunks`` only reports progress.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(**_vad_kwargs(window_seconds, vad_options))
    window_samples = int(window_seconds * SAMPLE_RATE)
    carry_samples = int(carry_seconds * SAMPLE_RATE)
    timings = timings if timings is not None else {}
    timings.setdefault("vad_s", 0.0)

    buffer = np.zeros(0, dtype=np.float32)
    buffer_start = 0
    iterator = iter(blocks)
    block = next(iterator, None)
    while block is not None:
        following = next(iterator, None)
        is_last = following is None
        buffer = np.concatenate([buffer, np.asarray(block, dtype=np.float32)]) if len(buffer) else block
        if len(buffer) == 0:
            block = following
            continue

        if not vad:
            chunks = [
                {"start": s, "end": min(s + window_samples, len(buffer))} for s in range(0, len(buffer), window_samples)
            ]
        elif float(np.max(np.abs(buffer))) < silence_peak:
            chunks = []  # digital silence: nothing for VAD or Whisper to look at
        else:
            t0 = time.perf_counter()
            chunks = get_speech_timestamps(buffer, options, sampling_rate=SAMPLE_RATE)
            timings["vad_s"] += time.perf_counter() - t0

        if is_last:
            cut = len(buffer)
        else:
            limit = len(buffer) - carry_samples
            if chunks and chunks[-1]["end"] > limit:
                cut = chunks[-1]["start"]
                chunks = chunks[:-1]
            else:
                cut = max(limit, chunks[-1]["end"] if chunks else 0, 0)

        for group in _group_chunks(chunks, window_samples):
            audio = np.concatenate([buffer[c["start"] : c["end"]] for c in group])
            yield SpeechWindow(
                audio=audio,
                chunks=[(buffer_start + c["start"], buffer_start + c["end"]) for c in group],
                consumed=buffer_start + group[-1]["end"],
            )
        yield SpeechWindow(audio=np.zeros(0, dtype=np.float32), chunks=[], consumed=buffer_start + cut)
        buffer = buffer[cut:]
        buffer_start += cut
        block = following


def _vad_kwargs(window_seconds: float, vad_options: dict[str, Any] | None) -> dict[str, Any]:
    return {"max_speech_duration_s": max(window_seconds, 1.0), **DEFAULT_VAD_OPTIONS, **(vad_options or {})}


def _group_chunks(chunks: list[dict[str, int]], window_samples: int) -> Iterator[list[dict[str, int]]]:
    group: list[dict[str, int]] = []
    total = 0
    for chunk in chunks:
        length = chunk["end"] - chunk["start"]
        if group and total + length > window_samples:
            yield group
            group, total = [], 0
        group.append(chunk)
        total += length
    if group:
        yield group


class _TimeMap:
    """Maps a time inside a window's concatenated speech back to the recording."""

    def __init__(self, chunks: list[tuple[int, int]]) -> None:
        self.starts = [s / SAMPLE_RATE for s, _ in chunks]
        self.cum_ends: list[float] = []
        self.cum_starts: list[float] = []
        total = 0.0
        for s, e in chunks:
            self.cum_starts.append(total)
            total += (e - s) / SAMPLE_RATE
            self.cum_ends.append(total)

    def index(self, t: float, is_end: bool = False) -> int:
        i = bisect.bisect_left(self.cum_ends, t) if is_end else bisect.bisect_right(self.cum_ends, t)
        return min(i, len(self.cum_ends) - 1)

    def original(self, t: float, index: int) -> float:
        local = min(max(t - self.cum_starts[index], 0.0), self.cum_ends[index] - self.cum_starts[index])
        return round(self.starts[index] + local, 3)


def _restore_times(segments: list[Segment], chunks: list[tuple[int, int]]) -> list[Segment]:
    tmap = _TimeMap(chunks)
    for seg in segments:
        if seg.words:
            for word in seg.words:
                i = tmap.index((word.start + word.end) / 2)
                word.start, word.end = tmap.original(word.start, i), tmap.original(word.end, i)
            seg.start, seg.end = seg.words[0].start, seg.words[-1].end
        else:
            seg.start, seg.end = (
                tmap.original(seg.start, tmap.index(seg.start)),
                tmap.original(seg.end, tmap.index(seg.end, is_end=True)),
            )
    return segments


def _make_monotonic(segments: list[Segment], last_start: float) -> float:
    """Clamp so starts never go backwards and every segment has start <= end."""
    for seg in segments:
        seg.start = max(seg.start, last_start)
        seg.end = max(seg.end, seg.start)
        last_start = seg.start
    return last_start


# --------------------------------------------------------------------------- engine base


def pick_language(probabilities: Iterable[tuple[str, float]], candidates: Iterable[str] | None) -> tuple[str, float]:
    """Most probable language, optionally restricted to ``candidates``.

    Restricting to the languages a project actually uses (kk/ru/en) avoids the
    small models' habit of calling Kazakh Tatar or Bashkir.
    """
    allowed = set(candidates) if candidates else None
    best: tuple[str, float] | None = None
    for lang, prob in probabilities:
        if allowed is not None and lang not in allowed:
            continue
        if best is None or prob > best[1]:
            best = (lang, float(prob))
    if best is None:
        raise ValueError("no candidate language available")
    return best


def default_threads() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


class Engine(ABC):
    """A loaded speech-to-text model. Load once per worker process, reuse per job."""

    name: str = "base"

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        vad: bool = True,
        vad_options: dict[str, Any] | None = None,
        window_seconds: float = 30.0,
        block_seconds: float = 600.0,
        candidate_languages: Iterable[str] | None = None,
        word_timestamps: bool = True,
    ) -> None:
        from media_tools.weights import model_checksum

        self.model_path = Path(model_path)
        self.vad = vad
        self.vad_options = dict(vad_options or {})
        self.window_seconds = float(window_seconds)
        self.block_seconds = float(block_seconds)
        self.candidate_languages = tuple(candidate_languages) if candidate_languages else None
        self.word_timestamps = word_timestamps
        self.model_checksum = model_checksum(self.model_path)
        self.model_name = self._model_name()
        self.load_seconds = 0.0

    def _model_name(self) -> str:
        import json

        folder = self.model_path if self.model_path.is_dir() else self.model_path.parent
        try:
            stamp = json.loads((folder / ".installed.json").read_text())
            if stamp.get("model"):
                return str(stamp["model"])
        except (OSError, ValueError):
            pass
        return self.model_path.stem if self.model_path.is_file() else self.model_path.name

    @abstractmethod
    def _transcribe_window(self, audio: np.ndarray, language: str | None) -> WindowResult:
        """Transcribe one window (<= ~30 s of speech); times relative to ``audio``."""

    def backend_settings(self) -> dict[str, Any]:
        return {}

    def settings(self) -> dict[str, Any]:
        from faster_whisper.vad import VadOptions

        vad = asdict(VadOptions(**_vad_kwargs(self.window_seconds, self.vad_options)))
        return {
            "engine": self.name,
            "vad": self.vad,
            "vad_options": vad if self.vad else None,
            "window_seconds": self.window_seconds,
            "block_seconds": self.block_seconds,
            "candidate_languages": list(self.candidate_languages) if self.candidate_languages else None,
            "word_timestamps": self.word_timestamps,
            **self.backend_settings(),
        }

    def transcribe(
        self,
        audio: np.ndarray | str | os.PathLike[str],
        language: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> TranscriptResult:
        """Transcribe a recording (path, or float32 mono 16 kHz array).

        ``language`` forces "kk"/"ru"/"en"/...; ``None`` detects it per window.
        ``on_progress(fraction, new_segments)`` is called after every window;
        returning ``False`` raises :class:`Cancelled`.
        """
        from media_tools.audio import iter_audio_blocks, probe_duration

        t_start = time.perf_counter()
        timings: dict[str, float] = {"load_s": round(self.load_seconds, 3), "decode_s": 0.0, "asr_s": 0.0}
        block_samples = int(self.block_seconds * SAMPLE_RATE)
        if isinstance(audio, np.ndarray):
            if audio.ndim != 1:
                raise ValueError("audio array must be mono (1-D)")
            total_samples: int | None = len(audio)
            blocks: Iterable[np.ndarray] = _blocks_from_array(audio.astype(np.float32, copy=False), block_samples)
        else:
            duration = probe_duration(audio)
            total_samples = int(duration * SAMPLE_RATE) if duration else None
            blocks = _timed(iter_audio_blocks(audio, block_seconds=self.block_seconds), timings, "decode_s")

        segments: list[Segment] = []
        speech_per_language: dict[str, float] = {}
        last_start = 0.0
        consumed = 0
        windows = iter_speech_windows(
            blocks,
            vad=self.vad,
            vad_options=self.vad_options,
            window_seconds=self.window_seconds,
            timings=timings,
        )
        for window in windows:
            new: list[Segment] = []
            if window.chunks:
                t0 = time.perf_counter()
                result = self._transcribe_window(window.audio, language)
                timings["asr_s"] += time.perf_counter() - t0
                new = _restore_times(result.segments, window.chunks)
                for seg in new:
                    seg.language = seg.language or result.language
                    if seg.language_probability is None:
                        seg.language_probability = result.language_probability
                last_start = _make_monotonic(new, last_start)
                segments.extend(new)
                if result.language:
                    speech_per_language[result.language] = speech_per_language.get(result.language, 0.0) + (
                        len(window.audio) / SAMPLE_RATE
                    )
            consumed = max(consumed, window.consumed)
            if on_progress is not None:
                total = max(total_samples or 0, consumed, 1)
                fraction = min(consumed / total, 0.999)
                if on_progress(fraction, new) is False:
                    raise Cancelled(fraction, segments)

        if on_progress is not None and on_progress(1.0, []) is False:
            raise Cancelled(1.0, segments)
        audio_seconds = consumed / SAMPLE_RATE
        total_s = time.perf_counter() - t_start
        timings.update(
            audio_s=round(audio_seconds, 3),
            total_s=round(total_s, 3),
            rtf=round(total_s / audio_seconds, 4) if audio_seconds else 0.0,
        )
        for key in ("decode_s", "asr_s", "vad_s"):
            timings[key] = round(timings.get(key, 0.0), 3)
        main_language = max(speech_per_language, key=speech_per_language.__getitem__) if speech_per_language else None
        return TranscriptResult(
            engine=self.name,
            model_name=self.model_name,
            model_checksum=self.model_checksum,
            language=language or main_language,
            segments=segments,
            settings={**self.settings(), "language": language},
            timings=timings,
        )


def _timed(iterable: Iterable[np.ndarray], timings: dict[str, float], key: str) -> Iterator[np.ndarray]:
    iterator = iter(iterable)
    while True:
        t0 = time.perf_counter()
        try:
            item = next(iterator)
        except StopIteration:
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - t0
            return
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - t0
        yield item
