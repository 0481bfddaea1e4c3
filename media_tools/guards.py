"""Guards against what Whisper invents, and measures of how sure it is (pure functions, no Django).

Whisper, a small one above all, fills pauses with captions it learnt from subtitled video ("Аплодисменты",
"Продолжение следует...", "Thank you for watching") and gets stuck in loops ("әсің әсің әсің ..."). The engines'
own settings (VAD, no conditioning on previous text, no-repeat n-grams, thresholds) prevent most of it; what gets
through is handled here, and only here:

- a segment that is nothing but a known caption, or mostly a loop, is dropped, and the drop is recorded;
- a loop inside otherwise real text is cut back to one occurrence, and the segment is marked uncertain;
- a segment that repeats what was just said (Whisper copying its own context: "He was not an ill-disposed young
  man, he might have been made..." squeezed into 0.4 s after the sentence was already transcribed) is dropped
  when it goes by faster than it could have been said; a person repeating themselves speaks at a human pace, and
  stays;
- every stretch the VAD marked as speech that no kept segment covers becomes a visible gap a person can fill.

Nothing is ever dropped silently: every decision is returned as a :class:`GuardEvent`.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

#: A segment below this confidence is highlighted for review in the editor.
LOW_CONFIDENCE = 0.5
#: A transcript whose duration-weighted mean confidence is below this says so on its job page.
LOW_TRANSCRIPT_CONFIDENCE = 0.55
#: A run of the same word n-gram this many times in a row is a loop.
LOOP_REPEATS = 4
#: A loop covering at least this share of a segment's words makes the whole segment a loop.
LOOP_SHARE_TO_DROP = 0.5
#: Uncovered speech shorter than this is VAD padding around words, not lost speech.
MIN_GAP_SECONDS = 1.2
#: A segment whose word trigrams are at least this share copies of what was said just before is a repeat...
REPEAT_SHARE = 0.7
#: ... and is dropped when its text goes by faster than anyone speaks (letters per second; read speech is about 10,
#: fast talk 15-20), or faster than people usually speak while the decoder was unsure of it. A repeat at a human
#: pace stays, however unsure: children repeat what an elder said, and Kazakh on a small model is always unsure.
REPEAT_MAX_CHARS_PER_SECOND = 30.0
REPEAT_UNSURE_CHARS_PER_SECOND = 20.0

# Captions of subtitled video that Whisper writes into pauses. Compared after normalisation (lower case, no
# punctuation, ё -> е), as whole sentences only: "музыка" inside a real sentence is left alone.
KNOWN_CAPTIONS: frozenset[str] = frozenset(
    {
        # ru
        "аплодисменты",
        "музыка",
        "спокойная музыка",
        "веселая музыка",
        "грустная музыка",
        "тревожная музыка",
        "динамичная музыка",
        "музыкальная заставка",
        "смех",
        "шум",
        "тишина",
        "продолжение следует",
        "спасибо за просмотр",
        "спасибо за внимание",
        "подписывайтесь на канал",
        "ставьте лайки",
        "до новых встреч",
        "редактор субтитров",
        "корректор",
        # kk
        "қол шапалақтау",
        "музыка ойнайды",
        "жазылыңыз",
        "көргеніңіз үшін рахмет",
        "қарағаныңыз үшін рахмет",
        "жалғасы бар",
        # en
        "applause",
        "music",
        "laughter",
        "silence",
        "thank you for watching",
        "thanks for watching",
        "thank you for watching and see you next time",
        "please subscribe",
        "subscribe to the channel",
        "like and subscribe",
        "to be continued",
        "subtitles by the amara org community",
    }
)
# Captions that start the same way but end with a name or a site ("Субтитры сделал DimaTorzok", "Редактор субтитров
# А.Семкин", "Subtitles by ...").
CAPTION_PREFIXES: tuple[str, ...] = (
    "субтитры",
    "редактор субтитров",
    "корректор ",
    "субтитрлер",
    "subtitles by",
    "transcribed by",
    "translated by",
    "captions by",
    "amara org",
)
_BRACKETED = re.compile(r"^\s*[\[(*♪♫]+[^\])*]*[\])*♪♫]*\s*$")
_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower().replace("ё", "е")
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def is_caption_sentence(sentence: str) -> bool:
    if not sentence.strip():
        return False
    if _BRACKETED.match(sentence) or not any(c.isalnum() for c in sentence):
        return True  # "[Музыка]", "(аплодисменты)", "♪ ♪", "..."
    norm = normalise(sentence)
    return norm in KNOWN_CAPTIONS or norm.startswith(CAPTION_PREFIXES)


def split_sentences(text: str) -> list[str]:
    return [m.group(0) for m in _SENTENCE.finditer(text) if m.group(0).strip()]


def is_caption(text: str) -> bool:
    """True when the whole text is made of known captions (and nothing else)."""
    if not text.strip():
        return False
    if is_caption_sentence(text):  # "Редактор субтитров А.Семкин": a caption with initials in it
        return True
    return all(is_caption_sentence(s) for s in split_sentences(text) or [text])


def strip_captions(text: str) -> tuple[str, list[str]]:
    """Remove caption sentences at the start or end of a text; returns (kept text, removed sentences)."""
    sentences = split_sentences(text)
    removed: list[str] = []
    while sentences and is_caption_sentence(sentences[-1]):
        removed.insert(0, sentences.pop().strip())
    while sentences and is_caption_sentence(sentences[0]):
        removed.append(sentences.pop(0).strip())
    return ("".join(sentences).strip() if removed else text.strip()), removed


@dataclass
class Loop:
    start: int  # index of the first word of the loop
    size: int  # n-gram length
    repeats: int

    @property
    def words(self) -> int:
        return self.size * self.repeats


def find_loops(words: Sequence[str], min_repeats: int = LOOP_REPEATS, max_ngram: int = 6) -> list[Loop]:
    """Runs of one word n-gram repeated ``min_repeats`` or more times in a row (compared normalised)."""
    norm = [normalise(w) for w in words]
    loops: list[Loop] = []
    i = 0
    while i < len(norm):
        best: Loop | None = None
        for size in range(1, max_ngram + 1):
            gram = norm[i : i + size]
            if len(gram) < size or not any(gram):
                break
            repeats = 1
            while norm[i + repeats * size : i + (repeats + 1) * size] == gram:
                repeats += 1
            if repeats >= min_repeats and (best is None or repeats * size > best.words):
                best = Loop(i, size, repeats)
        if best:
            loops.append(best)
            i += best.words
        else:
            i += 1
    return loops


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / max(len(zlib.compress(data)), 1)


def char_loop(text: str) -> bool:
    """ "хахахахахаха", "ааааааа...", a phrase glued to itself: text that compresses far too well."""
    compact = re.sub(r"\s+", "", text)
    return len(compact) >= 24 and compression_ratio(compact) > 3.0


def loop_words(text: str) -> int:
    """How many words of ``text`` are in loops (the benchmark's "loops" figure); "ка-ка-ка-ка" counts too."""
    return sum(loop.words for loop in find_loops(normalise(text).split()))


_GLUED_LOOP = re.compile(r"\b(\w+)(?:-\1\b){3,}", re.IGNORECASE)


def segment_confidence(avg_logprob: float | None, no_speech_prob: float | None) -> float | None:
    """0..1: the mean token probability, discounted by the chance that there was no speech at all."""
    if avg_logprob is None:
        return None
    value = math.exp(min(float(avg_logprob), 0.0)) * (1.0 - min(max(float(no_speech_prob or 0.0), 0.0), 1.0))
    return round(value, 4)


def mean_confidence(segments: Iterable[Any]) -> float | None:
    """Duration-weighted mean confidence of segments with text (attributes start, end, text, confidence)."""
    total = weight = 0.0
    for seg in segments:
        if seg.confidence is None or not (seg.text or "").strip():
            continue
        length = max(seg.end - seg.start, 0.1)
        total += seg.confidence * length
        weight += length
    return round(total / weight, 4) if weight else None


class GuardedSegment(Protocol):
    start: float
    end: float
    text: str
    confidence: float | None
    words: list[Any]


@dataclass
class GuardEvent:
    """One decision of a guard, kept with the transcript ("what the machine heard and we removed")."""

    kind: str  # "caption", "loop", "repeat", "caption-trimmed", "loop-trimmed"
    start: float
    end: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": round(self.start, 3), "end": round(self.end, 3), "text": self.text}


@dataclass
class GuardResult:
    kept: list[Any] = field(default_factory=list)
    events: list[GuardEvent] = field(default_factory=list)


def _collapse_loops(text: str) -> tuple[str, list[Loop]]:
    text = _GLUED_LOOP.sub(r"\1", text)
    words = text.split()
    loops = find_loops(words)
    if not loops:
        return text, []
    out: list[str] = []
    i = 0
    for loop in loops:
        out += words[i : loop.start + loop.size]  # keep one occurrence
        i = loop.start + loop.words
    out += words[i:]
    return " ".join(out), loops


def _trigrams(tokens: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(tokens[i : i + 3]) for i in range(len(tokens) - 2)]


def is_repeat(seg: Any, earlier: set[tuple[str, ...]]) -> bool:
    """``seg`` copies text said just before (trigrams in ``earlier``), faster than it could have been said."""
    tokens = normalise(seg.text or "").split()
    grams = _trigrams(tokens)
    if len(grams) < 3 or sum(g in earlier for g in grams) < REPEAT_SHARE * len(grams):
        return False
    pace = sum(len(t) for t in tokens) / max(seg.end - seg.start, 0.01)
    unsure = seg.confidence is not None and seg.confidence < LOW_CONFIDENCE
    return pace > REPEAT_MAX_CHARS_PER_SECOND or (unsure and pace > REPEAT_UNSURE_CHARS_PER_SECOND)


def guard_segments(segments: Iterable[Any], *, uncertain: float = 0.3, earlier: Iterable[str] = ()) -> GuardResult:
    """Drop segments that are only a caption, mostly a loop, or a repeat of what was just said that goes by faster
    than it could have been said; trim captions and loops inside real text.

    ``earlier``: texts said just before these segments (the previous window's), for repeats across a window's
    edge. A trimmed segment's confidence is capped at ``uncertain`` so the editor asks a person to check it. Word
    timestamps of removed words are dropped with them; the segment's times follow the words that remain.
    """
    result = GuardResult()
    history = normalise(" ".join(earlier)).split()  # one stream: a repeat often spans two earlier segments
    said: set[tuple[str, ...]] = set(_trigrams(history))
    for seg in segments:
        text = (seg.text or "").strip()
        if not text:
            continue
        if is_caption(text):
            result.events.append(GuardEvent("caption", seg.start, seg.end, text))
            continue
        tokens = normalise(text).split()
        looped = loop_words(text)
        if (tokens and looped / len(tokens) >= LOOP_SHARE_TO_DROP) or char_loop(text):
            result.events.append(GuardEvent("loop", seg.start, seg.end, text))
            continue
        if is_repeat(seg, said):
            result.events.append(GuardEvent("repeat", seg.start, seg.end, text))
            continue
        history = history[-2:] + tokens
        said.update(_trigrams(history))
        kept, removed = strip_captions(text)
        if removed:
            result.events.append(GuardEvent("caption-trimmed", seg.start, seg.end, " ".join(removed)))
        if looped:
            kept, _found = _collapse_loops(kept)
            result.events.append(GuardEvent("loop-trimmed", seg.start, seg.end, text))
        if kept != text:
            seg.text = kept
            _trim_words(seg, kept)
            if seg.confidence is not None:
                seg.confidence = min(seg.confidence, uncertain)
        result.kept.append(seg)
    return result


def _trim_words(seg: Any, kept: str) -> None:
    """Keep the word timestamps of the words that are still in the text (in order), and the times they span."""
    words = list(getattr(seg, "words", None) or [])
    if not words:
        return
    wanted = [normalise(w) for w in kept.split()]
    out, j = [], 0
    for word in words:
        if j < len(wanted) and normalise(word.text) == wanted[j]:
            out.append(word)
            j += 1
    if out:
        seg.words = out
        seg.start, seg.end = out[0].start, out[-1].end


def uncovered(
    speech: Sequence[tuple[float, float]],
    covered: Sequence[tuple[float, float]],
    *,
    min_seconds: float = MIN_GAP_SECONDS,
) -> list[tuple[float, float]]:
    """Stretches of ``speech`` (the VAD's speech chunks, seconds) that no ``covered`` interval overlaps.

    Each chunk is judged on its own. The VAD ends a chunk only at a pause, and a pause is not speech: an uncovered
    end of one chunk and an uncovered start of the next are two pieces, never one gap across the pause (joined,
    they made false "not transcribed" gaps of 1-2 s in the editor between two fully transcribed sentences).
    Pieces shorter than ``min_seconds`` are ignored: the VAD pads each chunk by a few hundred ms, and words end
    before their chunk does.
    """
    cover = sorted((s, e) for s, e in covered if e > s)
    pieces: list[tuple[float, float]] = []
    for start, end in speech:
        cursor = start
        for c_start, c_end in cover:
            if c_end <= cursor or c_start >= end:
                continue
            if c_start > cursor:
                pieces.append((cursor, c_start))
            cursor = max(cursor, c_end)
        if cursor < end:
            pieces.append((cursor, end))
    return [(round(s, 3), round(e, 3)) for s, e in pieces if e - s >= min_seconds]
