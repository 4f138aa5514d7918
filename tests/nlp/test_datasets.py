"""The project's labelled sets: sizes, contract labels, a clean train/test split, reproducible."""
import json
from collections import Counter
from pathlib import Path

import pytest

from nlp.phones import extract_phones
from yuqing.records import CATEGORIES, HARMFUL_TYPES, NEEDS, VULNERABLE_GROUPS

HERE = Path(__file__).resolve().parents[2] / "nlp" / "datasets"


def rows(name):
    with open(HERE / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.mark.parametrize("name, minimum", [("rescue", 400), ("harmful", 300), ("category", 13 * 40)])
def test_sizes_and_disjoint_split(name, minimum):
    train, test = rows(f"{name}_train.jsonl"), rows(f"{name}_test.jsonl")
    assert len(train) + len(test) >= minimum and len(test) >= 50
    assert not {r["text"] for r in train} & {r["text"] for r in test}
    if (HERE / f"{name}_dev.jsonl").exists():  # the dev split shares no line with train or test
        dev = {r["text"] for r in rows(f"{name}_dev.jsonl")}
        assert len(dev) >= 50 and not dev & ({r["text"] for r in train} | {r["text"] for r in test})


def test_rescue_labels_follow_the_contract():
    for row in rows("rescue_train.jsonl") + rows("rescue_test.jsonl"):
        assert isinstance(row["is_request"], bool) and row["text"]
        assert set(row["vulnerable"]) <= set(VULNERABLE_GROUPS) and set(row["needs"]) <= set(NEEDS)
        assert row["people_count"] is None or row["people_count"] > 0
        assert row["street"] is None or row["street"].endswith(("街道", "镇"))
        if row["is_request"]:
            assert row["needs"]
    styles = Counter(r.get("style") for r in rows("rescue_train.jsonl") if not r["is_request"])
    assert {"rescued", "safe", "offer", "ad", "notice", "debunk", "news"} <= set(styles)


def test_rescue_gold_phones_are_really_in_the_text():
    """The gold is written from the generator's own numbers; the extractor must agree nearly always."""
    data = rows("rescue_train.jsonl")
    agree = sum(extract_phones(r["text"]) == r["phones"] for r in data)
    assert agree / len(data) >= 0.97


def test_harmful_labels_and_hard_negatives():
    data = rows("harmful_train.jsonl") + rows("harmful_test.jsonl")
    for row in data:
        assert set(row["types"]) <= set(HARMFUL_TYPES)
    counts = Counter(t for r in data for t in r["types"])
    assert all(counts[t] >= 20 for t in HARMFUL_TYPES)
    negatives = Counter(r["style"] for r in data if not r["types"])
    assert {"debunk", "warning", "own_phone"} <= set(negatives)


def test_every_category_has_40():
    data = rows("category_train.jsonl") + rows("category_test.jsonl")
    counts = Counter(r["category"] for r in data)
    assert set(counts) == set(CATEGORIES) and min(counts.values()) >= 40
    assert set(Counter(r["category"] for r in rows("category_test.jsonl"))) == set(CATEGORIES)


def test_generators_reproduce_the_committed_files():
    from nlp.datasets import gen_category, gen_harmful, gen_rescue
    for name, module in (("rescue", gen_rescue), ("harmful", gen_harmful), ("category", gen_category)):
        train, test = module.generate()
        assert train == rows(f"{name}_train.jsonl") and test == rows(f"{name}_test.jsonl"), name
        if hasattr(module, "generate_dev"):
            assert module.generate_dev() == rows(f"{name}_dev.jsonl"), name


@pytest.mark.parametrize("name", ["rescue_handwritten_dev.jsonl", "rescue_handwritten_test.jsonl"])
def test_handwritten_sets_follow_the_contract(name):
    data = rows(name)
    assert len(data) >= 30 and {True, False} == {r["is_request"] for r in data}
    for row in data:
        assert set(row["vulnerable"]) <= set(VULNERABLE_GROUPS) and set(row["needs"]) <= set(NEEDS)
        assert all(extract_phones(p) == [p] for p in row["phones"])


def test_handwritten_category_and_harmful_sets():
    category = rows("category_handwritten_test.jsonl")
    assert Counter(r["category"] for r in category) == {c: 4 for c in CATEGORIES}
    harmful = rows("harmful_handwritten_test.jsonl")
    assert all(set(r["types"]) <= set(HARMFUL_TYPES) for r in harmful)
    assert {t for r in harmful for t in r["types"]} == set(HARMFUL_TYPES)
    assert sum(1 for r in harmful if not r["types"]) >= 8
    generated = {r["text"] for name in ("category", "harmful") for split in ("train", "dev", "test")
                 for r in rows(f"{name}_{split}.jsonl")}
    assert not generated & {r["text"] for r in category + harmful}
