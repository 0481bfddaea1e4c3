"""Transcript exports with maintained libraries: WebVTT (webvtt-py), SRT (srt), plain text, JSON."""

from __future__ import annotations

import datetime
import io
import json

import srt
import webvtt

FORMATS = {"vtt": "text/vtt", "srt": "application/x-subrip", "txt": "text/plain", "json": "application/json"}


def _label(segment: dict) -> str:
    return f"[{segment['speaker']}] " if segment.get("speaker") else ""


def _timestamp(seconds: float) -> str:
    total_ms = int(round(seconds * 1000))
    hours, rest = divmod(total_ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{ms:03d}"


def render(fmt: str, segments: list[dict], meta: dict | None = None) -> str:
    """`segments`: dicts with start, end, text, language, speaker (and optionally confidence, kind, reviewed).

    Subtitles and text carry only what was said: a gap nobody has filled yet ("not transcribed") is left out of
    them; JSON keeps it, so nothing the VAD heard is lost from the full record.
    """
    if fmt != "json":
        segments = [s for s in segments if (s.get("text") or "").strip()]
    if fmt == "vtt":
        vtt = webvtt.WebVTT()
        for s in segments:
            vtt.captions.append(webvtt.Caption(_timestamp(s["start"]), _timestamp(s["end"]), _label(s) + s["text"]))
        buffer = io.StringIO()
        vtt.write(buffer)
        return buffer.getvalue()
    if fmt == "srt":
        return srt.compose(
            srt.Subtitle(
                i + 1,
                datetime.timedelta(seconds=s["start"]),
                datetime.timedelta(seconds=s["end"]),
                _label(s) + s["text"],
            )
            for i, s in enumerate(segments)
        )
    if fmt == "txt":
        return "\n".join(f"[{_timestamp(s['start'])[:8]}] {_label(s)}{s['text']}" for s in segments) + "\n"
    if fmt == "json":
        return json.dumps({**(meta or {}), "segments": segments}, ensure_ascii=False, indent=2) + "\n"
    raise ValueError(f"unknown format {fmt}")


def transcript_segments(transcript) -> list[dict]:
    return [
        {
            "start": s.start,
            "end": s.end,
            "text": s.text,
            "language": s.language,
            "speaker": s.speaker,
            "confidence": s.confidence,
            "kind": s.kind,
            "reviewed": s.reviewed,
        }
        for s in transcript.segments.all()
    ]
