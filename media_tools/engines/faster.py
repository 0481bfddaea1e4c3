"""faster-whisper (CTranslate2) backend: the default engine, int8 on CPU.

Per window we compute the log-mel features and run the encoder once, use that
encoder output both for language detection and for decoding (faster-whisper's
own ``transcribe`` would encode the first window twice when detecting the
language), then let faster-whisper's ``generate_segments`` do beam search,
temperature fallback and word alignment.

``generate_segments``/``TranscriptionOptions`` are faster-whisper internals;
they are used as of faster-whisper 1.2.1 (pin it) and covered by the tests.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import fields
from typing import Any

import numpy as np

from .base import Engine, Segment, WindowResult, Word, default_threads, pick_language

#: Decoding settings. Anti-hallucination: no conditioning on previous text (a
#: wrong window cannot poison the next), compression-ratio / log-prob / no-speech
#: thresholds with temperature fallback, plus VAD upstream.
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
    "condition_on_previous_text": False,
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
    "hallucination_silence_threshold": None,
    "hotwords": None,
}


class FasterWhisperEngine(Engine):
    name = "faster"

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        compute_type: str = "int8",
        cpu_threads: int | None = None,
        decode_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        from faster_whisper import WhisperModel

        super().__init__(model_path, **kwargs)
        self.compute_type = compute_type
        self.cpu_threads = int(cpu_threads or default_threads())
        self.decode_options = {**DEFAULT_DECODE_OPTIONS, **(decode_options or {})}
        self.decode_options["word_timestamps"] = self.word_timestamps
        t0 = time.perf_counter()
        # local_files_only: a path never triggers a hub download anyway; this makes sure.
        self.model = WhisperModel(
            str(self.model_path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=self.cpu_threads,
            num_workers=1,
            local_files_only=True,
        )
        self.load_seconds = time.perf_counter() - t0

    def backend_settings(self) -> dict[str, Any]:
        return {
            "device": "cpu",
            "compute_type": self.compute_type,
            "cpu_threads": self.cpu_threads,
            **self.decode_options,
        }

    def _options(self, tokenizer: Any) -> Any:
        from faster_whisper.transcribe import TranscriptionOptions, get_suppressed_tokens

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

    def _transcribe_window(self, audio: np.ndarray, language: str | None) -> WindowResult:
        from faster_whisper.audio import pad_or_trim
        from faster_whisper.tokenizer import Tokenizer

        model = self.model
        features = model.feature_extractor(audio)
        first = features[:, : min(model.feature_extractor.nb_max_frames, features.shape[-1] - 1)]
        encoder_output = model.encode(pad_or_trim(first))

        language_probability: float | None = None
        if not model.model.is_multilingual:
            language, language_probability = "en", 1.0
        elif language is None:
            ranked = model.model.detect_language(encoder_output)[0]
            language, language_probability = pick_language(
                ((token[2:-2], prob) for token, prob in ranked), self.candidate_languages
            )
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language)
        options = self._options(tokenizer)
        segments = []
        for seg in model.generate_segments(features, tokenizer, options, False, encoder_output):
            words = [Word(w.start, w.end, w.word, float(w.probability)) for w in (seg.words or [])]
            if words:
                confidence = float(np.mean([w.probability for w in words]))
            else:
                confidence = float(math.exp(min(seg.avg_logprob, 0.0)))
            segments.append(
                Segment(
                    start=float(seg.start),
                    end=float(seg.end),
                    text=seg.text.strip(),
                    language=language,
                    confidence=round(confidence, 4),
                    words=words,
                    language_probability=language_probability,
                    avg_logprob=float(seg.avg_logprob),
                    no_speech_prob=float(seg.no_speech_prob),
                )
            )
        return WindowResult(language=language, language_probability=language_probability, segments=segments)
