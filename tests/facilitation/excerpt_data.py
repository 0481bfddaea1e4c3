"""A recording of real (synthetic) speech with a reviewed transcript whose words carry exact times, for excerpts.

Each word is spoken by espeak-ng on its own and the words are joined with short pauses, so every word's time in the
recording is known exactly (what the speech engine's word timestamps give in production).
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.files.base import ContentFile

from facilitation.factories import RecordingFactory
from media_tools.audio import iter_audio_blocks
from media_tools.models import Segment, Transcript

from ..conftest import require

RATE = 22050
PAUSE = 0.3
VOICES = {"kk": "kk", "ru": "ru", "en": "en"}

# What the family says, per language: segments, each a list of words. The family's real names (tests/facilitation/
# world.py: Айгүл Серікқызы, Нұрлан Асанов) appear in inflected forms, with a phone number and an IIN.
SENTENCES = {
    "kk": [
        ["Менің", "әжем", "Айгүлдің", "үйі", "өзен", "жағасында"],
        ["Нұрланға", "хабарласыңыз", "87012345678", "ЖСН", "900101300123"],
        ["Біз", "көктемде", "көшіп", "келдік"],
    ],
    "ru": [
        ["Моя", "бабушка", "Айгуль", "живёт", "у", "реки"],
        ["Позвоните", "Нурлану", "по", "номеру", "87012345678", "ИИН", "900101300123"],
        ["Мы", "переехали", "весной"],
    ],
}


@functools.cache
def _word_samples(word: str, voice: str) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "w.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(out), word], check=True, capture_output=True)
        with wave.open(str(out), "rb") as handle:
            frames = handle.readframes(handle.getnframes())
            rate = handle.getframerate()
    samples = np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0
    assert rate == RATE, rate
    nonzero = np.flatnonzero(np.abs(samples) > 0.01)  # espeak pads each word with silence: keep the speech
    return samples[nonzero[0] : nonzero[-1] + 1] if len(nonzero) else samples


@dataclass
class Spoken:
    wav: bytes
    segments: list[dict]  # {"start", "end", "text", "words": [{"start", "end", "word"}]}
    duration: float


def speak(sentences: list[list[str]], language: str) -> Spoken:
    require(shutil.which("espeak-ng") is not None, "espeak-ng is not installed")
    pieces = [np.zeros(int(PAUSE * RATE), dtype=np.float32)]
    position = PAUSE
    segments = []
    for sentence in sentences:
        words = []
        for word in sentence:
            samples = _word_samples(word, VOICES[language])
            start = position
            position += len(samples) / RATE
            words.append({"start": round(start, 3), "end": round(position, 3), "word": f" {word}"})
            pieces += [samples, np.zeros(int(PAUSE * RATE), dtype=np.float32)]
            position += int(PAUSE * RATE) / RATE
        segments.append(
            {"start": words[0]["start"], "end": words[-1]["end"], "text": " ".join(sentence), "words": words}
        )
        pieces.append(np.zeros(int(PAUSE * RATE), dtype=np.float32))
        position += int(PAUSE * RATE) / RATE
    audio = np.concatenate(pieces)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
    return Spoken(buffer.getvalue(), segments, len(audio) / RATE)


def spoken_recording(family, speakers, language: str = "kk", *, reviewed=(0, 1)):
    """A recording of SENTENCES[language] with a person's transcript revision; `reviewed` segments are marked."""
    spoken = speak(SENTENCES[language], language)
    recording = RecordingFactory(
        family=family,
        speakers=list(speakers),
        language=language,
        file=ContentFile(spoken.wav, name="session.wav"),
        duration_seconds=spoken.duration,
    )
    transcript = Transcript.objects.create(
        recording=recording, revision=1, is_machine_draft=False, language=language, engine="faster"
    )
    for index, item in enumerate(spoken.segments):
        Segment.objects.create(
            transcript=transcript,
            index=index,
            start=item["start"],
            end=item["end"],
            text=item["text"],
            language=language,
            words=item["words"],
            reviewed=index in reviewed,
        )
    return recording, transcript, spoken


def decode(path_or_bytes, rate: int = 16000) -> np.ndarray:
    """Mono float samples of an audio file (any format PyAV reads)."""
    if not isinstance(path_or_bytes, bytes):
        return np.concatenate(list(iter_audio_blocks(str(path_or_bytes), sample_rate=rate)))
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "audio.ogg"
        source.write_bytes(path_or_bytes)
        return np.concatenate(list(iter_audio_blocks(str(source), sample_rate=rate)))


def rms(samples: np.ndarray, rate: int, start: float, end: float) -> float:
    window = samples[int(start * rate) : int(end * rate)]
    return float(np.sqrt(np.mean(window**2))) if len(window) else 0.0
