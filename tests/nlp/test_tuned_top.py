"""The tuned top (nlp.backbone.tuned, nlp.train.tuned_top): trained by its command into a model cache,
run in the same pass as the embedding, blended into stage 2 and named in the analyses' versions.

A small top (1 layer, 1 epoch, 40 real dev posts, without the generated rescue posts) keeps this to
about a minute and a half; the engine's own top is made by ``make setup`` with the measured settings."""
import json
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from nlp.analyzer import Analyzer  # noqa: E402
from nlp.backbone.engines import OnnxInt8Engine, TorchFp32Engine  # noqa: E402
from nlp.backbone.onnxrt import OnnxEncoder, prepare_onnx  # noqa: E402
from nlp.backbone.tuned import GRAPH, MANIFEST, WEIGHTS, blend, tuned_info, version_top  # noqa: E402
from nlp.cascade import CascadePolicy  # noqa: E402
from nlp.classify.task import TASKS, featurizer, load_task  # noqa: E402
from yuqing.records import Document, now  # noqa: E402

TEXTS = ["郑州暴雨，我家被困在二楼，老人小孩都在，请求救援！", "今天天气不错，出去走走。",
         "我们车队可以免费运送物资，有需要的联系我", "小区地下车库进水了，物业一直不管，太气人了",
         "紧急求助：京广隧道有车被困，请求支援！" * 30]  # the last one spans two token windows


def _linked(folder, base, names):
    folder.mkdir()
    for name in names:
        (folder / name).symlink_to(base / name)
    return folder


@pytest.fixture(scope="module")
def base():
    return prepare_onnx()


@pytest.fixture(scope="module")
def cache(base, tmp_path_factory):
    """A copy of the model cache (links to its files) with a small tuned top made by the command."""
    folder = _linked(tmp_path_factory.mktemp("tuned") / "e5", base,
                     [p.name for p in base.iterdir() if "tuned" not in p.name])
    done = subprocess.run([sys.executable, "-m", "nlp.train.tuned_top", "--cache", str(folder), "--limit", "40",
                           "--layers", "1", "--epochs", "1", "--no-generated"], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout.strip().splitlines()[-1])
    assert printed["posts"] == 40 and printed["tasks"] == ["sentiment", "rescue"] and printed["layers"] == 1
    return folder


@pytest.fixture(scope="module")
def plain(base, tmp_path_factory):
    """The same cache without a tuned top."""
    return _linked(tmp_path_factory.mktemp("plain") / "e5", base,
                   [p.name for p in base.iterdir() if "tuned" not in p.name])


def test_the_command_installs_a_current_top_and_a_second_run_is_a_no_op(cache):
    info = tuned_info(cache)
    assert info is not None and info["version"].startswith("tuned-")
    assert info["tasks"]["rescue"] == {"labels": ["other", "request"], "columns": [3, 5], "weight": 0.5}
    assert info["tasks"]["sentiment"]["labels"] == load_task("sentiment").labels
    assert info["trained_on"]["posts"] == 40 and info["trained_on"]["settings"]["layers"] == 1
    assert info["trained_on"]["generated_posts"] == 0 and info["trained_on"]["settings"]["generated"] is False
    stamp = (cache / GRAPH).stat().st_mtime_ns
    again = subprocess.run([sys.executable, "-m", "nlp.train.tuned_top", "--cache", str(cache), "--limit", "40",
                            "--layers", "1", "--epochs", "1", "--no-generated"], capture_output=True, text=True,
                           timeout=300)
    assert again.returncode == 0 and "is current" in again.stdout
    assert (cache / GRAPH).stat().st_mtime_ns == stamp


def test_one_pass_gives_the_int8_embedding_and_the_tuned_probabilities(cache):
    import torch
    from tokenizers import Tokenizer

    from nlp.backbone.tuned import TunedTop, load_backbone, softmax_columns
    from nlp.train.tuned_top import token_ids

    frozen = OnnxEncoder(cache, precision="int8").encode(TEXTS)
    embeddings, probs = OnnxEncoder(cache, precision="tuned").encode_tuned(TEXTS)
    assert np.min(np.sum(frozen * embeddings, axis=1)) > 0.999  # the same frozen branch
    info = tuned_info(cache)
    saved = torch.load(cache / WEIGHTS)
    top = TunedTop(load_backbone(cache), saved["layers"], saved["classes"])
    top.load_state_dict(saved["state"])
    tokenizer = Tokenizer.from_file(str(cache / "tokenizer.json"))
    with torch.inference_mode():
        for i, text in enumerate(TEXTS[:4]):  # one window each: the torch top on the whole post
            ids = torch.tensor(token_ids(tokenizer, [text], 256))
            mask = torch.ones_like(ids)
            expected = softmax_columns(top.logits(top.lower(ids, mask), mask).numpy(), info["tasks"])
            for task in ("sentiment", "rescue"):
                assert probs[task][i].sum() == pytest.approx(1.0)
                assert np.abs(probs[task][i] - expected[task][0]).max() < 0.03, (task, text)


def test_the_analyzer_blends_the_tuned_top_into_stage_2_and_names_it(cache, plain):
    models = {task: load_task(task) for task in TASKS}
    tuned = Analyzer(models, policy=CascadePolicy(mode="stage2"), engine=OnnxInt8Engine(cache=str(cache)))
    alone = Analyzer(models, policy=CascadePolicy(mode="stage2"), engine=OnnxInt8Engine(cache=str(plain)))
    with_top, without = tuned.classify(TEXTS), alone.classify(TEXTS)
    embeddings, probs = OnnxEncoder(cache, precision="tuned").encode_tuned(TEXTS)
    features = featurizer().rows(TEXTS)
    for task in ("sentiment", "rescue"):
        model = models[task]
        stage1 = model.stage1_proba(features, TEXTS)
        expected = model.apply_floors(blend(model.stage2_proba(embeddings, stage1), probs[task], 0.5), TEXTS)
        assert np.allclose(with_top[task], expected, atol=1e-5)
        assert not np.allclose(with_top[task], without[task], atol=1e-3)  # the top changed the answer
    for task in ("category", "harmful"):  # tasks it was not trained for are as before
        assert np.allclose(with_top[task], without[task], atol=1e-5)

    docs = [Document(id=f"d{i}", text=t, published_at=now()) for i, t in enumerate(TEXTS)]
    version = tuned_info(cache)["version"]
    for analysis in tuned.analyze(docs):
        assert analysis.model_versions["rescue"].endswith("+" + version)
        assert analysis.model_versions["sentiment"].endswith("+" + version)
        assert "+" not in analysis.model_versions["category"]
    for analysis in alone.analyze(docs):
        assert all("tuned" not in v for v in analysis.model_versions.values())


def test_posts_left_to_stage_1_do_not_name_the_top(cache):
    models = {task: load_task(task) for task in TASKS}
    analyzer = Analyzer(models, policy=CascadePolicy(mode="stage1"), engine=OnnxInt8Engine(cache=str(cache)))
    docs = [Document(id=i, text=t, published_at=now()) for i, t in (("a", TEXTS[0]), ("b", TEXTS[1]))]
    for analysis in analyzer.analyze(docs):
        assert all("tuned" not in v for v in analysis.model_versions.values())


def test_other_engines_run_the_top_in_a_pass_of_their_own(cache):
    embeddings, probs = TorchFp32Engine(cache=str(cache)).encode_tuned(TEXTS[:2])
    reference = OnnxEncoder(cache, precision="tuned").encode_tuned(TEXTS[:2])[1]
    assert embeddings.shape == (2, 384)
    for task in ("sentiment", "rescue"):
        assert np.allclose(probs[task], reference[task], atol=1e-6)


def test_a_damaged_or_stale_top_is_not_used(cache, tmp_path, caplog):
    copy = _linked(tmp_path / "e5", cache, [p.name for p in cache.iterdir() if p.name not in (GRAPH, MANIFEST)])
    (copy / MANIFEST).write_bytes((cache / MANIFEST).read_bytes())
    (copy / GRAPH).write_bytes(b"not a graph")
    assert tuned_info(copy) is None
    assert "do not match" in caplog.text
    embeddings, probs = OnnxInt8Engine(cache=str(copy)).encode_tuned(TEXTS[:1])
    assert probs == {} and embeddings.shape == (1, 384)
    (copy / GRAPH).unlink()
    (copy / GRAPH).symlink_to(cache / GRAPH)
    manifest = json.loads((cache / MANIFEST).read_text(encoding="utf-8"))
    manifest["weights_sha256"] = "0" * 64  # made from other base weights
    (copy / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    assert tuned_info(copy) is None
    assert "other base weights" in caplog.text


def test_a_model_versions_own_top_is_run_instead_of_the_caches(cache, plain, tmp_path, caplog):
    """`yuqing train` puts a top retrained with the corrections into the version's folder: the engine
    runs that one, on a cache with no top (or another one) of its own; a damaged one is not used."""
    version = tmp_path / "v20261203-120000-sentiment"
    version.mkdir()
    own = _linked(version / "tuned-top", cache, [WEIGHTS, GRAPH, MANIFEST])
    assert version_top(version) == own and version_top(tmp_path) is None and version_top(None) is None
    info = tuned_info(plain, own)
    assert info is not None and info["version"] == tuned_info(cache)["version"]
    engine = OnnxInt8Engine(cache=str(plain), top=str(own))
    assert engine.tuned()["version"] == info["version"] and OnnxInt8Engine(cache=str(plain)).tuned() is None
    _, probs = engine.encode_tuned(TEXTS[:2])
    reference = OnnxEncoder(cache, precision="tuned").encode_tuned(TEXTS[:2])[1]
    for task in ("sentiment", "rescue"):
        assert np.allclose(probs[task], reference[task], atol=1e-6)

    damaged = _linked(tmp_path / "damaged", cache, [WEIGHTS, MANIFEST])
    (damaged / GRAPH).write_bytes(b"not a graph")
    assert tuned_info(plain, damaged) is None and "do not match" in caplog.text
    embeddings, probs = OnnxInt8Engine(cache=str(plain), top=str(damaged)).encode_tuned(TEXTS[:1])
    assert probs == {} and embeddings.shape == (1, 384)


def test_corrections_become_rows_of_the_top():
    from nlp.train.tuned_top import IGNORE, correction_rows, gold

    rows = correction_rows({"sentiment": [{"doc_id": "a", "text": "水淹了没人管", "label": "negative"}],
                            "request": [{"doc_id": "a", "text": "水淹了没人管", "label": "request"},
                                        {"doc_id": "b", "text": "已获救，谢谢大家", "label": "not_request"}]})
    assert [(r["id"], gold("sentiment", r), gold("rescue", r)) for r in rows] == [
        ("correction:a", 0, 1), ("correction:b", IGNORE, 0)]
    only_sentiment = correction_rows({"sentiment": [{"doc_id": "c", "text": "排队两小时", "label": "neutral"}]})
    assert gold("rescue", only_sentiment[0]) == IGNORE and gold("sentiment", only_sentiment[0]) == 1


def test_unknown_tasks_are_refused_with_the_known_ones_named():
    done = subprocess.run([sys.executable, "-m", "nlp.train.tuned_top", "--tasks", "rescue,category"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "sentiment, rescue" in done.stderr and "rescue,category" in done.stderr
