"""Benchmark: transcript quality on real human speech, our pipeline vs plain faster-whisper on the same weights.

Not a test. Real read speech from two Debian packages (``scripts/system_packages.sh festvox-ru
pocketsphinx-testdata``; ``make bench-data`` runs it):

- Russian: festvox-ru's 620 utterances of one male speaker (text in ``etc/txt.done.data``);
- English: pocketsphinx-testdata's LibriVox sentences and the "cards" speaker (two speakers), 10 utterances, each
  file all of them in another order.

Utterances are joined into interview-length files with pauses like a conversation's: mostly short (0.4-2.5 s),
some long (6-12 s), filled with quiet room tone, not digital silence (real recordings have none). The known
utterance times are the reference for "dropped" and "in a pause".

For each system and language it prints:

- ``WER`` / ``CER``: jiwer; Russian lower-cased without punctuation or stress marks, ё -> е; English through
  Whisper's EnglishTextNormalizer ("four" == "4");
- ``loops``: words in repetition loops (an n-gram 4 or more times in a row);
- ``captions``: sentences that are known subtitle captions ("Аплодисменты", "Продолжение следует...");
- ``in_pauses``: segments with text that overlap no speech at all;
- ``dropped_s``: seconds of utterances less than half covered by segments with text, each widened by
  ``WORD_PAUSE_SECONDS`` on both sides (a segment timed by its words leaves out the pauses between them: "five
  five" read as "5." and "5." covered 0.6 s of its 1.6 s, all its words there);
- ``gaps_s`` (pipeline only): of those, seconds shown in the editor as "not transcribed" gaps;
- ``wrong_lang``: share of text segments labelled with another language than the one spoken.

Systems: ``pipeline`` = media_tools.engines "faster" with its defaults (Silero VAD, per-chunk language among
kk/ru/en, guards), ``plain`` = ``faster_whisper.WhisperModel.transcribe`` with its own defaults (beam 5, temperature
fallback, condition on previous text, no VAD). Both auto-detect the language unless ``--language`` is given.
``--context`` has the pipeline carry each window's text into the next as a prompt (one window after another, as
before windows were read side by side in batches); ``--systems pipeline`` runs one system only.

By default the whole Russian corpus is used (620 utterances, about two hours with the pauses, in ten files of 12-14
minutes), and thirty English files (``--en-files``); 15-40 minutes on 2 cores. English has only 92 words, and one of
them ("clubs", read as "close", "cloves" or "clothes" by both systems, 4 times per file) decided ten files' WER: on an
Intel Xeon the pipeline was 7 words worse than plain on ten files, 0.055 against 0.047, and better on thirty, 0.054
against 0.065; on an AMD EPYC ten files went the other way. A smaller sample is noise: on 60 utterances the two
systems' Russian WER differed by up to 0.02 either way depending on the CPU (CTranslate2's int8 kernels differ
between AMD and Intel), while on the whole corpus the difference was a tenth of that. ``--quick`` (60 utterances,
two files) is for trying the plumbing. For each language it also prints on how many files each system did better.
Both systems sample at random when they fall back to a higher temperature; CTranslate2's generator is seeded the same
before each system reads each file, so a run repeats on the same CPU.

Usage: python bench/quality.py [--quick] [--ru-utterances 620] [--files-per-language 10] [--en-files 30] [--threads 2]
       [--language auto] [--only ru|en] [--seeds 1] [--show] [--context] [--systems pipeline,plain]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import ctranslate2
import jiwer
import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from media_tools import guards  # noqa: E402  (after the repository is on sys.path)
from media_tools.audio import decode_to_array  # noqa: E402
from media_tools.engines import get_engine  # noqa: E402
from media_tools.weights import install_default_model  # noqa: E402

FESTVOX_RU = Path("/usr/share/festival/voices/russian/msu_ru_nsh_clunits")
POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")
SR = 16000
#: Both systems fall back to sampling at a higher temperature where a window decodes badly, so an unseeded run
#: differs from the last on the same CPU (plain's English WER moved 0.066 -> 0.083 between two runs). CTranslate2
#: seeds a model's generator when the model is made: each system gets a new model, seeded alike, for each file
#: and seed, which makes a run repeat on the same CPU. ``--seeds N`` reads every file N times (seeds SEED, SEED+1,
#: ...): one draw of plain faster-whisper's sampling turned one English file from WER 0.011 into 0.176 (it read
#: "Ten of clubs" three more times into the silence at the end).
SEED = 2026


@dataclass
class Utterance:
    audio: np.ndarray
    text: str


@dataclass
class Built:
    name: str
    language: str
    audio: np.ndarray
    reference: str
    speech: list[tuple[float, float]] = field(default_factory=list)  # utterance times in the file


def load_wav(path: Path) -> np.ndarray:
    return decode_to_array(path)


def russian_utterances(limit: int) -> list[Utterance]:
    data = (FESTVOX_RU / "etc" / "txt.done.data").read_text(encoding="utf-8")
    items = re.findall(r'\(\s*(ru_\d+)\s+"(.*?)"\s*\)', data)
    out = []
    for name, text in items[:limit]:
        wav = FESTVOX_RU / "wav" / f"{name}.wav"
        if wav.exists():
            out.append(Utterance(load_wav(wav), text.replace("+", "")))
    return out


def english_utterances() -> list[Utterance]:
    out = []
    for folder, listing in (("librivox", "transcription"), ("cards", "cards.transcription")):
        for line in (POCKETSPHINX / folder / listing).read_text().splitlines():
            match = re.match(r"\s*<s>(.*)</s>\s*\((.+)\)", line)
            if not match:
                continue
            wav = POCKETSPHINX / folder / f"{match.group(2).strip()}.wav"
            if wav.exists():
                out.append(Utterance(load_wav(wav), match.group(1).strip()))
    return out


def join(name: str, language: str, utterances: list[Utterance], rng: np.random.Generator) -> Built:
    """Utterances with conversation-like pauses of quiet room tone between them."""
    pieces, speech, cursor = [], [], 0.0
    lead = (0.002 * rng.standard_normal(int(1.5 * SR))).astype(np.float32)
    pieces.append(lead)
    cursor += len(lead) / SR
    for i, utt in enumerate(utterances):
        pieces.append(utt.audio)
        speech.append((cursor, cursor + len(utt.audio) / SR))
        cursor += len(utt.audio) / SR
        seconds = rng.uniform(6.0, 12.0) if i % 5 == 4 else rng.uniform(0.4, 2.5)
        pause = (0.002 * rng.standard_normal(int(seconds * SR))).astype(np.float32)
        pieces.append(pause)
        cursor += len(pause) / SR
    return Built(name, language, np.concatenate(pieces), " ".join(u.text for u in utterances), speech)


_RU_UNITS = ["ноль", "один", "два", "три", "четыре", "пять", "шесть", "семь", "восемь", "девять"]
_RU_TEENS = [
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
]
_RU_TENS = [
    "_",
    "_",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
]
_RU_HUNDREDS = ["_", "сто", "двести", "триста", "четыреста", "пятьсот", "шестьсот", "семьсот", "восемьсот", "девятьсот"]


def russian_number(n: int) -> str:
    """A cardinal in words, nominative ("200" -> "двести"; 0..999 999), as festvox-ru's texts spell them."""
    if n == 0:
        return _RU_UNITS[0]
    if n >= 1000:
        thousands, rest = divmod(n, 1000)
        last, last_two = thousands % 10, thousands % 100
        word = (
            "тысяча"
            if last == 1 and last_two != 11
            else "тысячи"
            if 2 <= last <= 4 and last_two // 10 != 1
            else "тысяч"
        )
        head = "" if thousands == 1 else re.sub(r"один$", "одна", re.sub(r"два$", "две", russian_number(thousands)))
        return " ".join(w for w in (head, word, russian_number(rest) if rest else "") if w)
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words.append(_RU_HUNDREDS[hundreds])
    if 10 <= rest < 20:
        words.append(_RU_TEENS[rest - 10])
    else:
        tens, units = divmod(rest, 10)
        if tens:
            words.append(_RU_TENS[tens])
        if units:
            words.append(_RU_UNITS[units])
    return " ".join(words)


def normalise(text: str, language: str = "ru") -> str:
    """Text as both systems are scored: numbers in words, no case, punctuation or stress marks."""
    if language == "en":  # numbers and spellings as Whisper's own English benchmark counts them ("four" == "4")
        from whisper.normalizers import EnglishTextNormalizer  # noqa: PLC0415  (heavy, optional: imports torch)

        return EnglishTextNormalizer()(text)
    text = unicodedata.normalize("NFC", text).lower().replace("ё", "е").replace("-", " ")
    text = re.sub(r"[^\w\s']", " ", text)
    # festvox-ru spells every number out; Whisper writes "6 фельетонов по 200 строк" as often as in words. Both are
    # right, so digits are read as words (nominative) for both systems, as the English normaliser does for English.
    text = re.sub(r"\d{1,6}", lambda m: f" {russian_number(int(m.group(0)))} ", text)
    return " ".join(text.split())


@dataclass
class Seg:
    start: float
    end: float
    text: str
    language: str | None
    kind: str = "speech"


#: A pause between words that a segment's time may leave out (Silero VAD pads speech by as much).
WORD_PAUSE_SECONDS = 0.4


def score(built: Built, segments: list[Seg]) -> dict[str, float]:
    spoken = [s for s in segments if s.text.strip()]
    hypothesis = normalise(" ".join(s.text for s in spoken), built.language)
    reference = normalise(built.reference, built.language)
    loops = sum(guards.loop_words(s.text) for s in spoken)
    captions = sum(
        1 for s in spoken for sentence in guards.split_sentences(s.text) or [s.text] if guards.is_caption(sentence)
    )
    in_pauses = sum(1 for s in spoken if not any(s.start < e and s.end > b for b, e in built.speech))
    dropped = gaps = 0.0
    for b, e in built.speech:
        widened = [(s.start - WORD_PAUSE_SECONDS, s.end + WORD_PAUSE_SECONDS) for s in spoken]
        covered = (e - b) - sum(h_e - h_b for h_b, h_e in guards.uncovered([(b, e)], widened, min_seconds=0.0))
        if covered < 0.5 * (e - b):
            dropped += e - b
            gap = sum(max(0.0, min(e, s.end) - max(b, s.start)) for s in segments if s.kind == "gap")
            gaps += min(gap, e - b)
    wrong = sum(1 for s in spoken if s.language and s.language != built.language)
    return {
        "wer": jiwer.wer(reference, hypothesis) if hypothesis else 1.0,
        "cer": jiwer.cer(reference, hypothesis) if hypothesis else 1.0,
        "loops": loops,
        "captions": captions,
        "in_pauses": in_pauses,
        "dropped_s": dropped,
        "gaps_s": gaps,
        "wrong_lang": wrong / max(len(spoken), 1),
        "ref_words": len(reference.split()),
    }


#: The pipeline engine's options beyond its defaults (``--context``).
PIPELINE_OPTIONS: dict[str, object] = {}


def run_pipeline(model_dir: Path, built: Built, threads: int, language: str | None) -> tuple[list[Seg], float]:
    engine = get_engine(
        "faster", model_dir, cpu_threads=threads, candidate_languages=("kk", "ru", "en"), **PIPELINE_OPTIONS
    )
    t0 = time.perf_counter()
    result = engine.transcribe(built.audio, language=language)
    elapsed = time.perf_counter() - t0
    return [Seg(s.start, s.end, s.text, s.language, s.kind) for s in result.segments], elapsed


def run_plain(model_dir: Path, built: Built, threads: int, language: str | None) -> tuple[list[Seg], float]:
    from faster_whisper import WhisperModel  # noqa: PLC0415  (heavy, optional)

    # A model of its own, as the pipeline's engine: its generator is seeded when it is made (see SEED).
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True)
    t0 = time.perf_counter()
    segments, info = model.transcribe(built.audio, language=language)
    out = [Seg(s.start, s.end, s.text, info.language) for s in segments]
    return out, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", default=str(REPO / "var" / "bench"))
    parser.add_argument("--ru-utterances", type=int, default=620)
    parser.add_argument("--files-per-language", type=int, default=10, help="Russian files")
    parser.add_argument("--en-files", type=int, default=30, help="English files (arrangements of the same utterances)")
    parser.add_argument("--quick", action="store_true", help="60 Russian utterances in two files (plumbing only)")
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--language", default="auto", help="auto, or force kk/ru/en for both systems")
    parser.add_argument("--only", choices=("ru", "en"), help="one language only")
    parser.add_argument("--show", action="store_true", help="print each system's text")
    parser.add_argument("--seeds", type=int, default=1, help="read every file this many times, seeded differently")
    parser.add_argument("--context", action="store_true", help="the pipeline carries context between windows")
    parser.add_argument("--systems", default="pipeline,plain", help="which systems to run (comma-separated)")
    args = parser.parse_args()
    if args.context:
        PIPELINE_OPTIONS["carry_context"] = True
    systems = [(name, {"pipeline": run_pipeline, "plain": run_plain}[name]) for name in args.systems.split(",")]
    if args.quick:
        args.ru_utterances, args.files_per_language, args.en_files = 60, 2, 2

    missing = [str(p) for p in (FESTVOX_RU, POCKETSPHINX) if not p.exists()]
    if missing:
        sys.exit(
            f"missing {', '.join(missing)}: run `bash scripts/system_packages.sh festvox-ru pocketsphinx-testdata`"
        )
    model_dir = install_default_model(Path(args.work_dir) / "models" / "whisper-base")
    rng = np.random.default_rng(2026)
    files: list[Built] = []
    if args.only in (None, "ru"):
        ru = russian_utterances(args.ru_utterances)
        per = max(1, len(ru) // args.files_per_language)
        for i in range(args.files_per_language):
            part = ru[i * per : (i + 1) * per]
            if part:
                files.append(join(f"ru-{i + 1}", "ru", part, rng))
    if args.only in (None, "en"):
        # pocketsphinx-testdata has only 10 English utterances (92 words): one arrangement is too few to compare the
        # two systems (one context where "clubs" is heard as "clothes", four times, is 4 % WER). Each file holds all
        # of them in another order with other pauses, from a generator of their own, so the Russian files stay the
        # same.
        english, en_rng = english_utterances(), np.random.default_rng(2027)
        for i in range(args.en_files):
            order = en_rng.permutation(len(english))
            files.append(join(f"en-{i + 1}", "en", [english[k] for k in order], en_rng))
    language = None if args.language == "auto" else args.language

    print(
        f"weights: Whisper base (CTranslate2 int8), cpu threads: {args.threads}, language: {args.language}, "
        f"pipeline options: {PIPELINE_OPTIONS or 'defaults'}"
    )
    for f in files:
        print(f"{f.name}: {len(f.audio) / SR:.1f} s, {len(f.speech)} utterances, {len(f.reference.split())} words")
    totals: dict[tuple[str, str], dict[str, float]] = {}
    header = (
        f"{'file':8} {'system':9} {'WER':>6} {'CER':>6} {'loops':>5} {'capt':>4} {'pause':>5} "
        f"{'drop_s':>7} {'gaps_s':>7} {'wrong':>6} {'RTF':>6}"
    )
    print(header)
    per_file: dict[tuple[str, str], dict[str, float]] = {}  # (file, system) -> score
    runs = [(f, f.name if args.seeds == 1 else f"{f.name}/{k}", SEED + k) for f in files for k in range(args.seeds)]
    for f, name, seed in runs:
        for system, runner in systems:
            ctranslate2.set_random_seed(seed)  # see SEED
            segments, elapsed = runner(model_dir, f, args.threads, language)
            s = score(f, segments)
            per_file[(name, system)] = s
            rtf = elapsed / (len(f.audio) / SR)
            print(
                f"{name:8} {system:9} {s['wer']:6.3f} {s['cer']:6.3f} {s['loops']:5d} {s['captions']:4d} "
                f"{s['in_pauses']:5d} {s['dropped_s']:7.1f} {s['gaps_s']:7.1f} {s['wrong_lang']:6.2f} {rtf:6.3f}",
                flush=True,
            )
            if args.show:
                print("   ", " | ".join(x.text.strip() for x in segments if x.text.strip())[:3000])
            total = totals.setdefault((f.language, system), {})
            weight = s["ref_words"]
            for key in ("wer", "cer", "wrong_lang"):
                total[key] = total.get(key, 0.0) + s[key] * weight
            for key in ("loops", "captions", "in_pauses", "dropped_s", "gaps_s"):
                total[key] = total.get(key, 0.0) + s[key]
            total["words"] = total.get("words", 0) + weight
            total["seconds"] = total.get("seconds", 0.0) + elapsed
            total["audio"] = total.get("audio", 0.0) + len(f.audio) / SR
    print("totals (WER/CER weighted by reference words):")
    print(header)
    worse = []
    for (lang, system), t in sorted(totals.items()):
        w = t["words"] or 1
        print(
            f"{lang:8} {system:9} {t['wer'] / w:6.3f} {t['cer'] / w:6.3f} {int(t['loops']):5d} "
            f"{int(t['captions']):4d} {int(t['in_pauses']):5d} {t['dropped_s']:7.1f} {t['gaps_s']:7.1f} "
            f"{t['wrong_lang'] / w:6.2f} {t['seconds'] / t['audio']:6.3f}"
        )
    unit = "files" if args.seeds == 1 else "readings (file/seed)"
    for lang in sorted({f.language for f in files}):
        names = [name for f, name, _seed in runs if f.language == lang]
        if len(names) > 1 and len(systems) == 2:
            for key in ("wer", "cer"):
                better = sum(per_file[(n, "pipeline")][key] < per_file[(n, "plain")][key] for n in names)
                worse_files = sum(per_file[(n, "pipeline")][key] > per_file[(n, "plain")][key] for n in names)
                print(f"{lang} {key}: pipeline better on {better} of {len(names)} {unit}, worse on {worse_files}")
    for lang in sorted({lang for lang, _system in totals}):
        ours, plain = totals.get((lang, "pipeline")), totals.get((lang, "plain"))
        if not ours or not plain:
            continue
        for key in ("wer", "cer", "loops", "captions", "in_pauses", "dropped_s"):
            a = ours[key] / (ours["words"] if key in ("wer", "cer") else 1)
            b = plain[key] / (plain["words"] if key in ("wer", "cer") else 1)
            if a > b + 1e-9:
                worse.append(f"{lang} {key}: pipeline {a:.3f} > plain {b:.3f}")
    print("pipeline_worse_than_plain: " + ("; ".join(worse) if worse else "none"))


if __name__ == "__main__":
    main()
