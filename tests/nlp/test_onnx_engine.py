"""The ONNX Runtime engines give the torch fp32 embeddings (fp32: cosine ≥ 0.99; int8: ≥ 0.97), and
their export is done once."""
import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from nlp.backbone.engines import ENGINES, OnnxEngine, OnnxInt8Engine  # noqa: E402
from nlp.backbone.onnxrt import FILES, MANIFEST, is_onnx_prepared, prepare_onnx  # noqa: E402

SENTENCES = [
    "深圳市龙华区民治街道暴雨，我家被困了！",
    "小区物业乱收费，业主维权无门",
    "今天天气很好，公园里人很多",
    "工厂老板跑路，工人三个月没发工资",
    "紧急求助：老人被困三楼，水已经到腰了 13800138000",
    "網傳某地發生爆炸，官方闢謠",
    "噪音扰民，晚上施工到凌晨两点！！！",
    "燃气泄漏引发火灾，消防已到场 #突发# " * 3,
    "好",
    "",
]
# measured on bench/bench_nlp.py's 128 posts: int8 min cosine 0.996; the floor leaves a margin
INT8_FLOOR = 0.97


@pytest.fixture(scope="module")
def cache():
    # exports on a fresh machine (about 40 s), reuses the cache otherwise
    return prepare_onnx()


@pytest.fixture(scope="module")
def reference(cache):
    from nlp.backbone.encoder import BackboneEncoder

    return BackboneEncoder(cache, precision="fp32").encode(SENTENCES)


def test_prepare_onnx_is_idempotent(cache):
    assert is_onnx_prepared(cache)
    stamps = {name: (cache / name).stat().st_mtime for name in (*FILES.values(), MANIFEST)}
    assert prepare_onnx(cache) == cache
    assert {name: (cache / name).stat().st_mtime for name in stamps} == stamps


def test_prepare_onnx_detects_a_changed_file(tmp_path, cache):
    for name in ("model.safetensors", *FILES.values()):
        (tmp_path / name).symlink_to(cache / name)
    (tmp_path / MANIFEST).write_bytes((cache / MANIFEST).read_bytes())
    assert is_onnx_prepared(tmp_path)
    (tmp_path / FILES["int8"]).unlink()
    (tmp_path / FILES["int8"]).write_bytes(b"not a model")
    assert not is_onnx_prepared(tmp_path)


def test_engines_are_registered():
    assert ENGINES.get("onnx") is OnnxEngine
    assert ENGINES.get("onnx-int8") is OnnxInt8Engine
    assert "torch" in ENGINES.names()


@pytest.mark.parametrize("name,floor", [("onnx", 0.99), ("onnx-int8", INT8_FLOOR)])
def test_onnx_embeddings_match_torch_fp32(cache, reference, name, floor):
    vectors = ENGINES.get(name)(cache=str(cache), threads=2, batch_size=4).encode(SENTENCES)
    assert vectors.shape == reference.shape == (len(SENTENCES), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    cosine = (vectors * reference).sum(1)
    assert cosine.min() >= floor, cosine


def test_fp32_export_is_numerically_the_torch_model(cache, reference):
    vectors = OnnxEngine(cache=str(cache)).encode(SENTENCES)
    assert ((vectors * reference).sum(1) >= 0.9999).all()


def test_long_text_is_split_into_windows(cache):
    from nlp.backbone.encoder import BackboneEncoder

    text = "小区物业乱收费，业主维权无门。" * 60  # several 32-token windows
    onnx = OnnxEngine(cache=str(cache), max_tokens=32).encode([text])
    torch_fp32 = BackboneEncoder(cache, precision="fp32", max_tokens=32).encode([text])
    assert float((onnx * torch_fp32).sum()) >= 0.9999
