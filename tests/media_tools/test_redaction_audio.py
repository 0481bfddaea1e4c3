"""Audio excerpts: muted (or beeped) at the right times, a new file without metadata, the original untouched.

Checked by energy in the muted windows (widened by the margin) against the rest, on real encoded files.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest

from media_tools.audio import decode_to_array
from media_tools.redaction import KnownPerson, build_excerpt, char_spans_to_times, propose
from media_tools.redaction.audio import mute_spans
from media_tools.redaction.timing import FALLBACK_WIDEN

from .audio_factory import tone, write_audio

RATE = 16000
SECRET_TAGS = {"title": "Ерлан Абдуллаев interview", "artist": "KZ-AL-014", "comment": "Сарыағаш, +7 701 234 56 78"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rms(samples: np.ndarray, start: float, end: float) -> float:
    window = samples[int(start * RATE) : int(end * RATE)]
    return float(np.sqrt(np.mean(window.astype(np.float64) ** 2))) if window.size else 0.0


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    """Ten seconds of a steady tone in an m4a carrying tags a phone would write."""
    return write_audio(
        tmp_path / "Erlan_Abdullaev_2026-11-25.m4a",
        tone(10.0, RATE),
        fmt="m4a_aac",
        source_rate=RATE,
        metadata=SECRET_TAGS,
        stream_metadata={"handler_name": "Ерлан"},
    )


def assert_no_metadata(path: Path) -> None:
    with av.open(str(path)) as container:
        assert dict(container.metadata) == {}
        assert all(dict(s.metadata) == {} for s in container.streams)
        assert len(container.streams) == 1
    raw = path.read_bytes()
    for secret in ("Ерлан", "Erlan", "KZ-AL", "Сарыағаш", "701", "Lavf", "m4a", "interview"):
        assert secret.encode() not in raw, secret


@pytest.mark.parametrize("suffix", [".ogg", ".wav"])
def test_muted_windows_are_silent_and_the_rest_is_not(recording: Path, tmp_path: Path, suffix: str):
    before = sha(recording)
    dst = tmp_path / f"excerpt{suffix}"
    mute = [(3.0, 3.5), (6.0, 6.2), (0.5, 2.1), (9.5, 12.0)]  # the last two reach over the excerpt's edges
    build_excerpt(recording, dst, 2.0, 8.0, mute=mute, margin=0.15)

    out = decode_to_array(dst, RATE)
    assert out.size / RATE == pytest.approx(6.0, abs=0.05)
    slack = 0.03  # codec smearing at the edges of a cut
    flat = [t for span in mute_spans(mute, 2.0, 8.0, 0.15) for t in span]
    assert flat == pytest.approx([0.0, 0.25, 0.85, 1.65, 3.85, 4.35])
    for a, b in [(0.0, 0.25), (0.85, 1.65), (3.85, 4.35)]:
        level = rms(out, a + (slack if a else 0), b - slack)
        print(f"{suffix} muted {a:.2f}-{b:.2f}s rms={level:.6f}")
        assert level < 0.002
    for a, b in [(0.25, 0.85), (1.65, 3.85), (4.35, 6.0)]:
        level = rms(out, a + 0.02 + slack, b - 0.02 - slack)
        print(f"{suffix} kept  {a:.2f}-{b:.2f}s rms={level:.4f}")
        assert level > 0.15  # the tone is 0.3 peak: 0.21 rms
    assert_no_metadata(dst)
    assert sha(recording) == before


def test_beep_mode_puts_a_1khz_tone_in_the_spans(recording: Path, tmp_path: Path):
    dst = build_excerpt(recording, tmp_path / "beeped.ogg", 1.0, 5.0, mute=[(2.0, 2.6)], margin=0.1, mode="beep")
    out = decode_to_array(dst, RATE)
    window = out[int(1.0 * RATE) : int(1.6 * RATE)]  # 1.9-2.7 s in the original = 0.9-1.7 s in the excerpt
    spectrum = np.abs(np.fft.rfft(window * np.hanning(window.size)))
    peak = np.fft.rfftfreq(window.size, 1 / RATE)[int(np.argmax(spectrum))]
    assert peak == pytest.approx(1000.0, abs=10.0)
    # nothing of the original 440 Hz tone is left inside the beep
    bin440 = int(round(440 * window.size / RATE))
    assert spectrum[bin440 - 2 : bin440 + 3].max() < spectrum.max() * 0.01
    assert rms(out, 0.2, 0.8) > 0.15


def test_the_excerpt_is_never_the_source(recording: Path, tmp_path: Path):
    before = sha(recording)
    with pytest.raises(ValueError):
        build_excerpt(recording, recording, 0.0, 1.0)
    with pytest.raises(ValueError):
        build_excerpt(recording, tmp_path / "x.mp4", 0.0, 1.0)
    with pytest.raises(ValueError):
        build_excerpt(recording, tmp_path / "x.ogg", 2.0, 1.0)
    assert sha(recording) == before


SPEECH = {
    "kk": ("kk", "Біз Ерланның үйінде Сарыағашта тұрдық, телефоны 87012345678 еді"),
    "ru": ("ru", "Мы жили у Ерлана в Сарыагаше и звонили Айгерим каждый вечер"),
    "en": ("en-us", "We lived with Erlan in Saryagash and called Aigerim every evening"),
}
FAMILY = [KnownPerson("F1", ("Ерлан",), "Данияр"), KnownPerson("F2", ("Айгерим",), "Сәуле")]


def spoken_words(espeak, voice: str, text: str, folder: Path) -> tuple[np.ndarray, list[dict]]:
    """Speech made word by word, so every word's time is known exactly (what the engine's timestamps stand for)."""
    gap = np.zeros(int(0.25 * RATE), dtype=np.float32)
    parts, timed, pos = [gap], [], gap.size
    for i, word in enumerate(text.split()):
        audio = decode_to_array(espeak(word, folder / f"w{i}.wav", voice), RATE)
        loud = np.flatnonzero(np.abs(audio) > 0.01)
        audio = audio[loud[0] : loud[-1] + 1]
        timed.append({"word": " " + word, "start": pos / RATE, "end": (pos + audio.size) / RATE})
        parts += [audio, gap]
        pos += audio.size + gap.size
    return np.concatenate(parts), timed


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_generated_speech_is_muted_where_the_proposals_are(espeak, tmp_path: Path, language: str):
    """Propose on the text, map the proposals to times, mute them: those words are silent, every other is not."""
    voice, text = SPEECH[language]
    samples, timed = spoken_words(espeak, voice, text, tmp_path)
    src = write_audio(tmp_path / "interview.m4a", samples, fmt="m4a_aac", source_rate=RATE, metadata=SECRET_TAGS)
    before = sha(src)
    found = propose(text, language, FAMILY, ["Сарыағаш"])
    assert {p.kind for p in found} >= {"family_name", "place"}
    times = char_spans_to_times([(text, timed)], [(p.start, p.end) for p in found])
    end = samples.size / RATE
    out = decode_to_array(build_excerpt(src, tmp_path / "story.ogg", 0.0, end, mute=times, margin=0.15), RATE)

    muted = [(max(a - 0.15, 0), b + 0.15) for a, b in times]
    for a, b in muted:
        assert rms(out, a + 0.03, b - 0.03) < 0.002, (a, b)
    kept = [w for w in timed if not any(w["start"] < b and a < w["end"] for a, b in muted)]
    assert len(kept) >= len(timed) - 4
    for w in kept:
        assert rms(out, w["start"], w["end"]) > 0.01, w["word"]
    assert_no_metadata(tmp_path / "story.ogg")
    assert sha(src) == before


# --------------------------------------------------------------------------- timing


def words(*items: tuple[str, float, float]) -> list[dict]:
    return [{"word": w, "start": s, "end": e, "probability": 0.9} for w, s, e in items]


def test_char_spans_map_to_the_words_they_touch():
    pieces = [
        ("Менің атым Ерлан.", words((" Менің", 0.0, 0.4), (" атым", 0.5, 0.9), (" Ерлан.", 1.0, 1.6))),
        (
            "Телефоным 8 701 123 45 67 еді.",
            words((" Телефоным", 2.0, 2.6), (" 87011234567", 2.7, 4.5), (" еді.", 4.6, 4.9)),
        ),
    ]
    text = " ".join(p[0] for p in pieces)
    name = text.index("Ерлан")
    phone = text.index("8 701")
    both = (text.index("атым"), text.index("Телефоным") + 4)
    times = char_spans_to_times(pieces, [(name, name + 5), (phone, phone + len("8 701 123 45 67")), both])
    assert times == [(1.0, 1.6), (2.7, 4.5), (0.5, 2.6)]


def test_corrected_and_missing_words_are_covered():
    # staff corrected "Руслана" to "Ерлана"; the corrected word takes the replaced word's time
    corrected = ("Мы жили у Ерлана дома.", words((" Мы", 0, 0.2), (" жили", 0.3, 0.6), (" у", 0.7, 0.8),
                                                  (" Руслана", 0.9, 1.5), (" дома.", 1.6, 2.0)))  # fmt: skip
    i = corrected[0].index("Ерлана")
    assert char_spans_to_times([corrected], [(i, i + 6)]) == [(0.9, 1.5)]
    # the engine heard nothing there: the gap between the neighbours (long enough to hold a word)
    missing = ("Мы жили у Ерлана дома.", words((" Мы", 0, 0.2), (" жили", 0.3, 0.6), (" у", 0.7, 0.8),
                                                (" дома.", 1.6, 2.0)))  # fmt: skip
    assert char_spans_to_times([missing], [(i, i + 6)]) == [(0.8, 1.6)]
    # a name split in two engine words: both
    split = ("Мы жили у Ерлана дома.", words((" Мы", 0, 0.2), (" жили", 0.3, 0.6), (" у", 0.7, 0.8),
                                              (" Ер", 0.85, 1.1), ("лана", 1.1, 1.5), (" дома", 1.6, 2.0)))  # fmt: skip
    assert char_spans_to_times([split], [(i, i + 6)]) == [(0.85, 1.5)]


def test_a_segment_without_words_falls_back_to_its_proportional_position():
    pieces = [
        ("Бірінші сөз.", words((" Бірінші", 0.0, 0.5), (" сөз.", 0.6, 1.0))),
        ("Ерлан келді", [], 2.0, 3.1),  # times of the segment itself
        ("Соңғы.", words((" Соңғы.", 4.0, 4.5))),
    ]
    text = " ".join(p[0] for p in pieces)
    i = text.index("Ерлан")
    ((start, end),) = char_spans_to_times(pieces, [(i, i + 5)])
    assert start == pytest.approx(2.0)
    assert end == pytest.approx(2.0 + 1.1 * 5 / 11 + FALLBACK_WIDEN)  # widened: speech rate is not even
    # without the segment's own times: between the neighbouring segments' words
    pieces[1] = ("Ерлан келді", [])
    ((start, end),) = char_spans_to_times(pieces, [(i, i + 5)])
    assert 1.0 <= start < end <= 4.0


def test_from_text_to_muted_audio(tmp_path: Path):
    """Propose on the excerpt text, map the family name to times, mute it: its word is silent, the others not."""
    spoken = [("Біз", 0.2, 0.6), ("Ерланмен", 0.9, 1.6), ("бірге", 1.9, 2.4), ("ойнадық.", 2.7, 3.4)]
    samples = np.zeros(int(4.0 * RATE), dtype=np.float32)
    for _w, s, e in spoken:  # one tone burst per "word"
        a, b = int(s * RATE), int(e * RATE)
        samples[a:b] = tone(5.0, RATE)[: b - a]
    src = write_audio(tmp_path / "session.flac", samples, fmt="flac", source_rate=RATE)
    text = " ".join(w for w, _s, _e in spoken)
    found = propose(text, "kk", [KnownPerson("F1", ("Ерлан",), "Данияр")])
    assert [(p.text, p.replacement) for p in found] == [("Ерланмен", "Даниярмен")]
    pieces = [(text, words(*[(" " + w, s, e) for w, s, e in spoken]))]
    times = char_spans_to_times(pieces, [(p.start, p.end) for p in found])
    assert times == [(0.9, 1.6)]
    out = decode_to_array(build_excerpt(src, tmp_path / "story.ogg", 0.0, 4.0, mute=times), RATE)
    assert rms(out, 0.78, 1.72) < 0.002
    for _w, s, e in (spoken[0], spoken[2], spoken[3]):
        assert rms(out, s + 0.05, e - 0.05) > 0.15
