"""The emergency desk's filter at storm scale: ``yuqing rescue`` over thousands of posts.

    .venv/bin/python bench/bench_rescue.py [--posts 5000] [--modes trained,rules]

Builds a storm of ``--posts`` posts from the project's held-out rescue test set
(``nlp/datasets/rescue_test.jsonl``: requests for help, offers, news, chatter), each original given
its own phone and building number where it has them, so that it is a distinct request (an original
whose words come out the same as an earlier one's is the same request), and one post in five a repost
(``//@某人:``) of an earlier one, which must merge into that request. Then runs the real command,
``yuqing rescue --input storm.jsonl --output requests.jsonl``, with the trained analyzer (the
service's cascade) and with the rule extractors alone (``--rules``), and prints for each: wall time
including start-up, posts per second, distinct requests found against the truth, and post-level
precision and recall of "this post belongs to a request". Figures only, no asserts.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST_SET = ROOT / "nlp" / "datasets" / "rescue_test.jsonl"


def storm(n: int, seed: int = 20):
    """``(documents, truth)``: truth maps a request post's id to its request key (None otherwise)."""
    rows = [json.loads(line) for line in TEST_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    start = datetime(2026, 9, 7, 18, 0, tzinfo=timezone(timedelta(hours=8)))
    docs, truth, originals = [], {}, []
    for i in range(n):
        at = start + timedelta(seconds=i * 7200 / n)  # the storm's two worst hours
        if originals and i % 5 == 4:
            text, key = rng.choice(originals)
            docs.append({"id": f"p{i}", "text": f"//@热心网友{i % 97}: {text}", "published_at": at.isoformat()})
            truth[f"p{i}"] = key
            continue
        row = rows[i % len(rows)]
        text = row["text"]
        phone = f"139{i:08d}"[:11]
        for old in row.get("phones") or []:  # as written in the post: 159-6400-8532, 1300435 6420, 0755-…
            text = re.sub(r"[- ]?".join(re.sub(r"\D", "", old)), phone, text)
        text = re.sub(r"(\d+)栋", lambda m: f"{(int(m.group(1)) + i) % 40 + 1}栋", text, count=1)
        docs.append({"id": f"p{i}", "text": text, "published_at": at.isoformat()})
        key = f"r:{text}" if row["is_request"] else None  # the same words twice are one request, as a reader would say
        truth[f"p{i}"] = key
        if key:
            originals.append((text, key))
    return docs, truth


def run(mode: str, docs: list[dict], truth: dict, workdir: Path) -> dict:
    source, output = workdir / "storm.jsonl", workdir / f"requests-{mode}.jsonl"
    with open(source, "w", encoding="utf-8") as handle:
        for doc in docs:
            handle.write(json.dumps(doc, ensure_ascii=False) + "\n")
    command = [sys.executable, "-m", "yuqing", "rescue", "--input", str(source), "--output", str(output), "-q",
               "--config", str(workdir / "empty.yaml")] + (["--rules"] if mode == "rules" else [])
    (workdir / "empty.yaml").write_text("{}\n", encoding="utf-8")
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"yuqing rescue ({mode}) failed: {result.stderr[-2000:]}")
    found = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines() if line.strip()]
    flagged = {i for r in found for i in r["doc_ids"]}
    gold = {i for i, key in truth.items() if key}
    true_keys = {truth[i] for i in gold}
    # a found request is right when its posts are mostly of one true request
    pure = sum(1 for r in found
               if max((sum(1 for i in r["doc_ids"] if truth.get(i) == k) for k in {truth.get(i) for i in r["doc_ids"]}
                       if k), default=0) * 2 > len(r["doc_ids"]))
    tp = len(flagged & gold)
    return {"mode": mode, "posts": len(docs), "seconds": round(seconds, 1), "posts_per_s": round(len(docs) / seconds),
            "requests_true": len(true_keys), "requests_found": len(found), "requests_pure": pure,
            "post_precision": round(tp / max(1, len(flagged)), 3), "post_recall": round(tp / max(1, len(gold)), 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--modes", default="trained,rules")
    args = parser.parse_args()
    docs, truth = storm(args.posts)
    print(f"storm: {len(docs)} posts, {sum(1 for k in truth.values() if k)} in requests for help "
          f"({len({k for k in truth.values() if k})} distinct), the rest offers, news and chatter")
    print("| mode | posts | wall s (with start-up) | posts/s | distinct requests found / true (pure) | post precision | post recall |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            r = run(mode, docs, truth, Path(tmp))
            print(f"| {r['mode']} | {r['posts']:,} | {r['seconds']} | {r['posts_per_s']:,} | "
                  f"{r['requests_found']:,} / {r['requests_true']:,} ({r['requests_pure']:,}) | "
                  f"{r['post_precision']:.3f} | {r['post_recall']:.3f} |", flush=True)
            print(json.dumps(r), file=sys.stderr)


if __name__ == "__main__":
    main()
