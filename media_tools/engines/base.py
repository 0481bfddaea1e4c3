"""Engine interface and the shared speech-window pipeline.

Both backends (faster-whisper and openai-whisper) go through the same steps so
that their results are comparable and both get the same protections:

1. audio is decoded in blocks (hours-long interviews never sit in memory whole);
2. digital silence is skipped and Silero VAD (shipped in faster-whisper, ONNX,
   offline) keeps only speech, so Whisper never sees long silences, which is
   where it invents text ("Thank you for watching");
3. speech chunks are grouped into windows of at most ``window_seconds`` of speech, each followed by a
   little of the pause after its last chunk (``WINDOW_TAIL_SECONDS``, so its last words are not read as silence);
   each window gets its own language detection (unless a language is forced),
   so a Kazakh/Russian code-switching interview is not forced into one language;
4. when a window is not clearly one language (or is Kazakh/Russian, which speakers mix), the language is decided
   again for each speech chunk in it (sentence-sized, cut at pauses), and runs of chunks in one language are
   decoded with that language forced;
5. window-relative timestamps are mapped back onto the original recording;
6. :mod:`media_tools.guards` drops segments that are only an invented caption or a loop (recording each drop),
   speech the VAD found but no segment covers is decoded once more on its own, and what still has no text
   becomes a visible ``gap`` segment that a person can fill in the editor.

Backends implement :meth:`Engine._transcribe_window` and :meth:`Engine._detect_language`.
"""

from __future__ import annotations

import bisect
import json
import os
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from media_tools.audio import iter_audio_blocks, probe_duration
from media_tools.guards import LOW_CONFIDENCE, MIN_GAP_SECONDS, guard_segments, mean_confidence, uncovered
from media_tools.weights import model_checksum

SAMPLE_RATE = 16000

#: Silero VAD settings on top of faster-whisper's defaults. A pause of 0.5 s (not
#: 2 s) ends a speech chunk, so windows are built from whole sentences; with 2 s,
#: continuous talk is only cut at the 30 s limit, often mid-word, which measurably
#: raised WER in bench/transcribe.py (0.042 -> 0.010).
DEFAULT_VAD_OPTIONS: dict[str, Any] = {"min_silence_duration_ms": 500}

#: Chunks shorter than this take their neighbours' language (too little audio to tell).
CHUNK_LANGUAGE_MIN_SECONDS = 1.0
#: A chunk moves to another language than its window's only with at least this share.
CHUNK_LANGUAGE_SURE = 0.6
#: A chunk whose words were decoded with a mean probability below this is asked for its own language.
CHUNK_SUSPECT_PROBABILITY = 0.6
#: Uncovered speech at least this long is decoded once more on its own before it is shown as a gap: every gap the
#: editor shows (``MIN_GAP_SECONDS``). With 2 s, a window's short last chunk the first reading never reached ("ten of
#: clubs", 1.6 s, in bench/quality.py) became a gap at once; read on its own it was there.
RETRY_GAP_SECONDS = MIN_GAP_SECONDS
#: Each window's audio ends with up to this much of the recording after its last chunk (the pause the VAD ended the
#: chunk on). Cut off right after speech, followed by the digital silence Whisper pads its 30 s with, a sentence's
#: last words were read as a segment's end and then as silence ("... more respectable than [he was]" in
#: bench/quality.py on an Intel Xeon): lost, and too short to show as a gap.
WINDOW_TAIL_SECONDS = 0.5

#: A decoder prompt: text, or the decoder's own token ids (with their timestamp tokens).
Prompt = str | list[int]

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
    kind: str = "speech"  # "speech", or "gap": speech the VAD found that has no text (yet)


@dataclass
class TranscriptResult:
    engine: str
    model_name: str
    model_checksum: str
    language: str | None  # the language covering most speech, None when nothing was said
    segments: list[Segment]
    settings: dict[str, Any]
    timings: dict[str, float]
    guard_events: list[dict[str, Any]] = field(default_factory=list)  # what the guards removed, and where
    speech_seconds: float = 0.0  # speech found by the VAD

    @property
    def confidence(self) -> float | None:
        return mean_confidence(self.segments)

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
    audio: np.ndarray  # concatenated speech, then ``tail``; float32 mono 16 kHz
    chunks: list[tuple[int, int]]  # absolute sample ranges of speech in the recording, in order
    consumed: int  # absolute sample up to which the recording has been handled
    tail: int = 0  # samples of the recording after the last chunk at the end of ``audio`` (see WINDOW_TAIL_SECONDS)

    @property
    def read(self) -> list[tuple[int, int]]:
        """What ``audio`` holds, as ranges of the recording: the chunks, the last one with its tail."""
        if not self.tail:
            return self.chunks
        start, end = self.chunks[-1]
        return [*self.chunks[:-1], (start, end + self.tail)]

    @property
    def speech_seconds(self) -> float:
        return sum(e - s for s, e in self.chunks) / SAMPLE_RATE


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
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # noqa: PLC0415  (heavy, optional)

    options = VadOptions(**_vad_kwargs(window_seconds, vad_options))
    window_samples = int(window_seconds * SAMPLE_RATE)
    carry_samples = int(carry_seconds * SAMPLE_RATE)
    tail_samples = int(WINDOW_TAIL_SECONDS * SAMPLE_RATE)
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
            speech = sum(c["end"] - c["start"] for c in group)
            end = group[-1]["end"]
            # The tail never reaches into speech: not the next chunk, nor what is carried to the next block.
            after = next((c["start"] for c in chunks if c["start"] >= end), cut)
            tail = max(0, min(tail_samples, window_samples - speech, after - end)) if vad else 0
            audio = np.concatenate([buffer[c["start"] : c["end"]] for c in group] + [buffer[end : end + tail]])
            yield SpeechWindow(
                audio=audio,
                chunks=[(buffer_start + c["start"], buffer_start + c["end"]) for c in group],
                consumed=buffer_start + end,
                tail=tail,
            )
        yield SpeechWindow(audio=np.zeros(0, dtype=np.float32), chunks=[], consumed=buffer_start + cut)
        buffer = buffer[cut:]
        buffer_start += cut
        block = following


def _vad_kwargs(window_seconds: float, vad_options: dict[str, Any] | None) -> dict[str, Any]:
    return {"max_speech_duration_s": max(window_seconds, 1.0), **DEFAULT_VAD_OPTIONS, **(vad_options or {})}


def _group_chunks(chunks: list[dict[str, int]], window_samples: int) -> Iterator[list[dict[str, int]]]:
    """Chunks into windows of at most ``window_samples`` of speech, each ending at the longest pause it can.

    Packing greedily would end windows mid-sentence (people pause at commas too), and Whisper reads a
    sentence better whole; so a full window is closed before the chunk with the longest pause ahead of it in
    its second half, and the chunks after that start the next window.
    """
    group: list[dict[str, int]] = []
    for chunk in chunks:
        length = chunk["end"] - chunk["start"]
        total = sum(c["end"] - c["start"] for c in group)
        if group and total + length > window_samples:
            cut, best, running = len(group), -1, 0
            for i in range(1, len(group)):
                running += group[i - 1]["end"] - group[i - 1]["start"]
                pause = group[i]["start"] - group[i - 1]["end"]
                if running >= window_samples // 2 and pause > best:
                    cut, best = i, pause
            yield group[:cut]
            group = group[cut:]
            if group and sum(c["end"] - c["start"] for c in group) + length > window_samples:
                yield group
                group = []
        group.append(chunk)
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
        segment_language: bool = True,
        guards: bool = True,
        carry_context: bool = False,
    ) -> None:
        self.model_path = Path(model_path)
        self.vad = vad
        self.vad_options = dict(vad_options or {})
        self.window_seconds = float(window_seconds)
        self.block_seconds = float(block_seconds)
        self.candidate_languages = tuple(candidate_languages) if candidate_languages else None
        self.word_timestamps = word_timestamps
        self.segment_language = segment_language
        self.guards = guards
        self.carry_context = carry_context
        self.model_checksum = model_checksum(self.model_path)
        self.model_name = self._model_name()
        self.load_seconds = 0.0

    def _model_name(self) -> str:
        folder = self.model_path if self.model_path.is_dir() else self.model_path.parent
        try:
            stamp = json.loads((folder / ".installed.json").read_text())
            if stamp.get("model"):
                return str(stamp["model"])
        except (OSError, ValueError):
            pass
        return self.model_path.stem if self.model_path.is_file() else self.model_path.name

    @abstractmethod
    def _transcribe_window(self, audio: np.ndarray, language: str | None, prompt: Prompt | None = None) -> WindowResult:
        """Transcribe one window (<= ~30 s of speech); times relative to ``audio``."""

    def _prompt(self, segments: list[Segment]) -> Prompt | None:
        """The decoder's own tokens of ``segments`` (the previous window's last sure ones) for the next window.

        None here: a backend that keeps its tokens gives them (see faster.py). Their text alone is no substitute:
        a prompt without timestamp tokens made Whisper base write the next window as one long segment and then
        invent a phrase in its trailing pause ("Спасибо.", "Я не знаю, что это"), worse than no context at all
        in bench/quality.py.
        """
        return None

    @property
    def multilingual(self) -> bool:
        return True

    def backend_settings(self) -> dict[str, Any]:
        return {}

    # ----------------------------------------------------------------- language per chunk

    def _pick(self, ranked: list[tuple[str, float]]) -> tuple[str, float, float]:
        """(language, probability, share among the candidates)."""
        language, probability = pick_language(ranked, self.candidate_languages)
        allowed = set(self.candidate_languages) if self.candidate_languages else None
        total = sum(p for lang, p in ranked if allowed is None or lang in allowed) or 1.0
        return language, probability, probability / total

    def _forget_encodings(self, prefetched: bool = False) -> None:
        """Drop encoder outputs a backend kept between language detection and decoding (and, with ``prefetched``,
        those it is computing ahead: see :meth:`_prefetch`)."""
        return None

    def _prefetch(self, audio: np.ndarray) -> None:
        """Start the encoder on ``audio`` in the background, to be used when it is asked for.

        A no-op here. The faster-whisper backend encodes the next window while the decoder works on this one: beam
        search barely gains from a second core, the encoder does (see faster.py).
        """
        return None

    def _group_size(self) -> int:
        """How many windows :meth:`_read_ahead` is given at once; 1: it is not asked."""
        return 1

    def _read_ahead(self, audios: list[np.ndarray], language: str | None) -> None:
        """Prepare the windows about to be transcribed, all at once (a no-op here; see faster.py, which reads them
        in one batched beam search)."""
        return None

    def _decode(
        self, audio: np.ndarray, chunks: list[tuple[int, int]], language: str | None, prompt: Prompt | None = None
    ) -> list[Segment]:
        result = (
            self._transcribe_window(audio, language, prompt) if prompt else self._transcribe_window(audio, language)
        )
        segments = _restore_times(result.segments, chunks)
        for seg in segments:
            seg.language = seg.language or language or result.language
            if seg.language_probability is None:
                seg.language_probability = result.language_probability
        return segments

    def _transcribe_speech(
        self, window: SpeechWindow, forced: str | None, context: tuple[str, Prompt] | None = None
    ) -> tuple[list[Segment], dict[str, float]]:
        """Decode a window; returns segments in recording time and seconds of speech per language.

        Whisper detects one language per window, and over a whole window one language dominates (a Russian
        sentence beside an English one can come out 98% English). Asking every chunk on its own would cost an
        encoder pass per chunk, so the window is decoded in its language first, and only the chunks whose words
        came out unsure (a chunk decoded in the wrong language does) are asked again; a chunk that is clearly in
        another language is decoded again in it.

        ``context`` is (language, prompt) of what the previous window said, given to the decoder as a prompt when
        the language is the same (as ``condition_on_previous_text`` does), with ``carry_context``. It is off by
        default: on the whole of bench/quality.py it changed no WER (Russian 0.1639 with and without, English 0.0510
        and 0.0509), while it makes every window wait for the one before; without it, windows are read side by side
        (see ``_read_ahead``): 34 % less time with two model replicas, 48 % with one, on 13.5 min of real Russian.
        """
        chunks = window.read  # as the audio holds them: the last chunk with its tail
        seconds = [(e - s) / SAMPLE_RATE for s, e in window.chunks]  # of speech

        def prompt_for(language: str | None) -> Prompt | None:
            return context[1] if context and language and context[0] == language else None

        if forced or not self.multilingual:
            segments = self._decode(window.audio, chunks, forced, prompt_for(forced))
            language = forced or (segments[0].language if segments else None)
            return segments, ({language: sum(seconds)} if language else {})
        language, probability, _share = self._pick(self._detect_language(window.audio))
        segments = self._decode(window.audio, chunks, language, prompt_for(language))
        for seg in segments:
            seg.language, seg.language_probability = language, probability
        languages = [language] * len(chunks)
        if self.segment_language and len(chunks) > 1:
            offsets = np.cumsum([0] + [e - s for s, e in chunks])
            means = _chunk_word_probability(segments, chunks)
            suspects = [
                i
                for i, mean in enumerate(means)
                if seconds[i] >= CHUNK_LANGUAGE_MIN_SECONDS and (mean is None or mean < CHUNK_SUSPECT_PROBABILITY)
            ]
            pieces = {i: window.audio[offsets[i] : offsets[i + 1]] for i in suspects}
            for i in suspects[1:]:  # asked one after another below: encoded ahead, while the one before is decoded
                self._prefetch(pieces[i])
            for i in suspects:
                start, end = chunks[i]
                piece = pieces[i]
                other, other_probability, share = self._pick(self._detect_language(piece))
                if other != language and share >= CHUNK_LANGUAGE_SURE:
                    languages[i] = other
                    redo = self._decode(piece, [(start, end)], other)
                    for seg in redo:
                        seg.language, seg.language_probability = other, other_probability
                    segments = _replace_span(segments, start / SAMPLE_RATE, end / SAMPLE_RATE, redo)
        self._forget_encodings()
        per_language: dict[str, float] = {}
        for lang, length in zip(languages, seconds, strict=True):
            per_language[lang] = per_language.get(lang, 0.0) + length
        return segments, per_language

    def _context_from(self, segments: list[Segment], events: list[dict[str, Any]]) -> tuple[str, Prompt] | None:
        """What the next window may read as context: only text the guards had nothing to say about, read with
        confidence, so a loop or an invented caption can never be carried forward.

        Confidence is judged over the window (duration-weighted), not per segment: a short last segment
        ("губами.") often scores low on its own, and dropping the context for it measurably cost words (names
        spelt one way, then another) in bench/quality.py.
        """
        spoken = [s for s in segments if s.text.strip() and s.kind == "speech"]
        if events or not spoken or (mean_confidence(spoken) or 0.0) < LOW_CONFIDENCE:
            return None
        language = spoken[-1].language
        if not language:
            return None
        prompt = self._prompt([s for s in spoken if s.language == language])
        return (language, prompt) if prompt else None

    def _fill_gaps(self, window: SpeechWindow, segments: list[Segment], forced: str | None) -> tuple[list, list]:
        """Decode uncovered speech once more on its own; what still has no text becomes a gap segment."""
        events: list[dict[str, Any]] = []
        offset = 0
        for start, end in window.chunks:
            length = end - start
            speech = [(start / SAMPLE_RATE, end / SAMPLE_RATE)]
            holes = uncovered(speech, [(s.start, s.end) for s in segments])
            for h_start, h_end in holes:
                if h_end - h_start < RETRY_GAP_SECONDS:
                    continue
                a = offset + int((h_start - start / SAMPLE_RATE) * SAMPLE_RATE)
                b = offset + int((h_end - start / SAMPLE_RATE) * SAMPLE_RATE)
                language = forced or _nearest_language(segments, h_start)
                result = self._transcribe_window(window.audio[a:b], language)
                new = _restore_times(result.segments, [(start + a - offset, start + b - offset)])
                for seg in new:
                    seg.language = seg.language or language or result.language
                    seg.language_probability = seg.language_probability or result.language_probability
                    seg.start, seg.end = max(seg.start, h_start), min(max(seg.end, seg.start), h_end)
                if self.guards:
                    before = [s.text for s in segments if s.text.strip() and s.end <= h_start + 0.5]
                    guarded = guard_segments(new, earlier=before)
                    events += [e.to_dict() for e in guarded.events]
                    new = guarded.kept
                segments.extend(s for s in new if s.text.strip())
            offset += length
        segments.sort(key=lambda s: s.start)
        speech = [(s / SAMPLE_RATE, e / SAMPLE_RATE) for s, e in window.chunks]
        for h_start, h_end in uncovered(speech, [(s.start, s.end) for s in segments]):
            segments.append(
                Segment(
                    start=h_start,
                    end=h_end,
                    text="",
                    language=forced or _nearest_language(segments, h_start),
                    confidence=0.0,
                    kind="gap",
                )
            )
        segments.sort(key=lambda s: s.start)
        return segments, events

    def settings(self) -> dict[str, Any]:
        from faster_whisper.vad import VadOptions  # noqa: PLC0415  (heavy, optional)

        vad = asdict(VadOptions(**_vad_kwargs(self.window_seconds, self.vad_options)))
        return {
            "engine": self.name,
            "vad": self.vad,
            "vad_options": vad if self.vad else None,
            "window_seconds": self.window_seconds,
            "block_seconds": self.block_seconds,
            "candidate_languages": list(self.candidate_languages) if self.candidate_languages else None,
            "word_timestamps": self.word_timestamps,
            "segment_language": self.segment_language,
            "guards": self.guards,
            "carry_context": self.carry_context,
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

        def read_ahead(audios: list[np.ndarray]) -> None:
            t0 = time.perf_counter()
            self._read_ahead(audios, language)
            timings["asr_s"] += time.perf_counter() - t0

        windows = _in_groups(
            iter_speech_windows(
                blocks,
                vad=self.vad,
                vad_options=self.vad_options,
                window_seconds=self.window_seconds,
                timings=timings,
            ),
            self._group_size(),
            self._prefetch,
            read_ahead,
        )
        guard_events: list[dict[str, Any]] = []
        speech_seconds = 0.0
        context: tuple[str, Prompt] | None = None
        said: list[str] = []  # the last window's text, so a repeat of it across the window's edge is found
        try:
            for window in windows:
                new: list[Segment] = []
                if window.chunks:
                    t0 = time.perf_counter()
                    new, per_language = self._transcribe_speech(
                        window, language, context if self.carry_context else None
                    )
                    events: list[dict[str, Any]] = []
                    if self.guards:
                        guarded = guard_segments(new, earlier=said)
                        new = guarded.kept
                        events = [e.to_dict() for e in guarded.events]
                        new, more = self._fill_gaps(window, new, language)
                        events += more
                        guard_events += events
                    context = self._context_from(new, events)
                    said = [s.text for s in new if s.text.strip()] or said
                    timings["asr_s"] += time.perf_counter() - t0
                    speech_seconds += window.speech_seconds
                    last_start = _make_monotonic(new, last_start)
                    segments.extend(new)
                    for lang, seconds in per_language.items():
                        speech_per_language[lang] = speech_per_language.get(lang, 0.0) + seconds
                consumed = max(consumed, window.consumed)
                if on_progress is not None:
                    total = max(total_samples or 0, consumed, 1)
                    fraction = min(consumed / total, 0.999)
                    if on_progress(fraction, new) is False:
                        raise Cancelled(fraction, segments)
        finally:
            self._forget_encodings(prefetched=True)  # a cancelled or failed run's encodings ahead

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
            guard_events=guard_events,
            speech_seconds=round(speech_seconds, 3),
        )


def _chunk_word_probability(segments: list[Segment], chunks: list[tuple[int, int]]) -> list[float | None]:
    """Mean word probability per chunk (None: no word there), from word timestamps in recording time."""
    sums = [0.0] * len(chunks)
    counts = [0] * len(chunks)
    bounds = [(s / SAMPLE_RATE, e / SAMPLE_RATE) for s, e in chunks]
    for seg in segments:
        for word in seg.words:
            middle = (word.start + word.end) / 2
            for i, (start, end) in enumerate(bounds):
                if start - 0.05 <= middle <= end + 0.05:
                    sums[i] += word.probability
                    counts[i] += 1
                    break
    return [sums[i] / counts[i] if counts[i] else None for i in range(len(chunks))]


def _replace_span(segments: list[Segment], start: float, end: float, new: list[Segment]) -> list[Segment]:
    """Put ``new`` in place of what was decoded between ``start`` and ``end``.

    A segment mostly inside the span (by its words' midpoints, or by its time when it has no words) goes whole:
    it is the span misheard, and a word of it whose time fell just outside (Whisper's word times drift across a
    chunk's edge) would otherwise stay behind as a stray segment in the wrong language. A segment mostly outside
    keeps its words outside the span (without words: all of it, its time cut back to the span's edge).
    """
    kept: list[Segment] = []
    for seg in segments:
        if seg.end <= start or seg.start >= end:
            kept.append(seg)
            continue
        if not seg.words:
            inside = min(seg.end, end) - max(seg.start, start)
            if inside * 2 > seg.end - seg.start:
                continue
            if seg.start < start and seg.end > end:  # spoken on both sides of the span: its time stays whole
                kept.append(seg)
            else:
                kept.append(replace(seg, end=start) if seg.start < start else replace(seg, start=end))
            continue
        outside = [w for w in seg.words if (w.start + w.end) / 2 < start or (w.start + w.end) / 2 > end]
        if len(outside) * 2 < len(seg.words):
            continue
        before = [w for w in outside if (w.start + w.end) / 2 < start]
        after = [w for w in outside if (w.start + w.end) / 2 > end]
        for words in (before, after):
            if words:
                kept.append(
                    Segment(
                        start=words[0].start,
                        end=words[-1].end,
                        text="".join(w.text for w in words).strip(),
                        language=seg.language,
                        confidence=seg.confidence,
                        words=words,
                        language_probability=seg.language_probability,
                        avg_logprob=seg.avg_logprob,
                        no_speech_prob=seg.no_speech_prob,
                    )
                )
    return sorted(kept + new, key=lambda s: s.start)


def _nearest_language(segments: list[Segment], t: float) -> str | None:
    spoken = [s for s in segments if s.language and s.text.strip()]
    if not spoken:
        return None
    return min(spoken, key=lambda s: min(abs(s.start - t), abs(s.end - t))).language


def transcribe_stretch_audio(engine: Engine, audio: np.ndarray, offset: float, language: str | None) -> list[Segment]:
    """Transcribe a stretch a person picked in the editor ("again, as Kazakh"): no VAD, guarded, recording times."""
    segments: list[Segment] = []
    window = int(engine.window_seconds * SAMPLE_RATE)
    for start in range(0, len(audio), window):
        piece = audio[start : start + window]
        if len(piece) < SAMPLE_RATE // 4:
            break
        result = engine._transcribe_window(piece, language)
        begin = offset + start / SAMPLE_RATE
        for seg in result.segments:
            seg.start, seg.end = round(begin + seg.start, 3), round(begin + seg.end, 3)
            for word in seg.words:
                word.start, word.end = round(begin + word.start, 3), round(begin + word.end, 3)
            seg.language = seg.language or result.language
        segments += result.segments
    return guard_segments(segments).kept if engine.guards else segments


def _in_groups(
    windows: Iterator[SpeechWindow],
    size: int,
    prefetch: Callable[[np.ndarray], None],
    read: Callable[[list[np.ndarray]], None],
) -> Iterator[SpeechWindow]:
    """Yield ``windows`` in order, in groups of ``size`` windows with speech: before a group is yielded, the next
    group's speech goes to ``prefetch`` (encoded while this group is decoded) and this group's to ``read``."""

    def group() -> list[SpeechWindow]:
        taken: list[SpeechWindow] = []
        while sum(1 for w in taken if w.chunks) < size:
            window = next(windows, None)
            if window is None:
                break
            taken.append(window)
        return taken

    current = group()
    for window in [w for w in current if w.chunks][1:]:  # the first group: all but its first encode alongside it
        prefetch(window.audio)
    while current:
        following = group()
        for window in following:
            if window.chunks:
                prefetch(window.audio)
        speech = [w.audio for w in current if w.chunks]
        if speech:
            read(speech)
        yield from current
        current = following


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
