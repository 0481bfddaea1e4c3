"""Speech-to-text engines on real weights and real (synthesised) speech, offline."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest

from media_tools.audio import sniff_audio
from media_tools.engines import Cancelled, TranscriptResult, get_engine
from media_tools.engines.base import (
    SAMPLE_RATE,
    WINDOW_TAIL_SECONDS,
    Segment,
    SpeechWindow,
    Word,
    _in_groups,
    _restore_times,
    _TimeMap,
    iter_speech_windows,
)
from media_tools.engines.faster import ctranslate2_uses_mkl, default_replicas
from media_tools.weights import DEFAULT_MODEL_SHA256

from .audio_factory import write_audio
from .conftest import ENGLISH_TEXT, KAZAKH_TEXT, RUSSIAN_TEXT, wer
from .real_speech import english_speech, russian_speech

CYRILLIC = re.compile(r"[\u0400-\u04FF]")
# Random weights emit garbage until the token limit; cap it so these tests stay fast.
TINY_OPTS = {"vad": False, "cpu_threads": 2, "decode_options": {"sample_len": 32}}


def assert_well_formed(result: TranscriptResult, duration: float) -> None:
    previous = 0.0
    for seg in result.segments:
        assert 0.0 <= seg.start <= seg.end <= duration + 0.05, seg
        assert seg.start >= previous, "segment starts must not go backwards"
        previous = seg.start
        assert 0.0 <= seg.confidence <= 1.0
        for word in seg.words:
            assert seg.start - 0.01 <= word.start <= word.end <= seg.end + 0.01, (word, seg)


def cyrillic_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return sum(bool(CYRILLIC.match(c)) for c in letters) / max(len(letters), 1)


# --------------------------------------------------------------------------- windowing (no model)


def test_time_map_restores_original_times() -> None:
    sr = SAMPLE_RATE
    chunks = [(2 * sr, 4 * sr), (10 * sr, 13 * sr)]  # 2 s of speech at 2 s, 3 s at 10 s
    tmap = _TimeMap(chunks)
    assert tmap.original(0.5, tmap.index(0.5)) == 2.5
    assert tmap.original(2.0, tmap.index(2.0, is_end=True)) == 4.0  # end of first chunk
    assert tmap.original(2.0, tmap.index(2.0)) == 10.0  # start of second chunk
    assert tmap.original(4.5, tmap.index(4.5)) == 12.5


def test_speech_windows_keep_all_speech_across_blocks(english_audio: np.ndarray) -> None:
    """Cutting the audio into small blocks must not lose or split speech."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    silence = np.zeros(5 * SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([silence, english_audio, silence, english_audio, silence])
    whole = get_speech_timestamps(audio, VadOptions(max_speech_duration_s=30))
    speech_whole = sum(c["end"] - c["start"] for c in whole)

    block = 7 * SAMPLE_RATE
    windows = list(iter_speech_windows((audio[i : i + block] for i in range(0, len(audio), block)), window_seconds=30))
    chunks = [c for w in windows for c in w.chunks]
    assert chunks == sorted(chunks)
    assert all(a[1] <= b[0] for a, b in zip(chunks, chunks[1:], strict=False)), "chunks overlap"
    assert sum(e - s for s, e in chunks) == pytest.approx(speech_whole, rel=0.1)
    assert windows[-1].consumed == len(audio)
    for w in windows:
        assert len(w.audio) == sum(e - s for s, e in w.chunks) + w.tail <= 30 * SAMPLE_RATE + 1


@pytest.mark.parametrize("window_seconds", [30.0, 6.5])
def test_each_window_reads_on_into_the_pause_after_its_last_chunk(window_seconds: float) -> None:
    """Whisper pads a window to 30 s with digital silence, and a sentence cut off right after its last word was
    read as ending early, its last words as silence. So a window's audio runs on into the recording's own pause
    after its last chunk (``WINDOW_TAIL_SECONDS``), never into the next speech and never past the window's length."""
    rng = np.random.default_rng(7)
    room = lambda seconds: (0.002 * rng.standard_normal(int(seconds * SAMPLE_RATE))).astype(np.float32)  # noqa: E731
    sentences = english_speech(pause_seconds=0.001), russian_speech(pause_seconds=0.001)
    pieces = [room(1.0)]
    for i, pause in enumerate((2.0, 0.7, 3.0, 2.0)):  # a short pause: the next chunk limits the tail
        pieces += [sentences[i % 2], room(pause)]
    audio = np.concatenate(pieces)
    windows = [w for w in iter_speech_windows(_blocks(audio, 9), window_seconds=window_seconds) if w.chunks]
    assert len(windows) >= 2
    starts = sorted(s for w in windows for s, _e in w.chunks)
    for w in windows:
        speech = sum(e - s for s, e in w.chunks)
        end = w.chunks[-1][1]
        after = next((s for s in starts if s >= end), len(audio))
        assert len(w.audio) == speech + w.tail <= window_seconds * SAMPLE_RATE
        assert 0 <= w.tail <= WINDOW_TAIL_SECONDS * SAMPLE_RATE
        assert np.array_equal(w.audio[speech:], audio[end : end + w.tail]), "the tail is the recording's own audio"
        assert end + w.tail <= after, "the tail never reaches into the next speech"
        assert w.read[-1] == (w.chunks[-1][0], end + w.tail) and w.read[:-1] == w.chunks[:-1]
        assert w.speech_seconds == speech / SAMPLE_RATE
        room_left = min(after - end, window_seconds * SAMPLE_RATE - speech)
        if room_left >= WINDOW_TAIL_SECONDS * SAMPLE_RATE:
            assert w.tail == WINDOW_TAIL_SECONDS * SAMPLE_RATE, "with room for it, the whole tail is there"


def _blocks(audio: np.ndarray, seconds: float) -> list[np.ndarray]:
    step = int(seconds * SAMPLE_RATE)
    return [audio[i : i + step] for i in range(0, len(audio), step)]


def test_digital_silence_never_reaches_vad_or_model() -> None:
    timings: dict[str, float] = {}
    blocks = (np.zeros(60 * SAMPLE_RATE, dtype=np.float32) for _ in range(10))
    windows = list(iter_speech_windows(blocks, timings=timings))
    assert all(not w.chunks for w in windows)
    assert windows[-1].consumed == 600 * SAMPLE_RATE
    assert timings["vad_s"] == 0.0


# --------------------------------------------------------------------------- openai-whisper backend


def test_openai_engine_runs_tiny_random_checkpoint(tiny_checkpoint: Path, english_audio: np.ndarray) -> None:
    """The real openai-whisper code path (load, mel, language detection, decoding, word alignment)."""
    import whisper  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    engine = get_engine("openai", tiny_checkpoint, **TINY_OPTS)
    assert engine.model.dims.n_text_state == 64
    language, probability = engine.detect_language(english_audio)
    assert language in whisper.tokenizer.LANGUAGES and 0.0 < probability <= 1.0

    progress: list[float] = []
    result = engine.transcribe(english_audio[: 12 * SAMPLE_RATE], on_progress=lambda f, s: progress.append(f))
    assert result.engine == "openai" and result.model_name == "tiny-random"
    assert result.language in whisper.tokenizer.LANGUAGES
    assert result.segments, "random weights still decode some tokens"
    assert all(seg.words for seg in result.segments if seg.kind == "speech")  # a gap has none
    assert_well_formed(result, 12.0)
    assert progress == sorted(progress) and progress[-1] == 1.0
    assert result.settings["beam_size"] is None and result.settings["temperature"] == 0.0
    assert result.settings["fp16"] is False and result.settings["condition_on_previous_text"] is False


def test_openai_engine_forced_language(tiny_checkpoint: Path, english_audio: np.ndarray) -> None:
    engine = get_engine("openai", tiny_checkpoint, **TINY_OPTS)
    result = engine.transcribe(english_audio[: 5 * SAMPLE_RATE], language="kk")
    assert result.language == "kk"
    assert all(seg.language == "kk" for seg in result.segments)


def test_openai_engine_with_converted_base_weights(converted_pt: Path, english_wav: Path) -> None:
    """The converted CTranslate2 weights really are Whisper base under openai-whisper."""
    engine = get_engine("openai", converted_pt, cpu_threads=2)
    result = engine.transcribe(english_wav)
    error = wer(ENGLISH_TEXT, result.text)
    print(f"\nconverted checkpoint (openai-whisper, greedy) WER={error:.3f}: {result.text}")
    assert result.language == "en"
    assert error <= 0.3
    assert_well_formed(result, result.timings["audio_s"])


# --------------------------------------------------------------------------- faster-whisper backend


def test_get_engine_caches_per_process(base_model: Path, faster_engine) -> None:
    assert get_engine("faster", base_model, cpu_threads=2) is faster_engine
    assert get_engine("faster", str(base_model), cpu_threads=2) is faster_engine
    with pytest.raises(ValueError):
        get_engine("whisper", base_model)


def test_faster_english_wer(faster_engine, english_wav: Path) -> None:
    progress: list[tuple[float, int]] = []
    result = faster_engine.transcribe(english_wav, on_progress=lambda f, s: progress.append((f, len(s))))
    error = wer(ENGLISH_TEXT, result.text)
    print(f"\nfaster-whisper base int8 WER={error:.3f} timings={result.timings}: {result.text}")
    assert error <= 0.15
    assert result.language == "en"
    assert all(seg.language == "en" for seg in result.segments)
    assert result.model_checksum == DEFAULT_MODEL_SHA256
    assert result.engine == "faster" and result.model_name == "whisper-base"
    assert result.settings["beam_size"] == 5 and result.settings["vad"] is True
    assert result.settings["condition_on_previous_text"] is True  # within a window
    assert result.settings["carry_context"] is False and result.settings["batch_windows"] == 4  # windows side by side
    assert result.settings["compute_type"] == "int8"
    assert all(seg.words for seg in result.segments)
    assert_well_formed(result, result.timings["audio_s"])
    fractions = [f for f, _ in progress]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert sum(n for _, n in progress) == len(result.segments)


@pytest.mark.parametrize(
    ("voice", "language", "text"), [("ru", "ru", RUSSIAN_TEXT), ("kk", "kk", KAZAKH_TEXT)], ids=["ru", "kk"]
)
def test_faster_cyrillic_languages(faster_engine, espeak, tmp_path: Path, voice, language, text) -> None:
    # Whisper base cannot identify espeak's robotic ru/kk voices reliably (it says
    # Hebrew, Armenian, English...), so the language is given, as a facilitator would.
    # Slow speech (130 wpm) keeps base out of long temperature-fallback loops.
    wav = espeak(text, tmp_path / f"{voice}.wav", voice=voice, speed=130)
    result = faster_engine.transcribe(wav, language=language)
    print(f"\n{language}: WER={wer(text, result.text):.2f} {result.text}")
    assert result.segments
    assert all(seg.language == language for seg in result.segments)
    # base on espeak's robotic kk voice is poor and may slip in a stray non-Cyrillic token
    assert cyrillic_share(result.text) > 0.8
    assert_well_formed(result, result.timings["audio_s"])


def test_faster_language_per_window(base_model: Path) -> None:
    """Human English then human Russian in one recording: each window gets its own language detection.

    Per-chunk detection is off here, so only the windows' own detections can tell the languages apart. Human
    speech, not espeak: on espeak's robotic Russian, Whisper base's detection is close to a tie, and int8 kernels
    differ between CPUs (AMD EPYC and some Intel machines label it `en`); on human speech it is far from one.
    """
    en, ru = english_speech(), russian_speech()
    gap = np.zeros(3 * SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([en, gap, ru])
    engine = get_engine(
        "faster",
        base_model,
        cpu_threads=2,
        window_seconds=8.0,
        segment_language=False,
        candidate_languages=("kk", "ru", "en"),
    )
    result = engine.transcribe(audio)
    boundary = (len(en) + len(gap)) / SAMPLE_RATE
    first = [s for s in result.segments if s.end <= boundary and s.text]
    second = [s for s in result.segments if s.start >= boundary - 0.5 and s.text]
    assert first and second
    assert {s.language for s in first} == {"en"}, first
    assert {s.language for s in second} <= {"ru", "kk"}, second
    # Independent detections: each window carries its own language probability.
    assert {s.language_probability for s in first}.isdisjoint({s.language_probability for s in second})
    assert cyrillic_share(" ".join(s.text for s in first)) == 0.0
    assert cyrillic_share(" ".join(s.text for s in second)) > 0.8
    assert_well_formed(result, len(audio) / SAMPLE_RATE)


class _Recorder:
    """Stands in for CTranslate2's Whisper model and notes which thread ran each encoder and decoder call, when, and
    how many windows a decoder call read."""

    def __init__(self, model) -> None:
        self.model = model
        self.calls: list[tuple[str, str, float, float]] = []
        self.batches: list[int] = []

    def __getattr__(self, name):
        attribute = getattr(self.model, name)
        if name not in ("encode", "generate"):
            return attribute

        def recorded(*args, **kwargs):
            if name == "generate":
                self.batches.append(len(args[1]))
            start = time.perf_counter()
            try:
                return attribute(*args, **kwargs)
            finally:
                self.calls.append((name, threading.current_thread().name, start, time.perf_counter()))

        return recorded


def test_the_next_window_is_encoded_while_this_one_is_decoded(base_model: Path, english_audio: np.ndarray) -> None:
    """On two cores or more, the encoder reads the next window on a second replica while the decoder works on
    this one (beam search barely gains from a second core; the encoder does), and the text is the same as when
    every window waits for the last."""
    engine = get_engine("faster", base_model, cpu_threads=2, replicas=2, window_seconds=6.0, carry_context=True)
    assert engine.replicas == 2 and engine.settings()["batch_windows"] == 1  # context: one window after another
    recorder = engine.model.model = _Recorder(engine.model.model)
    try:
        overlapped = engine.transcribe(english_audio)
        calls = recorder.calls[:]
        with patch.object(engine, "_prefetch", lambda audio: None):
            one_by_one = engine.transcribe(english_audio)
    finally:
        engine.model.model = recorder.model
    encodes = [c for c in calls if c[0] == "encode"]
    decodes = [c for c in calls if c[0] == "generate"]
    assert len(encodes) >= 4, "the recording should span several windows"
    ahead = [c for c in encodes if c[1] != threading.current_thread().name]
    assert len(ahead) == len(encodes) - 1, "every window after the first is encoded ahead, on the other replica"
    assert any(e[2] < d[3] and d[2] < e[3] for e in ahead for d in decodes), "an encoding ran during a decoding"
    assert [s.text for s in overlapped.segments] == [s.text for s in one_by_one.segments]
    assert [(s.start, s.end) for s in overlapped.segments] == [(s.start, s.end) for s in one_by_one.segments]
    assert not getattr(engine._ahead, "value", {}), "nothing is left encoding after the run"
    # Cancelled after the first window, while the second was being encoded ahead: that encoding is dropped too.
    with pytest.raises(Cancelled):
        engine.transcribe(english_audio, on_progress=lambda fraction, segments: False)
    assert not getattr(engine._ahead, "value", {}), "a cancelled run leaves nothing encoding ahead"


def test_windows_are_read_side_by_side_in_one_batch(base_model: Path, english_audio: np.ndarray) -> None:
    """Without context carried between windows, each window's first reading comes from one batched beam search
    over several windows, and the transcript is the one the windows give when read one by one."""
    options = {"cpu_threads": 2, "replicas": 1, "window_seconds": 6.0, "carry_context": False}
    batched = get_engine("faster", base_model, batch_windows=4, **options)
    assert batched.settings()["batch_windows"] == 4
    recorder = batched.model.model = _Recorder(batched.model.model)
    try:
        together = batched.transcribe(english_audio)
    finally:
        batched.model.model = recorder.model
    windows = sum(1 for w in iter_speech_windows([english_audio], window_seconds=6.0) if w.chunks)
    assert max(recorder.batches) >= 3, f"one decoder call read several windows: {recorder.batches}"
    assert len(recorder.batches) < windows, "fewer decoder calls than windows"
    one_by_one = get_engine("faster", base_model, batch_windows=1, **options).transcribe(english_audio)
    assert [s.text for s in together.segments] == [s.text for s in one_by_one.segments]
    assert [(s.start, s.end) for s in together.segments] == [(s.start, s.end) for s in one_by_one.segments]
    assert wer(ENGLISH_TEXT, together.text) <= 0.15
    assert not batched.model.first_readings.value, "no reading is left over after the run"


class _Reading:
    """What faster-whisper reads of a CTranslate2 decoding (WhisperGenerationResult)."""

    def __init__(self, tokens: list[int], mean_logprob: float, no_speech_prob: float = 0.01) -> None:
        self.sequences_ids = [tokens]
        self.scores = [mean_logprob * (len(tokens) + 1) / len(tokens)]  # length-normalised, as CTranslate2 scores
        self.no_speech_prob = no_speech_prob


def test_a_batched_reading_falls_back_as_a_single_one_would(faster_engine) -> None:
    """A window's reading from a batch goes through faster-whisper's temperature fallback like its own first step:
    kept when it is sure and not a loop, else read again sampling, and when every temperature fails, the best of all
    readings is kept. A reading made for another prompt is never used."""
    from faster_whisper.tokenizer import Tokenizer  # noqa: PLC0415  (heavy, optional)

    model = faster_engine.model
    tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language="en")
    options = faster_engine._options(tokenizer)
    prompt = model.get_prompt(tokenizer, [])
    words = tokenizer.encode(" My grandmother grew up in a small village near the river.")
    loop = tokenizer.encode(" and the river and the river" * 12)

    class Decoder:
        """Reads ``beam`` with beam search and ``sampled`` at any temperature above 0."""

        def __init__(self, beam: _Reading, sampled: _Reading) -> None:
            self.beam, self.sampled, self.asked = beam, sampled, []

        def generate(self, encoder_output, prompts, **kwargs):
            temperature = kwargs.get("sampling_temperature", 0.0)
            self.asked.append(temperature)
            return [self.sampled if temperature > 0 else self.beam]

    def read(batched: _Reading, sampled: _Reading, for_prompt: list[int] = prompt) -> tuple[object, float, list]:
        encoder_output = object()
        model.first_readings.value = {id(encoder_output): (encoder_output, for_prompt, batched)}
        decoder = model.model = Decoder(_Reading(words, -0.2), sampled)
        result, _avg_logprob, temperature, _ratio = model.generate_with_fallback(
            encoder_output, prompt, tokenizer, options
        )
        return result, temperature, decoder.asked

    real = model.model
    try:
        sure, looping, lost = _Reading(words, -0.2), _Reading(loop, -0.1), _Reading(words, -1.5)
        assert read(sure, sure) == (sure, 0.0, []), "a sure reading from the batch is kept as it is"
        sampled = _Reading(words, -0.4)
        assert read(looping, sampled) == (sampled, 0.4, [0.4]), "a loop is read again at the next temperature"
        worse = _Reading(words, -1.8)
        assert read(lost, worse) == (lost, 0.8, [0.4, 0.8]), "all unsure: the best of all readings"
        better = _Reading(words, -1.2)
        assert read(lost, better) == (better, 0.8, [0.4, 0.8])
        other = read(sure, sure, for_prompt=[*prompt, 50363])
        assert other[1:] == (0.0, [0.0]), "a reading for another prompt is not used: the window is read again"
    finally:
        model.model = real
        model.first_readings.value = {}


def test_windows_are_grouped_in_order_and_the_next_group_encoded_first() -> None:
    def window(n: int, speech: bool = True) -> SpeechWindow:
        audio = np.full(SAMPLE_RATE, n, dtype=np.float32)
        return SpeechWindow(audio=audio if speech else audio[:0], chunks=[(n, n + 1)] if speech else [], consumed=n)

    windows = [window(1), window(2, speech=False), window(3), window(4), window(5), window(6, speech=False)]
    events: list[tuple[str, list[int]]] = []
    out = []
    for w in _in_groups(
        iter(windows),
        2,
        lambda audio: events.append(("prefetch", [int(audio[0])])),
        lambda audios: events.append(("read", [int(a[0]) for a in audios])),
    ):
        events.append(("yield", [w.consumed]))
        out.append(w)
    assert out == windows
    assert events == [
        ("prefetch", [3]),  # the first group: what is read beside the first window
        ("prefetch", [4]),  # the next group, encoded while this one is decoded
        ("prefetch", [5]),
        ("read", [1, 3]),
        ("yield", [1]),
        ("yield", [2]),
        ("yield", [3]),
        ("read", [4, 5]),
        ("yield", [4]),
        ("yield", [5]),
        ("yield", [6]),
    ]


def test_replicas_follow_the_cpus_matrix_library() -> None:
    """Where CTranslate2 decodes with Intel MKL (Intel CPUs), a second core speeds decoding up by itself; elsewhere
    (oneDNN: AMD) it does not, and a second replica encodes ahead instead."""
    assert ctranslate2_uses_mkl("GenuineIntel", {}) and not ctranslate2_uses_mkl("AuthenticAMD", {})
    assert ctranslate2_uses_mkl("AuthenticAMD", {"CT2_USE_MKL": "1"})
    assert not ctranslate2_uses_mkl("GenuineIntel", {"CT2_USE_MKL": "0"})
    assert default_replicas(2, uses_mkl=False) == 2 and default_replicas(8, uses_mkl=False) == 2
    assert default_replicas(2, uses_mkl=True) == 1 and default_replicas(1, uses_mkl=False) == 1


def test_one_core_encodes_nothing_ahead(base_model: Path, english_audio: np.ndarray) -> None:
    engine = get_engine("faster", base_model, cpu_threads=1, window_seconds=6.0)
    assert engine.replicas == 1
    recorder = engine.model.model = _Recorder(engine.model.model)
    try:
        result = engine.transcribe(english_audio[: 15 * SAMPLE_RATE])
    finally:
        engine.model.model = recorder.model
    assert result.text
    assert {c[1] for c in recorder.calls} == {threading.current_thread().name}


def test_faster_cancel_from_progress_callback(faster_engine, english_audio: np.ndarray) -> None:
    calls = []

    def stop(fraction, segments):
        calls.append(fraction)
        return False

    with pytest.raises(Cancelled) as excinfo:
        faster_engine.transcribe(english_audio, on_progress=stop)
    assert len(calls) == 1 and excinfo.value.fraction_done == calls[0]


def test_quiet_room_noise_produces_no_text(faster_engine) -> None:
    """Not digital silence: low hum and hiss go through Silero VAD, which drops it all."""
    rng = np.random.default_rng(7)
    t = np.arange(90 * SAMPLE_RATE) / SAMPLE_RATE
    noise = (0.003 * rng.standard_normal(len(t)) + 0.002 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    result = faster_engine.transcribe(noise)
    assert result.segments == []
    assert result.timings["asr_s"] == 0.0 and result.timings["vad_s"] > 0.0


def test_three_hours_of_silence_invent_nothing(faster_engine, tmp_path: Path) -> None:
    """A 3-hour silent recording (2 MB FLAC) is decoded in 10-minute blocks: no text, little memory."""
    block = np.zeros(600 * 8000, dtype=np.float32)
    path = write_audio(tmp_path / "silence.flac", (block for _ in range(18)), fmt="flac", source_rate=8000)
    info = sniff_audio(path, max_seconds=4 * 3600)
    assert info.duration == pytest.approx(3 * 3600, abs=1)
    progress: list[float] = []
    result = faster_engine.transcribe(path, on_progress=lambda f, s: progress.append(f))
    assert result.segments == [] and result.text == ""
    assert result.timings["audio_s"] == pytest.approx(3 * 3600, abs=1)
    assert len(progress) >= 18 and progress[-1] == 1.0


def test_restore_times_uses_word_midpoints() -> None:
    sr = SAMPLE_RATE
    seg = Segment(0.0, 3.0, "a b", "en", 0.9, words=[Word(0.2, 0.8, "a", 0.9), Word(1.1, 1.9, "b", 0.9)])
    (restored,) = _restore_times([seg], [(5 * sr, 6 * sr), (20 * sr, 22 * sr)])
    assert [(w.start, w.end) for w in restored.words] == [(5.2, 5.8), (20.1, 20.9)]
    assert (restored.start, restored.end) == (5.2, 20.9)


def test_next_window_reads_the_decoders_own_tokens(faster_engine, english_audio: np.ndarray) -> None:
    """The context carried to the next window is what the decoder produced, timestamp tokens included (as
    faster-whisper's condition_on_previous_text gives it), and never text a guard has changed."""
    from faster_whisper.tokenizer import Tokenizer  # noqa: PLC0415  (heavy, optional)

    timestamp_begin = Tokenizer(faster_engine.model.hf_tokenizer, True, "transcribe", "en").timestamp_begin
    result = faster_engine._transcribe_window(english_audio[: 20 * SAMPLE_RATE], "en")
    assert result.segments
    prompt = faster_engine._prompt(result.segments)
    assert isinstance(prompt, list) and 0 < len(prompt) <= 223
    assert any(token >= timestamp_begin for token in prompt)  # timestamps, not only text
    assert any(token < timestamp_begin for token in prompt)
    # A window the guards acted on carries nothing forward; and what was asked for once is forgotten.
    assert faster_engine._context_from(result.segments, [{"kind": "caption"}]) is None
    assert faster_engine._prompt(result.segments) is None
    # Text a guard changed is never given back as the decoder's own.
    again = faster_engine._transcribe_window(english_audio[: 20 * SAMPLE_RATE], "en")
    again.segments[-1].text = "Subtitles by the Amara.org community"
    assert faster_engine._prompt(again.segments) is None
