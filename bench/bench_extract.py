"""Figures of the rule extractors on the project's held-out test sets, and first-stage speed.

    .venv/bin/python bench/bench_extract.py [--split test] [--speed-docs 2000]

Prints phone exact match (the set of phones of a post equals the gold), people-count exact (on
requests with a gold count), street accuracy (on posts whose gold street is known: "where a human
could tell"), rescue-request precision/recall/F1 of ``request_score ≥ nlp.rescue_threshold`` alone,
and the speed of the first stage (normalise + rescue slots + place + keywords) in docs/s on one core.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp.keywords import extract_keywords  # noqa: E402
from nlp.location import default_locator  # noqa: E402
from nlp.rescue import extract_rescue  # noqa: E402
from nlp.text import normalize  # noqa: E402


def load(name: str) -> list[dict]:
    with open(ROOT / "nlp" / "datasets" / name, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def evaluate(rows: list[dict], threshold: float) -> dict:
    phone_ok = people_ok = people_n = street_ok = street_n = tp = fp = fn = 0
    for row in rows:
        slots = extract_rescue(row["text"])
        phone_ok += sorted(slots.phones) == sorted(row["phones"])
        if row["is_request"] and row["people_count"] is not None:
            people_n += 1
            people_ok += slots.people_count == row["people_count"]
        if row["street"]:
            street_n += 1
            street_ok += slots.street == row["street"]
        predicted = slots.request_score >= threshold
        tp += predicted and row["is_request"]
        fp += predicted and not row["is_request"]
        fn += (not predicted) and row["is_request"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"lines": len(rows), "phone_exact": phone_ok / len(rows), "people_exact": people_ok / max(1, people_n),
            "people_n": people_n, "street_accuracy": street_ok / max(1, street_n), "street_n": street_n,
            "request_precision": precision, "request_recall": recall,
            "request_f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0}


def speed(texts: list[str], n: int, keywords: bool = True) -> tuple[float, float]:
    """(docs/s wall clock, docs/s of this process's CPU time: steadier on a shared machine)."""
    locator = default_locator()
    sample = (texts * (n // len(texts) + 1))[:n]
    for text in sample[:50]:  # warm-up: jieba, gazetteer, opencc
        extract_keywords(normalize(text).text)
    wall, cpu = time.perf_counter(), time.process_time()
    for text in sample:
        extract_rescue(text, locator=locator)
        if keywords:
            extract_keywords(normalize(text).text)
    return n / (time.perf_counter() - wall), n / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("train", "test"))
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--speed-docs", type=int, default=2000)
    args = parser.parse_args()
    for extra in ("rescue_handwritten_dev.jsonl", "rescue_handwritten_test.jsonl"):
        hand = evaluate(load(extra), args.threshold)
        print(f"{extra}: {hand['lines']} lines  phones {hand['phone_exact']:.3f}  people {hand['people_exact']:.3f} "
              f"(n={hand['people_n']})  street {hand['street_accuracy']:.3f} (n={hand['street_n']})  "
              f"request P/R/F1 {hand['request_precision']:.3f}/{hand['request_recall']:.3f}/{hand['request_f1']:.3f}")
    rows = load(f"rescue_{args.split}.jsonl")
    figures = evaluate(rows, args.threshold)
    texts = [r["text"] for name in ("rescue", "category", "harmful") for r in load(f"{name}_{args.split}.jsonl")]
    figures["first_stage_docs_per_s"], figures["first_stage_cpu_docs_per_s"] = speed(texts, args.speed_docs)
    figures["rescue_only_docs_per_s"], figures["rescue_only_cpu_docs_per_s"] = speed(texts, args.speed_docs, False)
    print(f"rescue_{args.split}.jsonl: {figures['lines']} lines")
    print(f"  phone exact match        {figures['phone_exact']:.3f}   (goal >= 0.98)")
    print(f"  people count exact       {figures['people_exact']:.3f}   (goal >= 0.90, n={figures['people_n']})")
    print(f"  street accuracy          {figures['street_accuracy']:.3f}   (goal >= 0.90, n={figures['street_n']})")
    print(f"  request P / R / F1       {figures['request_precision']:.3f} / {figures['request_recall']:.3f} / "
          f"{figures['request_f1']:.3f}   (rules alone; goal F1 >= 0.95)")
    print(f"  rules + keywords         {figures['first_stage_docs_per_s']:.0f} docs/s wall, "
          f"{figures['first_stage_cpu_docs_per_s']:.0f} docs/s of CPU time, one core "
          f"({args.speed_docs} docs of the {args.split} sets)")
    print(f"  rescue slots only        {figures['rescue_only_docs_per_s']:.0f} docs/s wall, "
          f"{figures['rescue_only_cpu_docs_per_s']:.0f} docs/s of CPU time")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
