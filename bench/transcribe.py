"""Benchmark: our transcription pipeline vs the openai-whisper CLI, same audio, same weights.

Not a test. Builds a >= 60 s English recording with espeak-ng (so the reference
text is known), assembles the bundled Whisper base weights, converts them to an
openai-whisper checkpoint, then times, each in a fresh process:

(a) ``whisper <file> --model <converted .pt> --device cpu`` with the CLI's defaults
    (beam 5, temperature fallback, condition on previous text); ``--output_dir`` /
    ``--output_format txt`` only say where the text goes;
(b) our pipeline: ``media_tools.engines.get_engine("faster", ...)`` (CTranslate2
    int8, Silero VAD, beam 5).

Wall-clock times include interpreter start, imports, model load, audio decoding
and transcription for both. Prints real-time factors (wall / audio duration),
WER against the known text (jiwer, Whisper's English normaliser) and, as the last
line, ``speedup_vs_openai_whisper_cli: X.XX``.

Needs: espeak-ng (text to speech) and the ffmpeg binary (the openai-whisper CLI
decodes audio with it; our pipeline does not).

``--replicas 1`` times the one-model layout that Intel CPUs get (see media_tools/engines/faster.py) on any CPU.

Usage: python bench/transcribe.py [--work-dir var/bench] [--threads 2] [--replicas N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import av
import jiwer
import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from media_tools import guards  # noqa: E402  (after the repository is on sys.path)
from media_tools.audio import decode_to_array  # noqa: E402
from media_tools.engines import get_engine  # noqa: E402
from media_tools.engines.faster import ctranslate2_uses_mkl, default_replicas  # noqa: E402
from media_tools.weights import convert_ct2_to_openai, install_default_model  # noqa: E402

PARAGRAPHS = [
    "My grandmother grew up in a small village near the river. Every morning she walked to the well "
    "to fetch water for the family, and in the evening everyone gathered around the table to share "
    "bread and tea.",
    "She told us stories about the long winters, when the snow covered the roads for weeks and the "
    "neighbours helped each other to feed the animals and keep the stoves burning.",
    "In spring the whole village worked in the fields. The children carried lunch to their parents "
    "and played by the water until the sun went down behind the hills.",
    "My grandfather was a teacher at the village school. He believed that every child should learn "
    "to read and write, and he kept a small library of books in his own house.",
    "When I visit the village today, the old school is still there. The library is gone, but people "
    "still remember the teacher who lent them books and never asked for anything in return.",
    "These stories matter to me because they show how people lived together, how they shared what "
    "little they had, and how they kept their hope through difficult years.",
]
PAUSE_SECONDS = 0.7
MIN_SECONDS = 60.0


def make_recording(work: Path) -> tuple[Path, str, float]:
    """Speak the paragraphs with espeak-ng and join them into one 16 kHz WAV of >= 60 s."""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        sys.exit("espeak-ng is required: apt-get install espeak-ng")
    pieces, texts = [], []
    pause = np.zeros(int(PAUSE_SECONDS * 16000), dtype=np.float32)
    total = 0.0
    i = 0
    while total < MIN_SECONDS or i < len(PARAGRAPHS):
        text = PARAGRAPHS[i % len(PARAGRAPHS)]
        wav = work / f"p{i}.wav"
        subprocess.run([espeak, "-v", "en-us", "-s", "160", "-w", str(wav), text], check=True)
        samples = decode_to_array(wav)
        pieces += [samples, pause]
        texts.append(text)
        total += (len(samples) + len(pause)) / 16000
        i += 1
    audio = np.concatenate(pieces)
    out = work / "recording.wav"
    with av.open(str(out), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=16000, layout="mono")
        pcm = (np.clip(audio, -1, 1) * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = 16000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out, " ".join(texts), len(audio) / 16000


def normalise(text: str) -> str:
    from whisper.normalizers import EnglishTextNormalizer  # noqa: PLC0415  (heavy, optional: imports torch)

    return EnglishTextNormalizer()(text)


def word_error_rate(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


def run_timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        sys.exit(f"command failed: {' '.join(cmd)}")
    return elapsed, proc


def ours_child(wav: str, model_dir: str, out_json: str, threads: int, replicas: int | None) -> None:
    """Runs inside the timed subprocess: our pipeline, start to finish."""
    # As the worker runs it: auto-detection among the programme's languages, guards on.
    engine = get_engine(
        "faster", model_dir, cpu_threads=threads, candidate_languages=("kk", "ru", "en"), replicas=replicas
    )
    result = engine.transcribe(wav)
    Path(out_json).write_text(json.dumps({"text": result.text, "timings": result.timings}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", default=str(REPO / "var" / "bench"))
    parser.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)))
    parser.add_argument("--replicas", type=int, help="model replicas (default: as the engine chooses for this CPU)")
    parser.add_argument("--ours-child", nargs=3, metavar=("WAV", "MODEL_DIR", "OUT_JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.ours_child:
        ours_child(*args.ours_child, threads=args.threads, replicas=args.replicas)
        return

    if shutil.which("ffmpeg") is None:
        sys.exit("the openai-whisper CLI needs the ffmpeg binary: apt-get install ffmpeg")
    whisper_cli = Path(sys.executable).with_name("whisper")
    if not whisper_cli.exists():
        sys.exit(f"openai-whisper CLI not found at {whisper_cli}")

    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    model_dir = install_default_model(work / "models" / "whisper-base")
    pt = work / "models" / "whisper-base-openai.pt"
    if not pt.exists() or pt.stat().st_mtime < (model_dir / "model.bin").stat().st_mtime:
        convert_ct2_to_openai(model_dir, pt)

    with tempfile.TemporaryDirectory(dir=work) as tmp_name:
        tmp = Path(tmp_name)
        wav, reference, duration = make_recording(tmp)
        print(f"audio: {duration:.1f} s of espeak-ng English, {len(reference.split())} reference words")
        mkl = ctranslate2_uses_mkl()
        print(
            f"cpu threads: {args.threads} in {args.replicas or default_replicas(args.threads, mkl)} model replica(s) "
            f"(CTranslate2 with {'Intel MKL' if mkl else 'oneDNN'}); weights: Whisper base (CTranslate2 float16 -> "
            "openai .pt)"
        )
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "PYTHONPATH": str(REPO)}
        for path in (model_dir / "model.bin", pt):  # same page-cache state for both runs
            path.read_bytes()

        ours_json = tmp / "ours.json"
        passed = [f"--replicas={args.replicas}"] if args.replicas else []
        ours_wall, _ = run_timed(
            [sys.executable, str(Path(__file__).resolve()), "--threads", str(args.threads), *passed,
             "--ours-child", str(wav), str(model_dir), str(ours_json)],
            env,
        )  # fmt: skip
        ours = json.loads(ours_json.read_text())

        cli_out = tmp / "cli"
        cli_wall, _ = run_timed(
            [str(whisper_cli), str(wav), "--model", str(pt), "--device", "cpu",
             "--output_dir", str(cli_out), "--output_format", "txt"],
            env,
        )  # fmt: skip
        cli_text = (cli_out / "recording.txt").read_text()

    ours_wer = word_error_rate(reference, ours["text"])
    cli_wer = word_error_rate(reference, cli_text)

    def invented(text: str) -> tuple[int, int]:
        sentences = guards.split_sentences(text)
        return guards.loop_words(text), sum(1 for x in sentences if guards.is_caption(x))

    t = ours["timings"]
    print(
        f"openai-whisper CLI (beam 5, fallback, fp32): wall {cli_wall:.1f} s  RTF {cli_wall / duration:.3f}  "
        f"WER {cli_wer:.3f}  loop words {invented(cli_text)[0]}  captions {invented(cli_text)[1]}"
    )
    print(
        f"our pipeline (faster-whisper int8 + VAD):    wall {ours_wall:.1f} s  RTF {ours_wall / duration:.3f}  "
        f"WER {ours_wer:.3f}  loop words {invented(ours['text'])[0]}  captions {invented(ours['text'])[1]}"
    )
    print(
        f"  in-process: load {t['load_s']:.2f} s, decode {t['decode_s']:.2f} s, VAD {t['vad_s']:.2f} s, "
        f"ASR {t['asr_s']:.2f} s, transcribe total {t['total_s']:.2f} s (RTF {t['rtf']:.3f})"
    )
    print(f"speedup_vs_openai_whisper_cli: {cli_wall / ours_wall:.2f}")


if __name__ == "__main__":
    main()
