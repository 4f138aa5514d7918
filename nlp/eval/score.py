"""Scores the engine on the real storm posts labelled by reading (``GUIDELINES.md``).

    python -m nlp.eval.score --split dev            # tune against this
    python -m nlp.eval.score --split test           # report only; never tune on it
    python -m nlp.eval.score --agreement            # Cohen's kappa of the double-labelled overlap

The posts are read from ``../shared/data`` (never committed); the labels are ids + labels in
``nlp/eval/labels/`` with phones as hashes. The engine runs as users run it: ``yuqing analyze`` in a
subprocess on a temporary JSONL of the split's posts, with the given config and ``-s`` overrides.
Beside it, a nine-word keyword baseline, so a model that loses to a keyword list is seen at once.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from nlp.eval import label as labelling

LABELS = labelling.HERE / "labels" / "henan_labels.jsonl"
OVERLAP = labelling.HERE / "labels" / "henan_overlap.jsonl"
EXTENSION_OVERLAP = labelling.HERE / "labels" / "henan_overlap_extension.jsonl"
KEYWORDS = ("求救", "被困", "救援", "急需", "求助", "救命", "失联", "寻人", "联系不上")


def phone_hash(digits: str) -> str:
    import hashlib
    return hashlib.sha256(("phone:" + "".join(c for c in digits if c.isdigit())).encode()).hexdigest()[:12]


def read_jsonl(path: Path) -> list[dict]:
    """The rows of a JSONL file of our own (labels, the engine's output): trusted, read whole."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def split_labels(split: str, labels_path: Path = LABELS) -> list[dict]:
    manifest = labelling.load_manifest()
    in_split = {e["id"] for e in manifest["entries"] if split == "all" or e["split"] == split}
    return [row for row in read_jsonl(labels_path) if row["id"] in in_split]


def documents(ids: list[str]) -> list[dict]:
    """The posts (read from ../shared/data, never from the repository) as contract documents."""
    posts = labelling.load_posts()
    return [{"id": i, "text": posts[i]["text"], "published_at": posts[i]["published_at"], "source": "henan2021",
             "source_type": "social", "url": posts[i]["url"]} for i in ids]


def run_yuqing(command: str, docs: list[dict], overrides: list[str], config: str | None) -> tuple[list[dict], float]:
    """``yuqing COMMAND --input … --output …`` on the documents, in a subprocess as a user runs it: the
    output rows and the wall time in seconds. Without ``config``, an empty file (the declared
    defaults), never the checkout's demo config.yaml."""
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "docs.jsonl", Path(tmp) / "out.jsonl"
        if config is None:
            config = os.path.join(tmp, "empty.yaml")
            Path(config).write_text("{}\n", encoding="utf-8")
        src.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
        argv = [sys.executable, "-m", "yuqing", "--config", config, command, "--input", str(src), "--output", str(out)]
        for item in overrides:
            argv += ["-s", item]
        started = time.perf_counter()
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"yuqing {command} exited {done.returncode}:\n{done.stderr[-2000:]}")
        return read_jsonl(out), seconds


def run_analyze(docs: list[dict], overrides: list[str], config: str | None) -> tuple[dict[str, dict], float]:
    """``yuqing analyze`` on the documents; analyses by id and the wall time in seconds."""
    rows, seconds = run_yuqing("analyze", docs, overrides, config)
    return {row["id"]: row for row in rows}, seconds


def _prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def score(gold: list[dict], predicted: dict[str, dict], texts: dict[str, str]) -> dict:
    """Every figure of the model and the keyword baseline on the gold rows."""
    from nlp.phones import extract_phones

    c = Counter()
    needs_tp = needs_fp = needs_fn = 0
    people_ok = people_n = phones_ok = 0
    sentiment_ok = category_ok = 0
    street_tp = street_predicted = street_gold = 0
    harmful_counts: dict[str, Counter] = {}
    kind_found: dict[str, Counter] = {}
    for row in gold:
        analysis = predicted.get(row["id"], {})
        rescue = analysis.get("rescue") or {}
        said = bool(rescue.get("is_request"))
        truth = row["request"]
        c["tp" if said and truth else "fp" if said else "fn" if truth else "tn"] += 1
        kw = any(k in texts[row["id"]] for k in KEYWORDS)
        c["kw_tp" if kw and truth else "kw_fp" if kw else "kw_fn" if truth else "kw_tn"] += 1
        if truth:
            kind_found.setdefault(row["request_kind"], Counter())["found" if said else "missed"] += 1
            gold_needs, said_needs = set(row["needs"]), set(rescue.get("needs") or [])
            needs_tp += len(gold_needs & said_needs)
            needs_fp += len(said_needs - gold_needs)
            needs_fn += len(gold_needs - said_needs)
            people_n += 1
            people_ok += (rescue.get("people_count") if said else None) == row["people_count"]
        said_phones = {phone_hash(p) for p in (rescue.get("phones") or analysis.get("phones") or [])}
        phones_ok += said_phones == set(row["phones"]) if (row["phones"] or said) else True
        sentiment_ok += (analysis.get("sentiment") or {}).get("label") == row["sentiment"]
        categories = analysis.get("categories") or [{}]
        category_ok += categories[0].get("label") == row["category"]
        said_street = (analysis.get("location") or {}).get("street")
        street_predicted += bool(said_street)
        street_gold += bool(row["street"])
        street_tp += bool(said_street) and said_street == row["street"]
        said_types = {t["label"] for t in ((analysis.get("harmful") or {}).get("types") or [])}
        for label in labelling.HARMFUL:
            counts = harmful_counts.setdefault(label, Counter())
            g, s = label in row["harmful"], label in said_types
            counts["tp" if g and s else "fp" if s else "fn" if g else "tn"] += 1
    n = len(gold)
    p, r, f = _prf(c["tp"], c["fp"], c["fn"])
    kp, kr, kf = _prf(c["kw_tp"], c["kw_fp"], c["kw_fn"])
    harmful = {}
    for label, counts in harmful_counts.items():
        hp, hr, hf = _prf(counts["tp"], counts["fp"], counts["fn"])
        harmful[label] = {"gold": counts["tp"] + counts["fn"], "flagged": counts["tp"] + counts["fp"],
                          "precision": round(hp, 3), "recall": round(hr, 3), "f1": round(hf, 3)}
    return {
        "posts": n, "requests": c["tp"] + c["fn"],
        "request": {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)},
        "request_keywords": {"precision": round(kp, 3), "recall": round(kr, 3), "f1": round(kf, 3)},
        "request_recall_by_kind": {k: f"{v['found']}/{v['found'] + v['missed']}" for k, v in sorted(kind_found.items())},
        "needs_micro_f1": round(_prf(needs_tp, needs_fp, needs_fn)[2], 3),
        "people_count_exact": round(people_ok / people_n, 3) if people_n else None,
        "phones_exact": round(phones_ok / n, 3) if n else None,
        # the phone reader alone on every post: the analysis carries phones only inside a request
        # (the contract), so a phone in an offer or a post the model missed counts wrong above
        "phones_reader_exact": round(sum({phone_hash(p) for p in extract_phones(texts[row["id"]][:5000])} == set(row["phones"])
                                         for row in gold) / n, 3) if n else None,
        "sentiment_accuracy": round(sentiment_ok / n, 3) if n else None,
        "category_top1": round(category_ok / n, 3) if n else None,
        "street": {"predicted": street_predicted, "gold": street_gold, "correct": street_tp,
                   "precision": round(street_tp / street_predicted, 3) if street_predicted else None},
        "harmful": harmful,
    }


ERROR_FIELDS = ("request", "needs", "people", "phones", "sentiment", "category")


def errors(field: str, gold: list[dict], predicted: dict[str, dict], texts: dict[str, str]) -> list[dict]:
    """The gold rows ``field`` gets wrong, scored as ``score`` scores them: id, text, gold, said.
    Phones are compared as hashes (the labels keep no digits); ``said`` shows the digits found."""
    wrong = []
    for row in gold:
        analysis = predicted.get(row["id"], {})
        rescue = analysis.get("rescue") or {}
        said_request = bool(rescue.get("is_request"))
        if field == "request":
            g, s = row["request"], said_request
        elif field in ("needs", "people"):
            if not row["request"]:
                continue
            key = "needs" if field == "needs" else "people_count"
            g = sorted(row[key]) if field == "needs" else row[key]
            s = (sorted(rescue.get("needs") or []) if field == "needs"
                 else (rescue.get("people_count") if said_request else None))
        elif field == "phones":
            said = rescue.get("phones") or analysis.get("phones") or []
            if not (row["phones"] or said_request) or {phone_hash(p) for p in said} == set(row["phones"]):
                continue
            wrong.append({"id": row["id"], "gold_count": len(row["phones"]), "said": said,
                          "said_right": [p for p in said if phone_hash(p) in set(row["phones"])], "text": texts[row["id"]]})
            continue
        elif field == "sentiment":
            g, s = row["sentiment"], (analysis.get("sentiment") or {}).get("label")
        else:
            g, s = row["category"], ((analysis.get("categories") or [{}])[0]).get("label")
        if g != s:
            wrong.append({"id": row["id"], "gold": g, "said": s, "text": texts[row["id"]]})
    return wrong


def cohen_kappa(a: list, b: list) -> float:
    n = len(a)
    if not n:
        return float("nan")
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(primary: list[dict], second: list[dict]) -> dict:
    """Kappa for the categorical fields, exact agreement for counts, phones and needs, on the overlap."""
    by_id = {row["id"]: row for row in primary}
    pairs = [(by_id[row["id"]], row) for row in second if row["id"] in by_id]
    result: dict = {"posts": len(pairs)}
    for field in ("request", "post_type", "request_kind", "sentiment", "category"):
        a, b = [str(x[field]) for x, _ in pairs], [str(y[field]) for _, y in pairs]
        result[field] = {"kappa": round(cohen_kappa(a, b), 3),
                         "agreement": round(sum(x == y for x, y in zip(a, b)) / len(pairs), 3)}
    for field in ("harmful",):
        a = [bool(x[field]) for x, _ in pairs]
        b = [bool(y[field]) for _, y in pairs]
        result["harmful_any"] = {"kappa": round(cohen_kappa(a, b), 3), "positives": [sum(a), sum(b)]}
    both = [(x, y) for x, y in pairs if x["request"] and y["request"]]
    for field in ("people_count", "needs", "vulnerable"):
        same = sum((sorted(x[field]) if isinstance(x[field], list) else x[field]) ==
                   (sorted(y[field]) if isinstance(y[field], list) else y[field]) for x, y in both)
        result[f"{field}_exact_when_both_request"] = round(same / len(both), 3) if both else None
    result["phones_exact"] = round(sum(set(x["phones"]) == set(y["phones"]) for x, y in pairs) / len(pairs), 3)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nlp.eval.score", description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--agreement", action="store_true", help="only the labellers' agreement on the overlap")
    parser.add_argument("--config", help="config file for yuqing analyze (default: an empty one = declared defaults)")
    parser.add_argument("-s", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--limit", type=int, default=0, help="score only the first N labelled posts (for CI)")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--errors", choices=ERROR_FIELDS,
                        help="list the posts this field gets wrong, text beside gold and said (dev only: tuning)")
    args = parser.parse_args(argv)
    if args.errors and args.split != "dev":
        parser.error("--errors lists posts to tune against: dev split only (the test split is read only to report)")
    if args.agreement:
        primary = read_jsonl(args.labels)
        result = {"sample (batches A-F, overlap X)": agreement(primary, read_jsonl(OVERLAP))}
        if EXTENSION_OVERLAP.exists():
            result["extension (batches G-J, overlap Y)"] = agreement(primary, read_jsonl(EXTENSION_OVERLAP))
        print(json.dumps(result, ensure_ascii=False, indent=None if args.format == "json" else 1))
        return 0
    gold = split_labels(args.split, args.labels)
    if args.limit:
        gold = gold[:args.limit]
    docs = documents([row["id"] for row in gold])
    predicted, seconds = run_analyze(docs, args.overrides, args.config)
    if args.errors:
        wrong = errors(args.errors, gold, predicted, {d["id"]: d["text"] for d in docs})
        for row in wrong:
            print(json.dumps(row, ensure_ascii=False))
        print(f"{len(wrong)} of {len(gold)} dev posts wrong on {args.errors}", file=sys.stderr)
        return 0
    result = score(gold, predicted, {d["id"]: d["text"] for d in docs})
    result["split"] = args.split
    result["analyze_seconds"] = round(seconds, 1)
    result["analyze_posts_per_second_including_startup"] = round(len(docs) / seconds, 1)
    result["mean_chars"] = round(sum(len(d["text"]) for d in docs) / max(1, len(docs)), 1)
    print(json.dumps(result, ensure_ascii=False, indent=None if args.format == "json" else 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
