"""From character spans of an excerpt's text to times in the recording.

The excerpt's text is the reviewed transcript: staff may have corrected what the engine heard, so the text is
aligned with the engine's words character by character (difflib), not assumed equal. Where the text holds characters
the engine had no word for, the span gets the gap between the neighbouring words, widened to those words when the
gap is too short to hold speech: muting a little too much is the safe side.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

#: A gap between two words shorter than this cannot hold the missing word: take the neighbours too.
MIN_GAP = 0.3
#: Seconds added on both sides of a proportional guess (a segment without word times).
FALLBACK_WIDEN = 0.5


def char_spans_to_times(
    pieces: Sequence[tuple[Any, ...]], text_offsets: Sequence[tuple[int, int]]
) -> list[tuple[float, float]]:
    """Time span (seconds) of the words each ``(start, end)`` character span of the excerpt touches.

    ``pieces`` are the excerpt's segments in order, each ``(text, words)`` or ``(text, words, start, end)``; the
    excerpt text is the segment texts joined with one space. ``words`` are the engine's
    ``{"start", "end", "word"}`` dicts. A segment without words falls back to the proportional position of the
    span within the segment's time span (from its own ``start``/``end`` when given, else between the neighbouring
    segments' words), widened by ``FALLBACK_WIDEN`` within the segment: pass the segments' own times where known.
    A span that touches no word and no timed segment gets a zero-length span (callers should fail closed on it).
    """
    segments = _segments(pieces)
    result = []
    for a, b in text_offsets:
        times = [t for seg in segments if (t := seg.times(a, b)) is not None]
        if times:
            result.append((min(t[0] for t in times), max(t[1] for t in times)))
        else:
            result.append(_nearest(segments, a))
    return result


class _Segment:
    def __init__(self, text: str, offset: int, words: Sequence[dict], start: float | None, end: float | None):
        self.text, self.offset, self.start, self.end = text, offset, start, end
        self.words = [
            (float(w["start"]), float(w["end"]), str(w.get("word", "")))
            for w in words
            if w.get("start") is not None and w.get("end") is not None
        ]
        self.char_word = self._align() if self.words else []

    def _align(self) -> list[tuple[str, int, int] | None]:
        """For each character of the text: ("w", first, last) engine words it belongs to, or ("gap", before,
        after) when the engine has no word for it (indices -1 at the edges), or None (a space).

        Alignment is by tokens (case and punctuation ignored): a corrected word maps to the words it replaced.
        """
        tokens = [(m.start(), m.end(), _norm(m.group())) for m in re.finditer(r"\S+", self.text)]
        heard = [_norm(w) for _s, _e, w in self.words]
        mapping: list[tuple[str, int, int] | None] = [None] * len(self.text)
        matcher = difflib.SequenceMatcher(None, [t[2] for t in tokens], heard, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            for k in range(i1, i2):
                if tag == "equal":
                    entry = ("w", j1 + k - i1, j1 + k - i1)
                elif tag == "replace":
                    # spread the replaced tokens over the replaced words in order, each at least one word
                    n, m = i2 - i1, j2 - j1
                    first = j1 + (k - i1) * m // n
                    last = max(first, j1 + (k - i1 + 1) * m // n - 1)
                    entry = ("w", first, last)
                elif tag == "delete":
                    entry = ("gap", j1 - 1, j1 if j1 < len(heard) else -1)
                else:
                    continue
                start, end, _ = tokens[k]
                for c in range(start, end):
                    mapping[c] = entry
        return mapping

    def times(self, a: int, b: int) -> tuple[float, float] | None:
        lo, hi = max(a - self.offset, 0), min(b - self.offset, len(self.text))
        if hi <= lo:
            return None
        if not self.words:
            if self.start is None or self.end is None:
                return None
            # Speech rate is not even: widen the guess (within the segment) so a name said slower is still covered.
            n = max(len(self.text), 1)
            dur = self.end - self.start
            a, b = self.start + dur * lo / n, self.start + dur * hi / n
            return (max(self.start, a - FALLBACK_WIDEN), min(self.end, b + FALLBACK_WIDEN))
        found: list[tuple[float, float]] = []
        for k in range(lo, hi):
            entry = self.char_word[k]
            if entry is None or self.text[k].isspace():
                continue
            if entry[0] == "gap":
                found.append(self._gap(entry[1], entry[2]))
            else:
                found.append((self.words[entry[1]][0], self.words[entry[2]][1]))
        if not found:  # only spaces or punctuation the engine had words around
            return None
        return (min(f[0] for f in found), max(f[1] for f in found))

    def _gap(self, before: int, after: int) -> tuple[float, float]:
        if before < 0 and after < 0:
            return (self.words[0][0], self.words[-1][1])
        if before < 0:
            return (self.start if self.start is not None else self.words[after][0], self.words[after][1])
        if after < 0:
            return (self.words[before][0], self.end if self.end is not None else self.words[before][1])
        gap_start, gap_end = self.words[before][1], self.words[after][0]
        if gap_end - gap_start >= MIN_GAP:
            return (gap_start, gap_end)
        return (self.words[before][0], self.words[after][1])


def _segments(pieces: Sequence[tuple[Any, ...]]) -> list[_Segment]:
    segments: list[_Segment] = []
    offset = 0
    for piece in pieces:
        text, words = piece[0], piece[1] or ()
        start = float(piece[2]) if len(piece) > 2 and piece[2] is not None else None
        end = float(piece[3]) if len(piece) > 3 and piece[3] is not None else None
        segments.append(_Segment(text, offset, words, start, end))
        offset += len(text) + 1
    # Segments without words or times: between the neighbours' words.
    for seg in segments:
        if seg.words and seg.start is None:
            seg.start = seg.words[0][0]
        if seg.words and seg.end is None:
            seg.end = seg.words[-1][1]
    for i, seg in enumerate(segments):
        if seg.words or (seg.start is not None and seg.end is not None):
            continue
        prev_end = next((s.end for s in reversed(segments[:i]) if s.end is not None), None)
        next_start = next((s.start for s in segments[i + 1 :] if s.start is not None), None)
        if seg.start is None:
            seg.start = prev_end if prev_end is not None else next_start
        if seg.end is None:
            seg.end = next_start if next_start is not None else prev_end
    return segments


def _nearest(segments: list[_Segment], a: int) -> tuple[float, float]:
    """A span that touches no word at all (spaces between segments): the time at that point."""
    for seg in segments:
        if seg.offset + len(seg.text) >= a and seg.start is not None:
            t = seg.start if a <= seg.offset else (seg.end if seg.end is not None else seg.start)
            return (t, t)
    ends = [s.end for s in segments if s.end is not None]
    t = ends[-1] if ends else 0.0
    return (t, t)


def _norm(word: str) -> str:
    return re.sub(r"[^\w]", "", word.lower())
