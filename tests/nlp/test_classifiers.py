"""The committed task models: clear cases, a held-out slice with a loose floor, the cascade's routing.

No retraining here: the artefacts of nlp/models/ are loaded as shipped.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from nlp.cascade import CascadePolicy
from nlp.classify import SparseLinearModel, TaskModel, load_task
from nlp.classify.task import MODELS_DIR, TASKS, featurizer
from yuqing.errors import InputError

DATASETS = Path(__file__).resolve().parents[2] / "nlp" / "datasets"


@pytest.fixture(scope="module")
def models():
    return {task: load_task(task) for task in TASKS}


def stage1(model: TaskModel, texts):
    return model.stage1_proba(featurizer().transform(texts), texts)


def test_every_task_has_small_artefacts_and_a_model_card():
    for task in TASKS:
        folder = MODELS_DIR / task
        card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
        assert "Metrics" in card and "Trained" in card and "test" in card
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        assert meta["labels"]
        size = sum(f.stat().st_size for f in folder.iterdir())
        assert size < 8_000_000, (task, size)


def test_linear_model_round_trip(tmp_path):
    from scipy.sparse import csr_matrix
    model = SparseLinearModel(csr_matrix(np.array([[0.0, 1.0, 0.0], [2.0, 0.0, -1.0]])), np.array([0.1, -0.1]),
                              ["a", "b"], exclusive=True)
    model.save(tmp_path / "m.npz")
    loaded = SparseLinearModel.load(tmp_path / "m.npz")
    x = csr_matrix(np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]))
    assert np.allclose(loaded.predict_proba(x), model.predict_proba(x), atol=1e-3)
    assert np.allclose(loaded.predict_proba(x).sum(axis=1), 1.0)
    dense = loaded.predict_proba(x.toarray())
    assert np.allclose(dense, loaded.predict_proba(x))


def test_stage1_features_are_the_vectors_the_models_were_trained_on():
    """The committed models learned from scikit-learn's HashingVectorizer; the engine hashes with mmh3
    (no scikit-learn import at start-up). Column for column the same, on texts of every shape."""
    from sklearn.feature_extraction.text import HashingVectorizer

    from nlp.classify.features import N_FEATURES, HashedFeaturizer, text_terms

    texts = ["紧急求助：老人被困三楼，水已经到腰了，请救援！", "", "！", "abc 123", "😀" * 5,
             "物业费又涨了？？业主们明天在小区门口集合讨说法", "河南暴雨互助 " * 60, "\u200b@某某 #话题# http://t.cn/x"]
    reference = HashingVectorizer(analyzer=text_terms, n_features=N_FEATURES, alternate_sign=False,
                                  binary=True, norm="l2").transform(texts)
    ours = HashedFeaturizer().transform(texts)
    assert ours.shape == reference.shape and ours.dtype == reference.dtype
    assert (ours.indptr == reference.indptr).all() and (ours.indices == reference.indices).all()
    assert np.allclose(ours.data, reference.data, rtol=0, atol=1e-12)
    assert ours[1].nnz == 0 and ours[0].nnz > 10
    with pytest.raises(ValueError, match="power of two"):
        HashedFeaturizer(1000)


def test_missing_model_names_the_training_command(tmp_path):
    with pytest.raises(InputError, match="python -m nlp.train.sentiment"):
        load_task("sentiment", tmp_path)


def test_sentiment_clear_cases(models):
    texts = ["服务太差了，等了两个小时没人管，再也不来了", "非常满意，环境干净，工作人员热情周到，点赞！"]
    p = stage1(models["sentiment"], texts)
    labels = models["sentiment"].labels
    assert labels[p[0].argmax()] == "negative" and labels[p[1].argmax()] == "positive"


def test_category_clear_cases(models):
    cases = {"暴雨导致小区地下车库被淹，多辆车泡水": "natural_disaster",
             "工厂老板跑路，三百多名工人被拖欠三个月工资": "labor_dispute",
             "小区物业乱收费，业委会和物业公司吵起来了": "property_management",
             "晚上工地施工噪音太大，吵得睡不着": "environment"}
    p = stage1(models["category"], list(cases))
    labels = models["category"].labels
    assert [labels[i] for i in p.argmax(axis=1)] == list(cases.values())


def test_rescue_tells_requests_from_posts_about_help(models):
    texts = ["救命！我们被困在民治街道锦绣花园3栋二楼，水已经到胸口了，家里有老人和小孩，电话13800138000",
             "消防员成功救出被困群众12人，目前均已安全转移"]
    p = stage1(models["rescue"], texts)
    assert p[0, 1] > 0.5 > p[1, 1]


def test_harmful_clear_cases(models):
    texts = ["紧急扩散！自来水厂被投毒了，千万不要喝自来水，转给家人",
             "曝光这个人！张某某，身份证号440301199001011234，家住福田区某小区，大家去找他",
             "今天天气不错，去公园散步了"]
    p = stage1(models["harmful"], texts)
    labels = models["harmful"].labels
    assert p[0, labels.index("rumor")] > 0.5
    assert p[1, labels.index("privacy_leak")] > 0.5
    assert p[2].max() < 0.5


def _rows(name):
    lines = (DATASETS / f"{name}_test.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_held_out_slices_clear_a_loose_floor(models):
    category = _rows("category")[::3]
    p = stage1(models["category"], [r["text"] for r in category])
    accuracy = np.mean([models["category"].labels[i] == r["category"] for i, r in zip(p.argmax(1), category)])
    assert accuracy >= 0.6, accuracy
    rescue = _rows("rescue")[::3]
    p = stage1(models["rescue"], [r["text"] for r in rescue])
    correct = np.mean([(pr >= 0.5) == r["is_request"] for pr, r in zip(p[:, 1], rescue)])
    assert correct >= 0.8, correct


def test_stage2_on_backbone_embeddings(models):
    from nlp.embed import embed_texts
    texts = ["救命！我们被困在二楼，水已经到胸口了，家里有老人，电话13800138000",
             "工厂老板跑路，三百多名工人被拖欠三个月工资"]
    embeddings = embed_texts(texts)
    for task, model in models.items():
        p1 = stage1(model, texts)
        p2 = model.stage2_proba(embeddings, p1)
        assert p2.shape == p1.shape and np.all((p2 >= 0) & (p2 <= 1))
    rescue = models["rescue"]
    assert rescue.stage2_proba(embeddings, stage1(rescue, texts))[0, 1] > 0.5
    category = models["category"]
    p2 = category.stage2_proba(embeddings, stage1(category, texts))
    assert category.labels[p2[1].argmax()] == "labor_dispute"


def test_cascade_routes_unsure_and_risky_posts():
    policy = CascadePolicy(sentiment_confidence=0.8, category_confidence=0.6, risk_floor=0.2, negative_floor=0.9)
    stage1_probs = {
        "sentiment": np.array([[0.05, 0.95], [0.55, 0.45], [0.05, 0.95], [0.95, 0.05]]),
        "category": np.array([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.9, 0.1]]),
        "rescue": np.array([[0.99, 0.01], [0.99, 0.01], [0.5, 0.5], [0.99, 0.01]]),
        "harmful": np.zeros((4, 4)),
    }
    routed, reasons = policy.route(stage1_probs)
    assert routed.tolist() == [False, True, True, True]
    assert reasons["sentiment unsure"] == 1 and reasons["rescue signal"] == 1 and reasons["negative"] == 1
    assert not CascadePolicy(mode="stage1").route(stage1_probs)[0].any()
    sure = dict(stage1_probs, rescue=np.array([[0.02, 0.98], [0.5, 0.5], [0.02, 0.98], [0.02, 0.98]]),
                sentiment=np.array([[0.05, 0.95]] * 4))
    routed, reasons = CascadePolicy(sentiment_confidence=0.8, category_confidence=0.6, risk_floor=0.2,
                                    negative_floor=0.9, rescue_ceiling=0.95).route(sure)
    assert routed.tolist() == [False, True, False, False] and reasons["rescue signal"] == 1  # sure requests stay
    assert CascadePolicy(sentiment_confidence=0.8, category_confidence=0.6, risk_floor=0.2, negative_floor=0.9,
                         rescue_ceiling=1.0).route(sure)[0].all()  # 1 = every rescue signal goes on
    assert CascadePolicy(mode="stage2").route(stage1_probs)[0].all()


def test_a_model_saved_without_a_head_loses_the_head_it_had(tmp_path):
    """Category ships no stage-2 head since 2026-12-02: saving over a folder that held one must not
    leave the old head for the analyser to load."""
    model = load_task("rescue")
    assert model.stage2 is not None
    model.save(tmp_path / "rescue")
    assert load_task("rescue", tmp_path).stage2 is not None
    TaskModel("rescue", model.stage1, None, model.meta, model.rule_features).save(tmp_path / "rescue")
    reloaded = load_task("rescue", tmp_path)
    assert reloaded.stage2 is None
    p1 = np.array([[0.3, 0.7]])
    assert reloaded.stage2_proba(np.zeros((1, 384)), p1) is p1  # routed posts keep stage 1's answer


def test_stage2_can_pass_stage1_through_or_shift_one_type(models):
    """How stage 2 reads a type of a per-type model is chosen on real dev text (harmful's rumour,
    nlp.train.harmful.choose_rumour_stage): it may keep stage 1's probability or shift the head's."""
    harmful = models["harmful"]
    bare = TaskModel("harmful", harmful.stage1, harmful.stage2,
                     {k: v for k, v in harmful.meta.items() if k not in ("stage2_keeps_stage1", "stage2_logit_shift")})
    rng = np.random.default_rng(7)
    embeddings = rng.normal(size=(5, 384)).astype(np.float32)
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    p1 = rng.uniform(0.05, 0.95, size=(5, len(bare.labels)))
    head = bare.stage2_proba(embeddings, p1)
    rumour = bare.labels.index("rumor")
    others = [j for j in range(len(bare.labels)) if j != rumour]

    kept = TaskModel("harmful", bare.stage1, bare.stage2, {**bare.meta, "stage2_keeps_stage1": ["rumor"]})
    out = kept.stage2_proba(embeddings, p1)
    assert np.allclose(out[:, rumour], p1[:, rumour]) and not np.allclose(head[:, rumour], p1[:, rumour])
    assert np.allclose(out[:, others], head[:, others])

    shifted = TaskModel("harmful", bare.stage1, bare.stage2, {**bare.meta, "stage2_logit_shift": {"rumor": -2.0}})
    out = shifted.stage2_proba(embeddings, p1)
    assert np.all(out[:, rumour] < head[:, rumour]) and np.allclose(out[:, others], head[:, others])
    z = np.log(head[:, rumour] / (1 - head[:, rumour])) - 2.0
    assert np.allclose(out[:, rumour], 1 / (1 + np.exp(-z)), atol=1e-6)


def test_the_shipped_rumour_stage_is_the_best_on_real_dev_in_its_own_table(models):
    """The harmful model records how its stage 2 reads rumours, the table of the real dev sets that
    chose it, and applies the choice it records."""
    meta = models["harmful"].meta
    choice = meta["rumour_stage_dev"]
    table = choice["table"]
    assert [line["candidate"] for line in table][:2] == ["stage 1", "stage 2, the head as trained"]
    chosen = next(line for line in table if line["candidate"] == choice["chosen"])
    assert chosen["pooled rumour F1"] == max(line["pooled rumour F1"] for line in table)
    keeps = "rumor" in meta.get("stage2_keeps_stage1", [])
    assert keeps == (choice["chosen"] == "stage 1")
    assert ("rumor" in meta.get("stage2_logit_shift", {})) == choice["chosen"].startswith("stage 2, the head shifted")
    for line in table:
        assert {"Weibo21 val macro-F1", "CHECKED dev macro-F1", "storm dev flagged (rumours among them / rumours)"} <= set(line)


def test_a_bundled_version_changes_with_the_settings_that_change_its_answers(tmp_path):
    """An analysis names the version that made it: the weights and the meta.json entries applied to
    them (stage 2's log bias, logit shift, types passed through from stage 1), not its notes."""
    import shutil

    from nlp.classify.task import content_version

    folder = tmp_path / "sentiment"
    shutil.copytree(MODELS_DIR / "sentiment", folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    meta.pop("version", None)
    (folder / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    before = content_version(folder)
    (folder / "meta.json").write_text(json.dumps({**meta, "note": "read again"}), encoding="utf-8")
    assert content_version(folder) == before
    bias = {label: 0.0 for label in meta["labels"]}
    bias[meta["labels"][0]] = 0.5
    (folder / "meta.json").write_text(json.dumps({**meta, "stage2_log_bias": bias}), encoding="utf-8")
    assert content_version(folder) != before
    assert load_task("sentiment", tmp_path).version == content_version(folder)


def test_the_rumour_stage_is_chosen_on_real_dev_posts_and_the_command_refuses_another_folder(models, tmp_path):
    """The choice reads the real dev sets (a slice of each here): its stage-1 row is stage 1's own F1
    on them, the chosen candidate has the best pooled F1, and it names what it writes into meta.json."""
    import subprocess
    import sys

    from sklearn.metrics import f1_score

    from nlp.train.harmful import _real_rumour_dev_sets, choose_rumour_stage

    harmful = models["harmful"]
    entries, table = choose_rumour_stage(harmful, limit=40)
    sets = _real_rumour_dev_sets(limit=40)
    texts = [t for _, set_texts, _ in sets for t in set_texts]
    y = np.concatenate([set_y for _, _, set_y in sets])
    p1 = stage1(harmful, texts)[:, harmful.labels.index("rumor")]
    assert table[0]["candidate"] == "stage 1"
    assert table[0]["pooled rumour F1"] == round(float(f1_score(y, p1 >= 0.5, zero_division=0)), 4)
    chosen = entries["rumour_stage_dev"]["chosen"]
    assert next(line for line in table if line["candidate"] == chosen)["pooled rumour F1"] == max(
        line["pooled rumour F1"] for line in table)
    assert ("stage2_keeps_stage1" in entries) == (chosen == "stage 1")

    done = subprocess.run([sys.executable, "-m", "nlp.train.harmful", "--rumour-stage", "--output", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "--rumour-stage needs a trained harmful model's folder" in done.stderr
