"""Turns the labellers' files into the committed form: ids + labels, phones as hashes, no notes.

    python3 -m nlp.eval.merge LABEL_DIR     # henan_A..F.jsonl → labels/henan_labels.jsonl, X → henan_overlap.jsonl

Phones are the data set's replaced digits, still personal-looking data from the posts: the committed
labels keep ``sha256("phone:" + digits)[:12]`` of each, which is what the scorer compares. Notes are
dropped (they may quote a post); ``unsure`` is kept.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from nlp.eval import label as labelling
from nlp.eval.score import LABELS, OVERLAP, phone_hash


def committed(row: dict, labeller: str) -> dict:
    out = {k: row[k] for k in labelling.FIELDS if k != "note"}
    out["phones"] = [phone_hash(p) for p in row["phones"]]
    out["labeller"] = labeller
    return out


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:] or ["."])[0])
    manifest = labelling.load_manifest()
    rows = []
    for batch in labelling.BATCHES:
        path = folder / f"henan_{batch}.jsonl"
        if labelling.check_file(path, labelling.batch_ids(manifest, batch)):
            return 1
        rows += [committed(json.loads(line), batch) for line in open(path, encoding="utf-8") if line.strip()]
    overlap_path = folder / f"henan_{labelling.OVERLAP_BATCH}.jsonl"
    if labelling.check_file(overlap_path, labelling.batch_ids(manifest, labelling.OVERLAP_BATCH)):
        return 1
    overlap = [committed(json.loads(line), labelling.OVERLAP_BATCH) for line in open(overlap_path, encoding="utf-8")
               if line.strip()]
    for path, data in ((LABELS, rows), (OVERLAP, overlap)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
        print(f"{path}: {len(data)} labelled posts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
