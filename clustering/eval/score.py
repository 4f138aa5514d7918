"""Scores incident clustering on real storm posts grouped by event by a reader (``EVENT_GUIDELINES.md``).

    python -m clustering.eval.score --split dev            # tune against this
    python -m clustering.eval.score --split test           # report only; never tune on it
    python -m clustering.eval.score --agreement            # the labellers on the two double-labelled overlaps

The split is by event, fixed before any tuning: an event (every post of it) is in dev when
``sha1("event:" + key)`` falls in the first 60 of 100 buckets, a noise post by its own id the same way;
reposts of one event therefore never straddle the split. The engine runs as a user runs it:
``yuqing cluster`` in a subprocess on a JSONL of the split's posts (their own publication times),
with the given config and ``-s`` overrides. BCubed precision/recall/F1 count noise as singletons in
both the labels and the output; beside them two baselines from the same run: every post alone
(what a detector that finds nothing scores) and exact-text duplicates grouped.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

# The storm posts, the JSONL reader and the subprocess run are the text-analysis evaluation's.
from nlp.eval.score import cohen_kappa, documents as posts, read_jsonl, run_yuqing

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels" / "henan_events.jsonl"
OVERLAP = HERE / "labels" / "henan_events_overlap.jsonl"  # 150 random posts, labelled again
#: 226 posts: every post of 40 multi-post events drawn at random (seed 7), 60 noise and 40 one-post
#: posts, shuffled; labelled again by a labeller who saw neither the first labels nor the selection
OVERLAP_GROUPED = HERE / "labels" / "henan_events_overlap2.jsonl"
NOISE = "noise"
DEV_BUCKETS = 60


def split_of(row: dict) -> str:
    key = f"event:{row['event']}" if row["event"] != NOISE else f"noise:{row['id']}"
    return "dev" if int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 100 < DEV_BUCKETS else "test"


def split_labels(split: str, labels: Path = LABELS) -> list[dict]:
    return [row for row in read_jsonl(labels) if split == "all" or split_of(row) == split]


def bcubed(gold: list, pred: list) -> tuple[float, float, float]:
    """BCubed precision, recall, F1; ``None`` in either list is a singleton cluster."""
    gold = [g if g is not None else f"\x00g{i}" for i, g in enumerate(gold)]
    pred = [p if p is not None else f"\x00p{i}" for i, p in enumerate(pred)]
    by_gold, by_pred, pair = Counter(gold), Counter(pred), Counter(zip(gold, pred))
    n = len(gold) or 1
    precision = sum(pair[g, p] / by_pred[p] for g, p in zip(gold, pred)) / n
    recall = sum(pair[g, p] / by_gold[g] for g, p in zip(gold, pred)) / n
    return precision, recall, (2 * precision * recall / (precision + recall) if precision + recall else 0.0)


def gold_groups(rows: list[dict]) -> list:
    return [None if r["event"] == NOISE else r["event"] for r in rows]


def run_cluster(docs: list[dict], overrides: list[str], config: str | None) -> tuple[dict[str, object], float]:
    """``yuqing cluster`` on the posts; each post's incident by id and the wall time in seconds."""
    rows, seconds = run_yuqing("cluster", docs, overrides, config)
    return {r["id"]: r["incident"] for r in rows}, seconds


def figures(gold: list, pred: list) -> dict:
    p, r, f = bcubed(gold, pred)
    sizes = Counter(x for x in pred if x is not None)
    return {"bcubed_precision": round(p, 3), "bcubed_recall": round(r, 3), "bcubed_f1": round(f, 3),
            "clusters": len(sizes), "noise_share": round(sum(x is None for x in pred) / max(1, len(pred)), 3)}


def score(rows: list[dict], predicted: dict[str, object], texts: dict[str, str]) -> dict:
    gold = gold_groups(rows)
    pred = [predicted.get(r["id"]) for r in rows]
    events = Counter(g for g in gold if g is not None)
    multi = {e for e, n in events.items() if n >= 2}
    by_text: dict[str, str] = {}
    duplicates = [by_text.setdefault(texts[r["id"]].strip(), r["id"]) for r in rows]
    dup_sizes = Counter(duplicates)
    found = 0
    members = defaultdict(list)
    for g, p in zip(gold, pred):
        if g in multi:
            members[g].append(p)
    for event, assigned in members.items():  # an event is found when most of its posts share one cluster
        top, count = Counter(assigned).most_common(1)[0]
        found += top is not None and count * 2 > len(assigned)
    return {
        "posts": len(rows), "gold_events": len(events), "gold_events_2plus": len(multi),
        "gold_posts_in_2plus": sum(events[e] for e in multi),
        "gold_noise_share": round(sum(g is None for g in gold) / max(1, len(gold)), 3),
        "engine": figures(gold, pred),
        "events_2plus_found": f"{found}/{len(multi)}",
        "baseline_every_post_alone": figures(gold, [None] * len(gold)),
        "baseline_exact_duplicates": figures(gold, [d if dup_sizes[d] > 1 else None for d in duplicates]),
    }


def agreement(primary: list[dict], second: list[dict]) -> dict:
    """The two labellers on the posts both labelled: BCubed of one against the other (symmetric F1)
    and Cohen's kappa of the noise/event decision."""
    first = {r["id"]: r["event"] for r in primary}
    shared = [r for r in second if r["id"] in first]
    a = [None if first[r["id"]] == NOISE else "a:" + first[r["id"]] for r in shared]
    b = [None if r["event"] == NOISE else "b:" + r["event"] for r in shared]
    p, r, f = bcubed(a, b)
    return {"posts": len(shared), "bcubed_f1_between_labellers": round(f, 3),
            "noise_or_event_kappa": round(cohen_kappa([x is None for x in a], [x is None for x in b]), 3),
            "events_2plus_primary": sum(1 for n in Counter(x for x in a if x).values() if n >= 2),
            "events_2plus_second": sum(1 for n in Counter(x for x in b if x).values() if n >= 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m clustering.eval.score", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--agreement", action="store_true")
    parser.add_argument("--config", help="config file for yuqing cluster (default: an empty one = declared defaults)")
    parser.add_argument("-s", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    if args.agreement:
        primary = read_jsonl(args.labels)
        result = {"random_overlap": agreement(primary, read_jsonl(OVERLAP)),
                  "grouped_overlap": agreement(primary, read_jsonl(OVERLAP_GROUPED))}
    else:
        rows = split_labels(args.split, args.labels)
        docs = posts([r["id"] for r in rows])
        predicted, seconds = run_cluster(docs, args.overrides, args.config)
        result = score(rows, predicted, {d["id"]: d["text"] for d in docs})
        result.update(split=args.split, cluster_seconds=round(seconds, 1))
    print(json.dumps(result, ensure_ascii=False, indent=None if args.format == "json" else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
