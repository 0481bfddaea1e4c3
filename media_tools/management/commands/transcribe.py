"""Transcribe one audio file from the command line: the transcript on stdout, a progress bar on stderr."""

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from media_tools.audio import AudioRejected, sniff_audio
from media_tools.exports import FORMATS, render
from media_tools.pipeline import load_engine


class Command(BaseCommand):
    help = "Transcribe FILE offline with the configured Whisper weights and print it (vtt, srt, txt or json)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--language", default="auto", choices=["auto", "kk", "ru", "en"])
        parser.add_argument("--engine", default=None, choices=["faster", "openai"])
        parser.add_argument("--format", default="txt", choices=sorted(FORMATS))

    def handle(self, *args, file, language, engine, format, **options):
        try:
            sniff_audio(
                file,
                max_bytes=settings.AUDIO_MAX_BYTES,
                max_seconds=settings.AUDIO_MAX_SECONDS,
                min_seconds=settings.AUDIO_MIN_SECONDS,
            )
        except AudioRejected as error:
            raise CommandError(str(error.message)) from None
        engine_name = engine or settings.WHISPER_ENGINE
        bar = tqdm(total=100, unit="%", file=sys.stderr, desc="transcribing", leave=False)

        def on_progress(fraction, new_segments):
            bar.update(round(fraction * 100) - bar.n)

        result = load_engine(engine_name).transcribe(
            file, language=None if language == "auto" else language, on_progress=on_progress
        )
        bar.close()
        segments = [
            {
                "start": s.start,
                "end": s.end,
                "text": s.text.strip(),
                "language": s.language or "",
                "confidence": s.confidence,
                "speaker": "",
            }
            for s in result.segments
        ]
        self.stdout.write(
            render(
                format,
                segments,
                meta={"engine": result.engine, "model": result.model_name, "language": result.language},
            )
        )
