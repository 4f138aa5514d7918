"""Turns the labellers' files into the committed form: ids + labels, phones as hashes, no notes.

    python3 -m nlp.eval.merge LABEL_DIR     # henan_A..J.jsonl → labels/henan_labels.jsonl,
                                            # X → henan_overlap.jsonl, Y → henan_overlap_extension.jsonl

Phones are the data set's replaced digits, still personal-looking data from the posts: the committed
labels keep ``sha256("phone:" + digits)[:12]`` of each, which is what the scorer compares. Notes are
dropped (they may quote a post); ``unsure`` is kept.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from nlp.eval import label as labelling
from nlp.eval.score import EXTENSION_OVERLAP, LABELS, OVERLAP, phone_hash, read_jsonl


def committed(row: dict, labeller: str) -> dict:
    out = {k: row[k] for k in labelling.FIELDS if k != "note"}
    out["phones"] = [phone_hash(p) for p in row["phones"]]
    out["labeller"] = labeller
    return out


def _batch_rows(folder: Path, manifest: dict, batch: str, committed_rows: list[dict]) -> list[dict] | None:
    """A batch's committed rows: from the labeller's file when it is in ``folder``, else the rows
    already committed for it (labellers' files are not kept: a later batch is merged beside them)."""
    path = folder / f"henan_{batch}.jsonl"
    ids = labelling.batch_ids(manifest, batch)
    if not path.exists():
        kept = [r for r in committed_rows if r["labeller"] == batch]
        if sorted(r["id"] for r in kept) == sorted(ids):
            print(f"{path}: not there; the {len(kept)} committed labels of batch {batch} are kept")
            return kept
    if labelling.check_file(path, ids):
        return None
    return [committed(json.loads(line), batch) for line in open(path, encoding="utf-8") if line.strip()]


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:] or ["."])[0])
    manifest = labelling.load_manifest()
    rows = []
    old = {target: read_jsonl(target) if target.exists() else [] for target in (LABELS, OVERLAP, EXTENSION_OVERLAP)}
    for batch in labelling.ALL_BATCHES:
        batch_rows = _batch_rows(folder, manifest, batch, old[LABELS])
        if batch_rows is None:
            return 1
        rows += batch_rows
    outputs = [(LABELS, rows)]
    for batch, target in ((labelling.OVERLAP_BATCH, OVERLAP), (labelling.EXTENSION_OVERLAP_BATCH, EXTENSION_OVERLAP)):
        batch_rows = _batch_rows(folder, manifest, batch, old[target])
        if batch_rows is None:
            return 1
        outputs.append((target, batch_rows))
    for path, data in outputs:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
        print(f"{path}: {len(data)} labelled posts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
