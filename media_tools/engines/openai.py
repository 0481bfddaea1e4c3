"""openai-whisper (PyTorch) backend: the reference implementation, for checks and fallback.

Loads a local ``.pt`` checkpoint (never a model name, which would download),
decodes greedily on CPU in float32 (temperature 0, no beam: the CPU-friendly
setting) and does not condition on previous text. It runs behind the same VAD
windows as the faster engine, so both engines see exactly the same audio.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np

from .base import Engine, Segment, WindowResult, Word, default_threads, pick_language

DEFAULT_DECODE_OPTIONS: dict[str, Any] = {
    "temperature": 0.0,
    "beam_size": None,  # greedy
    "best_of": None,
    "fp16": False,
    "condition_on_previous_text": False,
    "compression_ratio_threshold": 2.4,
    "logprob_threshold": -1.0,
    "no_speech_threshold": 0.6,
}


def load_checkpoint(path: str | os.PathLike[str]) -> Any:
    """Load an openai-whisper checkpoint from a file, on CPU, like ``whisper.load_model``.

    Done here rather than with ``whisper.load_model`` so the optional
    ``"alignment_heads"`` entry written by ``convert_ct2_to_openai`` is applied
    (better word timestamps); the checkpoint is read only once.
    """
    import torch
    from whisper.model import ModelDimensions, Whisper

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
        import torch

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

    def detect_language(self, audio: np.ndarray) -> tuple[str, float]:
        import torch
        import whisper

        model = self.model
        if not model.is_multilingual:
            return "en", 1.0
        mel = whisper.log_mel_spectrogram(whisper.pad_or_trim(audio), n_mels=model.dims.n_mels)
        with torch.no_grad():
            _, probs = model.detect_language(mel)
        return pick_language(probs.items(), self.candidate_languages)

    def _transcribe_window(self, audio: np.ndarray, language: str | None) -> WindowResult:
        import torch
        import whisper

        probability: float | None = 1.0 if language else None
        if language is None:
            language, probability = self.detect_language(audio)
        with torch.no_grad():
            result = whisper.transcribe(
                self.model,
                audio,
                language=language,
                task="transcribe",
                verbose=None,
                word_timestamps=self.word_timestamps,
                **self.decode_options,
            )
        segments = []
        for seg in result["segments"]:
            words = [
                Word(float(w["start"]), float(w["end"]), w["word"], float(w["probability"]))
                for w in seg.get("words") or []
            ]
            if words:
                confidence = float(np.mean([w.probability for w in words]))
            else:
                confidence = float(math.exp(min(seg["avg_logprob"], 0.0)))
            text = seg["text"].strip()
            if not text:
                continue
            segments.append(
                Segment(
                    start=float(seg["start"]),
                    end=float(seg["end"]),
                    text=text,
                    language=language,
                    confidence=round(confidence, 4),
                    words=words,
                    language_probability=probability,
                    avg_logprob=float(seg["avg_logprob"]),
                    no_speech_prob=float(seg["no_speech_prob"]),
                )
            )
        return WindowResult(language=language, language_probability=probability, segments=segments)
