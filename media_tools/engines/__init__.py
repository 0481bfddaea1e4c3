"""Speech-to-text engines and a per-process cache of loaded models.

Loading a model takes seconds and hundreds of MB, so a worker process loads each
(engine, weights, options) combination once and reuses it for every job.
Importing this package does not import torch or CTranslate2: the backends load them
when a model is first loaded.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from .base import Cancelled, Engine, ProgressCallback, Segment, TranscriptResult, Word
from .faster import FasterWhisperEngine
from .openai import OpenAIWhisperEngine

__all__ = [
    "ENGINES",
    "Cancelled",
    "Engine",
    "ProgressCallback",
    "Segment",
    "TranscriptResult",
    "Word",
    "clear_engine_cache",
    "get_engine",
]

ENGINES = ("faster", "openai")

_cache: dict[tuple[Any, ...], Engine] = {}
_lock = threading.Lock()


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(_freeze(v) for v in value)
    return value


def get_engine(name: str, model_path: str | os.PathLike[str], **opts: Any) -> Engine:
    """Return the loaded engine for these weights and options, loading it on first use."""
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose from {ENGINES}")
    path = Path(model_path).resolve()
    key = (name, str(path), _freeze(opts))
    with _lock:
        engine = _cache.get(key)
        if engine is None:
            backend = FasterWhisperEngine if name == "faster" else OpenAIWhisperEngine
            engine = backend(path, **opts)
            _cache[key] = engine
        return engine


def clear_engine_cache() -> None:
    """Forget loaded models (tests; or after installing new weights)."""
    with _lock:
        _cache.clear()
