"""Real human read speech from two Debian packages, for tests whose assertions need a model's confident verdict.

Whisper base cannot tell espeak's robotic Russian or Kazakh apart from English reliably (and CTranslate2's int8
kernels differ between AMD and Intel CPUs, so a borderline call flips between machines); on human speech its
language detection is far from any tie. ``make test`` installs both packages (``scripts/system_packages.sh``);
without them these tests are skipped with the reason, and fail under CI=true.

- festvox-ru: one male speaker reading Russian (BSD-style licence, Nickolay V. Shmyrev 2005);
- pocketsphinx-testdata: LibriVox sentences read in English (public domain).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from media_tools.audio import decode_to_array
from media_tools.engines.base import SAMPLE_RATE
from tests.services import require

FESTVOX_RU = Path("/usr/share/festival/voices/russian/msu_ru_nsh_clunits/wav")
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")

#: ru_0003: "Со спокойным мужеством, Скайлс, ожидал всего, в этом безумном городе." (6.1 s)
RUSSIAN = ("ru_0003",)
#: "he was not an ill disposed young man", "he might even have been made amiable himself" (3.0 s, 3.3 s)
ENGLISH = ("sense_and_sensibility_01_austen_64kb-0880", "sense_and_sensibility_01_austen_64kb-0930")


def _join(paths: list[Path], pause_seconds: float) -> np.ndarray:
    pause = np.zeros(int(pause_seconds * SAMPLE_RATE), dtype=np.float32)
    pieces: list[np.ndarray] = []
    for path in paths:
        pieces += [pause, decode_to_array(path)] if pieces else [decode_to_array(path)]
    return np.concatenate(pieces)


def russian_speech(names: tuple[str, ...] = RUSSIAN, pause_seconds: float = 1.0) -> np.ndarray:
    """festvox-ru utterances joined with pauses (16 kHz mono float32)."""
    paths = [FESTVOX_RU / f"{name}.wav" for name in names]
    require(all(p.exists() for p in paths), "festvox-ru not installed: bash scripts/system_packages.sh festvox-ru")
    return _join(paths, pause_seconds)


def english_speech(names: tuple[str, ...] = ENGLISH, pause_seconds: float = 1.0) -> np.ndarray:
    """pocketsphinx-testdata LibriVox utterances joined with pauses (16 kHz mono float32)."""
    paths = [LIBRIVOX / f"{name}.wav" for name in names]
    require(
        all(p.exists() for p in paths),
        "pocketsphinx-testdata not installed: bash scripts/system_packages.sh pocketsphinx-testdata",
    )
    return _join(paths, pause_seconds)
