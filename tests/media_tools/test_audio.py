"""Audio intake on real files encoded in the test with PyAV's bundled encoders."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import av
import numpy as np
import pytest
from django.utils.functional import Promise

from media_tools.audio import (
    AudioRejected,
    decode_to_array,
    file_sha256,
    iter_audio_blocks,
    probe_duration,
    sniff_audio,
    stream_to_file,
    strip_metadata_copy,
)

from .audio_factory import FORMATS, tone, write_audio

EXPECTED = {  # fmt -> (friendly format, codec)
    "wav": ("wav", "pcm_s16le"),
    "flac": ("flac", "flac"),
    "mp3": ("mp3", "mp3float"),
    "ogg_opus": ("opus", "opus"),
    "webm_opus": ("webm", "opus"),
    "m4a_aac": ("m4a", "aac"),
    "3gp_amr": ("3gp", "amrnb"),
    "3gp_aac": ("3gp", "aac"),
    "adts_aac": ("aac", "aac"),
    "amr": ("amr", "amrnb"),
}

SECRETS = {
    "title": "SecretTitle42",
    "artist": "JaneDoeArtist",
    "location": "+43.2567+076.9286/",
    "comment": "CommentXYZ",
    "encoder": "HuaweiRecorder7",
}


@pytest.fixture
def tone_file(tmp_path: Path):
    def make(fmt: str, seconds: float = 3.0, name: str | None = None, **kw) -> Path:
        suffix = FORMATS[fmt][3]
        return write_audio(tmp_path / f"{name or fmt}{suffix}", tone(seconds, 16000), fmt=fmt, **kw)

    return make


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_sniff_accepts_phone_formats(tone_file, fmt: str) -> None:
    path = tone_file(fmt, 3.0)
    info = sniff_audio(path, max_bytes=10_000_000, max_seconds=60, min_seconds=0.5)
    assert (info.format, info.codec) == EXPECTED[fmt]
    assert info.duration == pytest.approx(3.0, abs=0.1)
    assert info.channels == 1
    assert info.sample_rate == FORMATS[fmt][2]
    assert info.size == path.stat().st_size
    assert info.sha256 == file_sha256(path)


def test_sniff_ignores_misleading_extension(tone_file, tmp_path: Path) -> None:
    ogg = tone_file("ogg_opus")
    disguised = tmp_path / "recording.mp3"
    shutil.copy(ogg, disguised)
    info = sniff_audio(disguised)
    assert (info.format, info.codec) == ("opus", "opus")


def test_webm_without_duration_like_browsers_record(tmp_path: Path) -> None:
    """MediaRecorder's WebM has no duration in its header; we measure the packets."""
    path = tmp_path / "browser.webm"
    with av.open(str(path), "w", format="webm", options={"live": "1"}) as out:
        stream = out.add_stream("libopus", rate=48000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000, frame_size=960)
        frame = av.AudioFrame.from_ndarray(tone(4.0, 16000).reshape(1, -1), format="flt", layout="mono")
        frame.sample_rate = 16000
        for rframe in [*resampler.resample(frame), *resampler.resample(None)]:
            out.mux(stream.encode(rframe))
        out.mux(stream.encode(None))
    with av.open(str(path)) as container:
        assert container.duration is None  # really header-less
    assert sniff_audio(path).duration == pytest.approx(4.0, abs=0.05)
    assert probe_duration(path) == pytest.approx(4.0, abs=0.05)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_decode_to_array_is_16k_mono_float(tone_file, fmt: str) -> None:
    samples = decode_to_array(tone_file(fmt, 2.0))
    assert samples.dtype == np.float32 and samples.ndim == 1
    # codecs add priming/padding (AAC at 16 kHz: ~110 ms)
    assert len(samples) == pytest.approx(32000, abs=0.15 * 16000)
    assert 0.2 < float(np.max(np.abs(samples))) <= 1.0
    # a 440 Hz tone must still be a 440 Hz tone after resampling
    segment = samples[4000:20000]
    spectrum = np.abs(np.fft.rfft(segment))
    assert np.argmax(spectrum) * 16000 / len(segment) == pytest.approx(440, abs=5)


def test_iter_audio_blocks_streams_fixed_size_blocks(tone_file) -> None:
    blocks = list(iter_audio_blocks(tone_file("flac", 5.0), block_seconds=2.0))
    assert [len(b) for b in blocks[:-1]] == [32000, 32000]
    assert sum(len(b) for b in blocks) == pytest.approx(80000, abs=100)


# --------------------------------------------------------------------------- rejections


def _code(path: Path, **limits) -> str:
    with pytest.raises(AudioRejected) as excinfo:
        sniff_audio(path, **limits)
    # messages are lazy translations; rendering them needs no settings here
    assert str(excinfo.value).startswith(excinfo.value.code)
    return excinfo.value.code


def test_rejects_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.m4a"
    empty.write_bytes(b"")
    assert _code(empty) == "empty"


def test_rejects_truncated_mp3(tone_file, tmp_path: Path) -> None:
    data = tone_file("mp3", 10.0).read_bytes()
    half = tmp_path / "half.mp3"
    half.write_bytes(data[: len(data) // 2])
    assert _code(half) == "corrupt"  # header claims 10 s, only ~5 s present
    stub = tmp_path / "stub.mp3"
    stub.write_bytes(data[:300])
    assert _code(stub) == "corrupt"


def test_rejects_truncated_m4a_without_moov(tone_file, tmp_path: Path) -> None:
    data = tone_file("m4a_aac", 10.0).read_bytes()
    cut = tmp_path / "cut.m4a"
    cut.write_bytes(data[: len(data) // 2])
    assert _code(cut) == "corrupt"


def test_rejects_executable_renamed_mp3(tmp_path: Path) -> None:
    fake = tmp_path / "song.mp3"
    shutil.copy("/bin/ls", fake)
    assert _code(fake) == "not_audio"


def test_rejects_zip_renamed_m4a(tmp_path: Path) -> None:
    fake = tmp_path / "voice.m4a"
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("notes.txt", "hello " * 200)
    assert _code(fake) == "not_audio"


def test_rejects_text_and_random_bytes(tmp_path: Path) -> None:
    text = tmp_path / "a.ogg"
    text.write_bytes(b"just some text, not audio\n" * 100)
    assert _code(text) == "not_audio"
    noise = tmp_path / "b.webm"
    noise.write_bytes(np.random.default_rng(0).integers(0, 256, 50_000, dtype=np.uint8).tobytes())
    assert _code(noise) == "not_audio"


def test_rejects_image(tmp_path: Path) -> None:
    png = tmp_path / "photo.m4a"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    assert _code(png) == "not_audio"


def _write_video(path: Path, with_audio: bool) -> Path:
    with av.open(str(path), "w", format="mp4") as out:
        video = out.add_stream("mpeg4", rate=10)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = out.add_stream("aac", rate=16000, layout="mono") if with_audio else None
        for _ in range(20):
            frame = av.VideoFrame.from_ndarray(np.zeros((48, 64, 3), dtype=np.uint8), format="rgb24")
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        if audio is not None:
            resampler = av.AudioResampler(format="fltp", layout="mono", rate=16000, frame_size=1024)
            frame = av.AudioFrame.from_ndarray(tone(2.0, 16000).reshape(1, -1), format="flt", layout="mono")
            frame.sample_rate = 16000
            for rframe in [*resampler.resample(frame), *resampler.resample(None)]:
                out.mux(audio.encode(rframe))
            out.mux(audio.encode(None))
    return path


def test_rejects_video(tmp_path: Path) -> None:
    assert _code(_write_video(tmp_path / "silent.mp4", with_audio=False)) == "not_audio"
    with_sound = _write_video(tmp_path / "clip.mp4", with_audio=True)
    assert _code(with_sound) == "has_video"
    assert sniff_audio(with_sound, allow_video=True).codec == "aac"


def test_rejects_too_short(tone_file) -> None:
    assert _code(tone_file("wav", 0.1), min_seconds=0.5) == "too_short"


def test_rejects_too_large(tone_file) -> None:
    path = tone_file("wav", 2.0)
    assert _code(path, max_bytes=path.stat().st_size - 1) == "too_large"
    assert sniff_audio(path, max_bytes=path.stat().st_size).size == path.stat().st_size


def test_rejects_too_long(tone_file) -> None:
    assert _code(tone_file("ogg_opus", 5.0), max_seconds=4.0) == "too_long"


def test_rejection_message_is_lazy_translation() -> None:
    exc = AudioRejected("too_large", limit="50")
    assert isinstance(exc.message, Promise)
    assert "50 MB" in str(exc)


# --------------------------------------------------------------------------- metadata stripping


@pytest.mark.parametrize("fmt", ["mp3", "m4a_aac", "ogg_opus", "flac", "webm_opus", "wav", "3gp_amr"])
def test_strip_metadata_copy_removes_tags(tone_file, tmp_path: Path, fmt: str) -> None:
    src = tone_file(fmt, 2.0, metadata=SECRETS, stream_metadata={"title": "StreamTitle99"})
    raw = src.read_bytes()
    assert any(value.encode() in raw for value in SECRETS.values()), "test input should carry tags"
    for suffix in (FORMATS[fmt][3], ".m4a", ".ogg"):
        dst = tmp_path / f"clean-{fmt}{suffix}"
        strip_metadata_copy(src, dst)
        data = dst.read_bytes()
        for value in [*SECRETS.values(), "StreamTitle99"]:
            assert value.encode() not in data, (suffix, value)
        with av.open(str(dst)) as container:
            keys = {k.lower() for k in container.metadata} | {k.lower() for k in container.streams.audio[0].metadata}
        assert not keys & {"title", "artist", "location", "comment", "com.apple.quicktime.location.iso6709"}
        info = sniff_audio(dst)
        assert info.duration == pytest.approx(2.0, abs=0.2)


def test_strip_metadata_copy_reencode(tone_file, tmp_path: Path) -> None:
    src = tone_file("3gp_amr", 2.0, metadata=SECRETS)
    dst = strip_metadata_copy(src, tmp_path / "out.mp3", reencode=True)
    info = sniff_audio(dst)
    assert info.format == "mp3"
    assert info.duration == pytest.approx(2.0, abs=0.3)  # 8 kHz MPEG-2.5 frames are 72 ms; codec delays add up


# --------------------------------------------------------------------------- upload streaming


def test_stream_to_file_writes_and_hashes(tmp_path: Path) -> None:
    chunks = [bytes([i]) * 1000 for i in range(10)]
    stored = stream_to_file(iter(chunks), tmp_path / "up" / "file.bin", max_bytes=10_000)
    assert stored.size == 10_000
    assert stored.path.read_bytes() == b"".join(chunks)
    assert stored.sha256 == file_sha256(stored.path)
    assert not list((tmp_path / "up").glob("*.part"))


def test_stream_to_file_refuses_past_limit_and_cleans_up(tmp_path: Path) -> None:
    consumed = []

    def endless():
        for i in range(1_000_000):
            consumed.append(i)
            yield b"x" * 4096

    dst = tmp_path / "big.bin"
    with pytest.raises(AudioRejected) as excinfo:
        stream_to_file(endless(), dst, max_bytes=100_000)
    assert excinfo.value.code == "too_large"
    assert len(consumed) == 25  # stopped right after crossing the limit, did not drain the upload
    assert not dst.exists() and not list(tmp_path.iterdir())


def test_stream_to_file_cleans_up_on_client_disconnect(tmp_path: Path) -> None:
    def broken():
        yield b"abc"
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        stream_to_file(broken(), tmp_path / "x.bin", max_bytes=100)
    assert not list(tmp_path.iterdir())
