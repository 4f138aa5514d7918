"""The fine-tuning experiment on the real dev split: the split backbone is the backbone, and the command
runs as a user runs it (a subprocess, output to a pipe) and scores only dev posts out of fold."""
import json
import subprocess
import sys

import numpy as np
import pytest

from nlp.backbone.convert import prepare


@pytest.fixture(scope="module")
def backbone():
    from transformers import BertModel

    return BertModel.from_pretrained(str(prepare()), add_pooling_layer=False).eval()


@pytest.mark.parametrize("layers", [1, 4])
def test_frozen_bottom_and_untrained_top_give_the_backbones_embedding(backbone, layers):
    import torch
    from tokenizers import Tokenizer

    from nlp.train.finetune_real import TunedTop

    tokenizer = Tokenizer.from_file(str(prepare() / "tokenizer.json"))
    texts = ["紧急求助：老人被困三楼，水已经到腰了", "河南加油！"]
    ids = [e.ids for e in tokenizer.encode_batch(["query: " + t for t in texts])]
    width = max(map(len, ids))
    x = torch.tensor([i + [1] * (width - len(i)) for i in ids])
    mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i in ids])
    model = TunedTop(backbone, layers, 3)
    model.top.eval()
    with torch.inference_mode():
        split = model.pooled(model.lower(x, mask), mask).numpy()
        whole = backbone(input_ids=x, attention_mask=mask).last_hidden_state
        expected = ((whole * mask[..., None]).sum(1) / mask.sum(1, keepdim=True)).numpy()
    assert model.split == 12 - layers
    np.testing.assert_allclose(split, expected, atol=1e-4)


def test_command_scores_dev_posts_out_of_fold_beside_the_shipped_head(tmp_path):
    """Sentiment and requests share one tuned top here; the figures come per task."""
    from nlp.train import data

    rows = data.real_storm_dev()[:40]
    dump = tmp_path / "oof.npz"  # a stand-in for `choose --dump`: the shipped head said "negative" everywhere
    np.savez(dump, ids=np.array([r["id"] for r in rows]), stage2=np.tile([0.8, 0.1, 0.1], (len(rows), 1)))
    requests = tmp_path / "requests.npz"  # and "not a request" everywhere
    np.savez(requests, ids=np.array([r["id"] for r in rows]), stage2=np.tile([0.9, 0.1], (len(rows), 1)))
    done = subprocess.run([sys.executable, "-m", "nlp.train.finetune_real", "--task", "sentiment,rescue", "--limit", "40",
                           "--layers", "1", "--epochs", "1", "--threads", "1", "--with-reviews", "4",
                           "--score-reviews", "8", "--stage2-dump", str(dump), "--stage2-dump", str(requests),
                           "--dump-oof", str(tmp_path / "top.npz")],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["posts"] == 40 and result["layers"] == 1 and result["reviews trained"] == 4
    reviews = result["ChnSentiCorp dev (8)"]  # scored by every fold's top, never trained on
    assert set(reviews) >= {"shipped head alone", "each fold's top alone (mean)",
                            "each fold's top blended with the head (mean)"}
    assert all(0.0 <= value <= 1.0 for value in reviews.values())
    negative = sum(r["sentiment"] == "negative" for r in rows) / len(rows)
    assert result["sentiment"]["shipped stage 2"]["accuracy"] == round(negative, 4)
    assert 0.0 <= result["sentiment"]["tuned"]["accuracy"] <= 1.0
    assert result["rescue"]["shipped stage 2"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert set(result["rescue"]["tuned"]) == {"precision", "recall", "f1"}
    assert "test split was not read" in done.stderr
    for fold in range(5):  # every post was held out once: each fold's log line says so
        assert f"fold {fold}:" in done.stderr
    held = sum(int(line.split(", ")[1].split()[0]) for line in done.stderr.splitlines() if line.startswith("fold "))
    assert held == 40
    top = np.load(tmp_path / "top.npz")  # the out-of-fold probabilities, for the routing's choice
    assert list(top["ids"]) == [r["id"] for r in rows]
    assert top["sentiment"].shape == (40, 3) and top["rescue"].shape == (40, 2)
    np.testing.assert_allclose(top["sentiment"].sum(1), 1.0, atol=1e-5)
    top_accuracy = np.mean(np.array(["negative", "neutral", "positive"])[top["sentiment"].argmax(1)]
                           == np.array([r["sentiment"] for r in rows]))
    assert round(float(top_accuracy), 4) == result["sentiment"]["tuned"]["accuracy"]

    # the routing tool blends the top into stage 2 as the engine does: at weight 1, stage 2 is the top
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    ids = np.array([r["id"] for r in rows])
    for task, labels in (("rescue", ["other", "request"]), ("sentiment", ["negative", "neutral", "positive"]),
                         ("category", ["natural_disaster", "public_safety"])):
        flat = np.full((40, len(labels)), 1.0 / len(labels))
        np.savez(dumps / f"{task}.npz", ids=ids, stage1=flat, stage2=flat, labels=np.array(labels))
    routed = subprocess.run([sys.executable, "-m", "nlp.train.route", "--dumps", str(dumps),
                             "--tuned-top", str(tmp_path / "top.npz"), "--top-weight", "1"],
                            capture_output=True, text=True, timeout=600)
    assert routed.returncode == 0, routed.stderr[-2000:]
    everywhere = json.loads(routed.stdout.splitlines()[0])
    assert everywhere["policy"] == "stage 2 on every post"
    assert everywhere["sentiment_accuracy"] == round(float(top_accuracy), 4)


def test_an_unknown_task_is_refused_with_the_tasks_named():
    done = subprocess.run([sys.executable, "-m", "nlp.train.finetune_real", "--task", "sentiment,category"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "--task takes sentiment, rescue" in done.stderr


def test_rows_without_a_tasks_label_train_the_other_task_only(backbone):
    """Generated rescue posts carry no sentiment: a batch of them trains the request columns and leaves
    the sentiment columns of the head as they were (no NaN from an empty loss)."""
    import torch
    from tokenizers import Tokenizer

    from nlp.backbone.tuned import TunedTop
    from nlp.train.tuned_top import IGNORE, columns, fit, gold, lower_states

    tokenizer = Tokenizer.from_file(str(prepare() / "tokenizer.json"))
    rows = [{"text": "紧急求助：老人被困三楼", "is_request": True}, {"text": "救援队已经出发", "is_request": False}]
    assert gold("sentiment", rows[0]) == IGNORE and gold("rescue", rows[0]) == 1
    torch.manual_seed(0)
    model = TunedTop(backbone, 1, 5)
    states = lower_states(model, tokenizer, [r["text"] for r in rows], 64)
    targets = {t: torch.tensor([gold(t, r) for r in rows]) for t in ("sentiment", "rescue")}
    before = model.head.weight.detach().clone()
    fit(model, states, targets, columns(["sentiment", "rescue"]), [0, 1], epochs=2, lr=1e-4)
    after = model.head.weight.detach()
    assert torch.isfinite(after).all()
    # the head's sentiment rows got no gradient (only AdamW's decay, 2e-5 a step); its request rows learned
    assert torch.allclose(after[:3], before[:3], rtol=1e-4, atol=1e-8)
    assert (after[3:] - before[3:]).abs().max() > 1e-3
