"""The real-text evaluation: labelling tool, frozen splits, agreement, and the scorer on a dev slice.

The scorer runs `yuqing analyze` as a subprocess on real storm posts labelled by reading (dev split
only: the test split is read by `python -m nlp.eval.score --split test` alone, for the README).
"""
import json
import re
import subprocess
import sys
from collections import defaultdict

from nlp.eval import label as labelling
from nlp.eval.score import EXTENSION_OVERLAP, LABELS, OVERLAP, agreement, cohen_kappa, read_jsonl, score


def test_split_is_by_near_duplicate_group_and_matches_the_shared_posts():
    manifest = labelling.load_manifest()
    splits = defaultdict(set)
    for entry in manifest["entries"]:
        splits[entry["group"]].add(entry["split"])
    assert all(len(s) == 1 for s in splits.values()), "a near-duplicate family on both sides of the split"
    posts = labelling.load_posts()
    changed = [e["id"] for e in manifest["entries"] if labelling.text_hash(posts[e["id"]]["text"]) != e["sha256"]]
    assert changed == []
    assert {e["split"] for e in manifest["entries"]} == {"dev", "test"}


def test_committed_labels_are_valid_complete_and_hold_no_phone_digits():
    manifest = labelling.load_manifest()
    rows = read_jsonl(LABELS)
    assert sorted(r["id"] for r in rows) == sorted(e["id"] for e in manifest["entries"])
    for row in rows:
        assert all(re.fullmatch(r"[0-9a-f]{12}", p) for p in row["phones"])  # hashes, never an 11-digit number
        assert "note" not in row
    assert {r["id"] for r in read_jsonl(OVERLAP)} == set(manifest["overlap"])
    assert {r["id"] for r in read_jsonl(EXTENSION_OVERLAP)} == set(manifest["extension_overlap"])
    assert not set(manifest["extension_overlap"]) & set(manifest["overlap"])
    assert {e["split"] for e in manifest["entries"] if e["batch"] in labelling.EXTENSION_BATCHES} == {"dev"}


def test_checker_names_line_and_field(tmp_path, capsys):
    good = {"id": "henan2021-0002", "post_type": "request", "request": True, "request_kind": "rescue",
            "needs": ["evacuation"], "people_count": 4, "vulnerable": [], "phones": ["15259775573"], "harmful": [],
            "sentiment": "negative", "category": "natural_disaster", "street": None, "unsure": False, "note": ""}
    bad = dict(good, id="henan2021-0003", sentiment="angry", people_count=0, street="街")
    path = tmp_path / "labels.jsonl"
    path.write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\nnot json\n", encoding="utf-8")
    assert labelling.check_file(path, None) == 1
    out = capsys.readouterr().out
    assert "labels.jsonl:2: henan2021-0003: sentiment='angry'" in out
    assert "labels.jsonl:2: henan2021-0003: people_count=0" in out
    assert "labels.jsonl:2: henan2021-0003: street='街'" in out
    assert "labels.jsonl:3: not JSON" in out
    assert "labels.jsonl:1:" not in out


def test_kappa_and_agreement():
    assert cohen_kappa(["a", "b", "a", "b"], ["a", "b", "a", "b"]) == 1.0
    assert abs(cohen_kappa(["a", "a", "b", "b"], ["a", "b", "a", "b"])) < 1e-9  # chance agreement only
    result = agreement(read_jsonl(LABELS), read_jsonl(OVERLAP))
    assert result["posts"] == 150 and -1 <= result["request"]["kappa"] <= 1


def test_score_counts_what_it_should():
    gold = [{"id": "a", "request": True, "request_kind": "rescue", "needs": ["evacuation"], "people_count": 3,
             "phones": [], "sentiment": "negative", "category": "natural_disaster", "street": None, "harmful": []},
            {"id": "b", "request": False, "request_kind": None, "needs": [], "people_count": None,
             "phones": [], "sentiment": "positive", "category": "other", "street": "民治街道", "harmful": ["rumor"]}]
    predicted = {"a": {"rescue": {"is_request": True, "needs": ["evacuation", "medical"], "people_count": 3},
                       "sentiment": {"label": "negative"}, "categories": [{"label": "natural_disaster"}],
                       "location": {"street": "民治街道"}},
                 "b": {"rescue": None, "sentiment": {"label": "neutral"}, "categories": [{"label": "other"}],
                       "location": {"street": "民治街道"}, "harmful": {"types": [{"label": "rumor"}]}}}
    result = score(gold, predicted, {"a": "被困求救", "b": "河南加油"})
    assert result["request"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert result["request_keywords"]["recall"] == 1.0
    assert result["needs_micro_f1"] == round(2 / 3, 3)
    assert result["people_count_exact"] == 1.0
    assert result["sentiment_accuracy"] == 0.5 and result["category_top1"] == 1.0
    assert result["street"] == {"predicted": 2, "gold": 1, "correct": 1, "precision": 0.5}
    assert result["harmful"]["rumor"]["f1"] == 1.0


def test_engine_on_a_real_dev_slice_beats_the_keyword_list():
    """`yuqing analyze` on the first 80 real dev posts, as users run it. The rescue model trained on
    the dev split, so this is a regression guard, not a published figure (those are on the test split)."""
    done = subprocess.run([sys.executable, "-m", "nlp.eval.score", "--split", "dev", "--limit", "80",
                           "--format", "json"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["posts"] == 80 and result["split"] == "dev"
    assert result["request"]["f1"] >= 0.85 and result["request"]["f1"] > result["request_keywords"]["f1"]
    assert result["street"]["precision"] is None or result["street"]["precision"] >= 0.9
    # the other tasks' floors on the same real slice (the sentiment and category heads also learnt from
    # the dev split): a model that stops reading real posts fails here, not on templated text
    assert result["sentiment_accuracy"] >= 0.9 and result["category_top1"] >= 0.7
    assert result["phones_exact"] >= 0.85 and result["people_count_exact"] >= 0.5
