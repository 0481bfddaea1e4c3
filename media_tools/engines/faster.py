"""faster-whisper (CTranslate2) backend: the default engine, int8 on CPU.

Per window we compute the log-mel features and run the encoder once, use that
encoder output both for language detection and for decoding (faster-whisper's
own ``transcribe`` would encode the first window twice when detecting the
language), then let faster-whisper's ``generate_segments`` do beam search,
temperature fallback and word alignment.

Where CTranslate2 computes with oneDNN (every CPU but Intel's), the model is loaded as two replicas of half the
threads each. There, beam search on a base model barely gains from a second core (on a 2-core AMD EPYC one thread
decoded a window faster than two), while the encoder does; so while one replica decodes a window, the other encodes
the next and tells its language (:meth:`Engine._prefetch`). On that machine this cut the transcription of
bench/transcribe.py's 65 s from about 6.7 s to 5.3 s, with the same text. On Intel CPUs CTranslate2 uses Intel MKL,
whose decoding does gain from the second core: there the same split was 5-10 % slower (two cores of an Intel Xeon,
model 207; with batched reading, on model 167, bench/transcribe.py's speedup was 8.7-8.9x with one model and 6.7x
with two), so one model keeps all the threads. See :func:`default_replicas`.

Where no context is carried from one window to the next (the default), windows are also read side by side: the
first beam-search reading of up to ``BATCH_WINDOWS`` windows is one batched decoder call
(:meth:`FasterWhisperEngine._read_ahead`), and faster-whisper's own loop then takes each window's reading from that
batch (:class:`_BatchedModel`): temperature fallback, the rest of a window the first reading did not reach, word
timings and the silence checks run as for a window read alone, and the text is the same. A batch keeps the matrix
library busy where one beam of five leaves it idle: on 13.5 minutes of real Russian (bench/quality.py's ru-3, 2-core
AMD EPYC) RTF went from 0.080 to 0.053 with two replicas, and from 0.115 to 0.060 with one (the Intel layout).

``generate_segments``/``TranscriptionOptions`` are faster-whisper internals;
they are used as of faster-whisper 1.2.1 (pin it) and covered by the tests.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from media_tools.guards import segment_confidence

from .base import Engine, Prompt, Segment, WindowResult, Word, default_threads, pick_language

#: How many windows' first readings one batched decoder call makes (when no context is carried between windows).
BATCH_WINDOWS = 4

#: Whisper reads at most this many prompt tokens (half its 448-token context, less the start token).
MAX_PROMPT_TOKENS = 223

#: Decoding settings. Context as plain faster-whisper reads it within a window: the decoder's own tokens of what
#: came before, dropped after a high-temperature fallback. Across windows only with ``carry_context`` (see
#: ``FasterWhisperEngine._prompt``; off by default, so windows are read side by side), and then dropped whenever
#: the guards acted or the window was unsure, so a wrong window cannot poison the next. Anti-hallucination:
#: compression-ratio / log-prob / no-speech thresholds with temperature fallback, silent stretches around a likely
#: hallucination skipped (``hallucination_silence_threshold``, needs word timestamps), plus VAD upstream and
#: :mod:`media_tools.guards` downstream.
DEFAULT_DECODE_OPTIONS: dict[str, Any] = {
    "beam_size": 5,
    "best_of": 5,
    "patience": 1.0,
    "length_penalty": 1.0,
    "repetition_penalty": 1.0,
    "no_repeat_ngram_size": 0,
    "log_prob_threshold": -1.0,
    "no_speech_threshold": 0.6,
    "compression_ratio_threshold": 2.4,
    "condition_on_previous_text": True,
    "prompt_reset_on_temperature": 0.5,
    # Fewer fallback steps than faster-whisper's six: each step re-decodes the window
    # best_of times, which on 2 CPU cores makes a badly recognised window very slow.
    "temperatures": [0.0, 0.4, 0.8],
    "initial_prompt": None,
    "prefix": None,
    "suppress_blank": True,
    "suppress_tokens": [-1],
    "without_timestamps": False,
    "max_initial_timestamp": 1.0,
    "prepend_punctuations": "\"'“¿([{-",
    "append_punctuations": "\"'.。,，!！?？:：”)]}、",
    "multilingual": False,
    "max_new_tokens": None,
    "clip_timestamps": "0",
    "hallucination_silence_threshold": 2.0,
    "hotwords": None,
}


def ctranslate2_uses_mkl(cpu_vendor: str | None = None, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether CTranslate2 multiplies with Intel MKL here: by default on Intel CPUs only (``CT2_USE_MKL`` decides
    when it is set), else with oneDNN."""
    forced = environ.get("CT2_USE_MKL", "").strip().lower()
    if forced:
        return forced in ("1", "true", "yes", "on")
    return (cpu_vendor if cpu_vendor is not None else _cpu_vendor()) == "GenuineIntel"


def default_replicas(cpu_threads: int, uses_mkl: bool | None = None) -> int:
    """Two model replicas (one decodes, the other encodes ahead) with two threads or more, unless CTranslate2 uses
    Intel MKL, whose decoder uses the second core well by itself (see the module docstring)."""
    if uses_mkl is None:
        uses_mkl = ctranslate2_uses_mkl()
    return 2 if cpu_threads >= 2 and not uses_mkl else 1


def _cpu_vendor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def _scored(result: Any, tokenizer: Any, options: Any) -> tuple[Any, float, float, float]:
    """A beam-search reading (temperature 0) as faster-whisper's ``generate_with_fallback`` scores it: (result, mean
    log-probability, temperature, compression ratio)."""
    from faster_whisper.transcribe import get_compression_ratio  # noqa: PLC0415  (heavy, optional)

    tokens = result.sequences_ids[0]
    avg_logprob = result.scores[0] * (len(tokens) ** options.length_penalty) / (len(tokens) + 1)
    return result, avg_logprob, 0.0, get_compression_ratio(tokenizer.decode(tokens).strip())


def _needs_fallback(scored: tuple[Any, float, float, float], options: Any) -> bool:
    """faster-whisper's test for reading a window again at a higher temperature (too repetitive, or too unsure, unless
    it is silence)."""
    result, avg_logprob, _temperature, compression_ratio = scored
    unsure = options.log_prob_threshold is not None and avg_logprob < options.log_prob_threshold
    if options.no_speech_threshold is not None and result.no_speech_prob > options.no_speech_threshold and unsure:
        return False
    repetitive = (
        options.compression_ratio_threshold is not None and compression_ratio > options.compression_ratio_threshold
    )
    return repetitive or unsure


def _batched_model() -> type:
    """``WhisperModel`` that takes a window's first reading from a batch read beforehand (made on first use: the
    faster_whisper import is heavy)."""
    global _BatchedModelClass
    if _BatchedModelClass is not None:
        return _BatchedModelClass
    from faster_whisper import WhisperModel  # noqa: PLC0415  (heavy, optional)

    class _BatchedModel(WhisperModel):
        """faster-whisper's model; ``first_readings`` (per thread) maps an encoder output to the prompt and the
        beam-search reading that a batch made of it.

        Overrides ``generate_with_fallback`` (faster-whisper 1.2.1), which ``generate_segments`` calls for each 30 s
        it decodes: for a window read in a batch, its first step (beam search at temperature 0) is that reading,
        and the fallback to higher temperatures chooses among the same candidates as faster-whisper's.
        """

        def generate_with_fallback(self, encoder_output: Any, prompt: list[int], tokenizer: Any, options: Any) -> Any:
            ready = self.first_readings.__dict__.get("value", {}).pop(id(encoder_output), None)
            if ready is None or ready[0] is not encoder_output or ready[1] != prompt or options.temperatures[0] != 0:
                return super().generate_with_fallback(encoder_output, prompt, tokenizer, options)
            first = _scored(ready[2], tokenizer, options)
            later_temperatures = list(options.temperatures[1:])
            if not _needs_fallback(first, options) or not later_temperatures:
                return first
            later = super().generate_with_fallback(
                encoder_output, prompt, tokenizer, replace(options, temperatures=later_temperatures)
            )
            if not _needs_fallback(later, options):
                return later
            # Every temperature failed: the best of all readings, as faster-whisper picks it.
            threshold = options.compression_ratio_threshold
            below = [c for c in (first, later) if threshold is None or c[3] <= threshold]
            best = max(below or [first, later], key=lambda c: c[1])
            return best[0], best[1], later[2], best[3]

    _BatchedModelClass = _BatchedModel
    return _BatchedModelClass


_BatchedModelClass: type | None = None


@dataclass
class _Encoded:
    """One piece of audio as the decoder reads it: its log-mel features and the encoder's output (CTranslate2
    StorageView), with the languages it sounds like once they were asked for."""

    features: np.ndarray
    output: Any
    languages: list[tuple[str, float]] | None = None


class FasterWhisperEngine(Engine):
    name = "faster"

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        compute_type: str = "int8",
        cpu_threads: int | None = None,
        replicas: int | None = None,
        batch_windows: int = BATCH_WINDOWS,
        decode_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(model_path, **kwargs)
        self.compute_type = compute_type
        self.cpu_threads = int(cpu_threads or default_threads())
        self.replicas = int(replicas or default_replicas(self.cpu_threads))
        self.decode_options = {**DEFAULT_DECODE_OPTIONS, **(decode_options or {})}
        self.decode_options["word_timestamps"] = self.word_timestamps
        t0 = time.perf_counter()
        # local_files_only: a path never triggers a hub download anyway; this makes sure.
        self.batch_windows = max(1, int(batch_windows))
        self.model = _batched_model()(
            str(self.model_path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=self.cpu_threads // self.replicas,
            num_workers=self.replicas,
            local_files_only=True,
        )
        self.model.first_readings = threading.local()  # encoder output id -> (it, prompt, reading), per thread
        self.load_seconds = time.perf_counter() - t0
        # Audio encoded for language detection, kept until it is decoded, so both share one encoder run; and
        # audio being encoded ahead on the other replica (a Future), until it is asked for.
        self._encoded = threading.local()
        self._ahead = threading.local()
        self._executor: ThreadPoolExecutor | None = None
        self._executor_pid = 0
        # The decoder's tokens of the segments it returned last, for the next window's prompt (see _prompt).
        self._tokens = threading.local()

    @property
    def multilingual(self) -> bool:
        return bool(self.model.model.is_multilingual)

    def _encode(self, audio: np.ndarray, cache: bool = True) -> _Encoded:
        kept = getattr(self._encoded, "value", None)
        if kept is None:
            kept = self._encoded.value = {}
        hit = kept.get(id(audio))
        if hit is not None and hit[0] is audio:
            return hit[1]
        ahead = getattr(self._ahead, "value", {}).pop(id(audio), None)
        encoded = ahead[1].result() if ahead is not None and ahead[0] is audio else self._encoding(audio)
        if cache:
            kept[id(audio)] = (audio, encoded)
        return encoded

    def _encoding(self, audio: np.ndarray, languages: bool = False) -> _Encoded:
        """Log-mel features of ``audio``, the encoder's output for its first 30 s and, with ``languages``, the
        languages it sounds like. Safe to call from another thread: it touches no per-thread state."""
        from faster_whisper.audio import pad_or_trim  # noqa: PLC0415  (heavy, optional)

        model = self.model
        features = model.feature_extractor(audio)
        first = features[:, : min(model.feature_extractor.nb_max_frames, features.shape[-1] - 1)]
        encoded = _Encoded(features, model.encode(pad_or_trim(first)))
        if languages and self.multilingual:
            self._languages(encoded)
        return encoded

    def _prefetch(self, audio: np.ndarray) -> None:
        if self.replicas < 2:
            return
        ahead = self._encodings_ahead()
        if id(audio) in ahead or id(audio) in getattr(self._encoded, "value", {}):
            return
        if self._executor is None or self._executor_pid != os.getpid():  # a forked worker gets its own thread
            self._executor, self._executor_pid = ThreadPoolExecutor(1, thread_name_prefix="encode-ahead"), os.getpid()
        # The language too: it is asked for next, and it is a decoder step the other replica can take.
        future: Future[_Encoded] = self._executor.submit(self._encoding, audio, True)
        ahead[id(audio)] = (audio, future)

    def _encodings_ahead(self) -> dict[int, tuple[np.ndarray, Future[_Encoded]]]:
        """This thread's encodings made ahead of their use (by the other replica, or a batch), by ``id(audio)``."""
        ahead = getattr(self._ahead, "value", None)
        if ahead is None:
            ahead = self._ahead.value = {}
        return ahead

    def _group_size(self) -> int:
        # With context carried, each window's prompt waits for the window before it: nothing to read side by side.
        return 1 if self.carry_context else self.batch_windows

    def _read_ahead(self, audios: list[np.ndarray], language: str | None) -> None:
        """Read the first 30 s of each of ``audios`` (the windows about to be transcribed, in order) in one batched
        beam search, for ``_BatchedModel`` to take when each window is decoded; each window's encoding and language
        are kept for it too. ``language`` forces one, as in :meth:`Engine.transcribe`."""
        if len(audios) < 2:
            return
        model = self.model
        ahead = self._encodings_ahead()
        encodings, prompts = [], []
        for audio in audios:
            encoded = self._encode(audio, cache=False)  # encoded ahead on the other replica, or here
            done: Future[_Encoded] = Future()
            done.set_result(encoded)
            ahead[id(audio)] = (audio, done)  # for the window's own language detection and decoding
            _language, _probability, tokenizer, options = self._reader(encoded, language)
            prompts.append(
                model.get_prompt(tokenizer, [], options.without_timestamps, options.prefix, options.hotwords)
            )
            encodings.append(encoded)
        import ctranslate2  # noqa: PLC0415  (heavy, optional)

        batch = ctranslate2.StorageView.from_array(np.concatenate([np.asarray(e.output) for e in encodings]))
        results = model.model.generate(
            batch,
            prompts,
            beam_size=options.beam_size,
            patience=options.patience,
            length_penalty=options.length_penalty,
            repetition_penalty=options.repetition_penalty,
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            max_length=model.max_length,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=options.suppress_blank,
            suppress_tokens=options.suppress_tokens,
            max_initial_timestamp_index=int(round(options.max_initial_timestamp / model.time_precision)),
        )
        readings = model.first_readings.__dict__.setdefault("value", {})
        for encoded, prompt, result in zip(encodings, prompts, results, strict=True):
            readings[id(encoded.output)] = (encoded.output, prompt, result)

    def _detect_language(self, audio: np.ndarray, cache: bool = True) -> list[tuple[str, float]]:
        return self._languages(self._encode(audio, cache=cache))

    def _languages(self, encoded: _Encoded) -> list[tuple[str, float]]:
        """The languages ``encoded`` sounds like, told once (the replica encoding ahead may have told them)."""
        if encoded.languages is None:
            encoded.languages = self._detect_language_from(encoded.output)
        return encoded.languages

    def backend_settings(self) -> dict[str, Any]:
        return {
            "device": "cpu",
            "compute_type": self.compute_type,
            "cpu_threads": self.cpu_threads,
            "replicas": self.replicas,
            "batch_windows": self._group_size(),
            **self.decode_options,
        }

    def _options(self, tokenizer: Any) -> Any:
        from faster_whisper.transcribe import (  # noqa: PLC0415  (heavy, optional)
            TranscriptionOptions,
            get_suppressed_tokens,
        )

        opts = dict(self.decode_options)
        opts["temperatures"] = list(opts["temperatures"])
        opts["suppress_tokens"] = (
            get_suppressed_tokens(tokenizer, list(opts["suppress_tokens"])) if opts["suppress_tokens"] else []
        )
        names = {f.name for f in fields(TranscriptionOptions)}
        unknown = set(opts) - names
        if unknown:
            raise TypeError(f"unknown faster-whisper options: {sorted(unknown)}")
        return TranscriptionOptions(**opts)

    def _reader(self, encoded: _Encoded, language: str | None) -> tuple[str, float | None, Any, Any]:
        """The language a window is read in (``language``, or the likeliest candidate), its probability when told
        here, and the tokenizer and faster-whisper options to read it with."""
        from faster_whisper.tokenizer import Tokenizer  # noqa: PLC0415  (heavy, optional)

        probability: float | None = None
        if not self.multilingual:
            language, probability = "en", 1.0
        elif language is None:
            language, probability = pick_language(self._languages(encoded), self.candidate_languages)
        tokenizer = Tokenizer(self.model.hf_tokenizer, self.multilingual, task="transcribe", language=language)
        return language, probability, tokenizer, self._options(tokenizer)

    def _transcribe_window(self, audio: np.ndarray, language: str | None, prompt: Prompt | None = None) -> WindowResult:
        model = self.model
        encoded = self._encode(audio)
        getattr(self._encoded, "value", {}).pop(id(audio), None)  # decoding is its last use
        features, encoder_output = encoded.features, encoded.output
        language, language_probability, tokenizer, options = self._reader(encoded, language)
        if prompt:
            options = replace(options, initial_prompt=prompt)
        segments = []
        kept = self._kept_tokens()
        if len(kept) > 1000:  # decoded outside transcribe() (the editor's "again"), never asked for a prompt
            kept.clear()
        for seg in model.generate_segments(features, tokenizer, options, False, encoder_output):
            words = [Word(w.start, w.end, w.word, float(w.probability)) for w in (seg.words or [])]
            confidence = segment_confidence(seg.avg_logprob, seg.no_speech_prob) or 0.0
            if not seg.text.strip():
                continue
            segment = Segment(
                start=float(seg.start),
                end=float(seg.end),
                text=seg.text.strip(),
                language=language,
                confidence=confidence,
                words=words,
                language_probability=language_probability,
                avg_logprob=float(seg.avg_logprob),
                no_speech_prob=float(seg.no_speech_prob),
            )
            kept[id(segment)] = (segment, segment.text, list(seg.tokens))
            segments.append(segment)
        return WindowResult(language=language, language_probability=language_probability, segments=segments)

    def _kept_tokens(self) -> dict[int, tuple[Segment, str, list[int]]]:
        kept = getattr(self._tokens, "value", None)
        if kept is None:
            kept = self._tokens.value = {}
        return kept

    def _prompt(self, segments: list[Segment]) -> Prompt | None:
        """The decoder's own tokens of the previous window's last segments, timestamp tokens included.

        This is what faster-whisper's ``condition_on_previous_text`` gives the next 30 s (a text prompt does harm,
        see :meth:`Engine._prompt`). Segments whose text a guard changed, or that were cut
        apart by a per-chunk language redo, have no tokens of their own; the prompt then starts after them.
        """
        kept = self._kept_tokens()
        tokens: list[int] = []
        for seg in reversed(segments):
            hit = kept.get(id(seg))
            if hit is None or hit[0] is not seg or hit[1] != seg.text:
                break
            tokens = hit[2] + tokens
            if len(tokens) >= MAX_PROMPT_TOKENS:
                break
        return tokens[-MAX_PROMPT_TOKENS:] or None

    def _context_from(self, segments: list[Segment], events: list[dict[str, Any]]) -> tuple[str, Prompt] | None:
        try:
            return super()._context_from(segments, events)
        finally:
            self._kept_tokens().clear()  # asked once per window: nothing older is needed again

    def _forget_encodings(self, prefetched: bool = False) -> None:
        self._encoded.value = {}
        if prefetched:
            self.model.first_readings.value = {}
            for _audio, future in getattr(self._ahead, "value", {}).values():
                future.cancel()
            self._ahead.value = {}

    def _detect_language_from(self, encoder_output: Any) -> list[tuple[str, float]]:
        ranked = self.model.model.detect_language(encoder_output)[0]
        return [(token[2:-2], float(prob)) for token, prob in ranked]
