"""openai-whisper (PyTorch) backend: the reference implementation, for checks and fallback.

Loads a local ``.pt`` checkpoint (never a model name, which would download),
decodes greedily on CPU in float32 (temperature 0, no beam: the CPU-friendly
setting) and does not condition on previous text. It runs behind the same VAD
windows as the faster engine, so both engines see exactly the same audio.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np

from media_tools.guards import segment_confidence

from .base import Engine, Prompt, Segment, WindowResult, Word, default_threads, pick_language

DEFAULT_DECODE_OPTIONS: dict[str, Any] = {
    "temperature": 0.0,
    "beam_size": None,  # greedy
    "best_of": None,
    "fp16": False,
    "condition_on_previous_text": False,
    "compression_ratio_threshold": 2.4,
    "logprob_threshold": -1.0,
    "no_speech_threshold": 0.6,
    # Skips silent stretches around a likely hallucination (needs word timestamps, which are on by default).
    "hallucination_silence_threshold": 2.0,
}


def load_checkpoint(path: str | os.PathLike[str]) -> Any:
    """Load an openai-whisper checkpoint from a file, on CPU, like ``whisper.load_model``.

    Done here rather than with ``whisper.load_model`` so the optional
    ``"alignment_heads"`` entry written by ``convert_ct2_to_openai`` is applied
    (better word timestamps); the checkpoint is read only once.
    """
    import torch  # noqa: PLC0415  (heavy, optional)
    from whisper.model import ModelDimensions, Whisper  # noqa: PLC0415  (heavy, optional)

    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = Whisper(ModelDimensions(**checkpoint["dims"]))
    model.load_state_dict(checkpoint["model_state_dict"])
    heads = checkpoint.get("alignment_heads")
    if heads:
        model.set_alignment_heads(heads.encode("ascii") if isinstance(heads, str) else heads)
    return model.to("cpu").eval()


class OpenAIWhisperEngine(Engine):
    name = "openai"

    def __init__(
        self,
        model_path: str | os.PathLike[str],
        *,
        cpu_threads: int | None = None,
        decode_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        import torch  # noqa: PLC0415  (heavy, optional)

        super().__init__(model_path, **kwargs)
        if not self.model_path.is_file():
            raise FileNotFoundError(f"openai-whisper needs a .pt checkpoint file, got {self.model_path}")
        self.cpu_threads = int(cpu_threads or default_threads())
        torch.set_num_threads(self.cpu_threads)
        self.decode_options = {**DEFAULT_DECODE_OPTIONS, **(decode_options or {})}
        t0 = time.perf_counter()
        self.model = load_checkpoint(self.model_path)
        self.load_seconds = time.perf_counter() - t0

    def backend_settings(self) -> dict[str, Any]:
        return {"device": "cpu", "cpu_threads": self.cpu_threads, **self.decode_options}

    @property
    def multilingual(self) -> bool:
        return bool(self.model.is_multilingual)

    def _detect_language(self, audio: np.ndarray, cache: bool = True) -> list[tuple[str, float]]:
        import torch  # noqa: PLC0415  (heavy, optional)
        import whisper  # noqa: PLC0415  (heavy, optional)

        model = self.model
        if not model.is_multilingual:
            return [("en", 1.0)]
        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), n_mels=model.dims.n_mels)
        with torch.no_grad():
            _, probs = model.detect_language(mel)
        return [(lang, float(p)) for lang, p in probs.items()]

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        return pick_language(self._detect_language(audio), self.candidate_languages)

    def _transcribe_window(self, audio: np.ndarray, language: str | None, prompt: Prompt | None = None) -> WindowResult:
        import torch  # noqa: PLC0415  (heavy, optional)
        import whisper  # noqa: PLC0415  (heavy, optional)

        probability: float | None = 1.0 if language else None
        if language is None:
            language, probability = self.detect_language(audio)
        options = dict(self.decode_options)
        if prompt:
            options["initial_prompt"] = prompt
        if not self.word_timestamps:
            options.pop("hallucination_silence_threshold", None)
        with torch.no_grad():
            result = whisper.transcribe(
                self.model,
                audio,
                language=language,
                task="transcribe",
                verbose=None,
                word_timestamps=self.word_timestamps,
                **options,
            )
        segments = []
        for seg in result["segments"]:
            words = [
                Word(float(w["start"]), float(w["end"]), w["word"], float(w["probability"]))
                for w in seg.get("words") or []
            ]
            confidence = segment_confidence(seg["avg_logprob"], seg["no_speech_prob"]) or 0.0
            text = seg["text"].strip()
            if not text:
                continue
            segments.append(
                Segment(
                    start=float(seg["start"]),
                    end=float(seg["end"]),
                    text=text,
                    language=language,
                    confidence=confidence,
                    words=words,
                    language_probability=probability,
                    avg_logprob=float(seg["avg_logprob"]),
                    no_speech_prob=float(seg["no_speech_prob"]),
                )
            )
        return WindowResult(language=language, language_probability=probability, segments=segments)
