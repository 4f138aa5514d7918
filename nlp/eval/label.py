"""The labelling tool for the real storm posts (see ``GUIDELINES.md`` beside this file).

    python3 -m nlp.eval.label manifest          # (once) sample, group near-duplicates, split, batch
    python3 -m nlp.eval.label show --batch A    # print a batch's posts to read and label
    python3 -m nlp.eval.label check FILE        # validate a label file: line and field of each error

Plain Python on purpose: a labeller never loads the engine or a model, so labels come from reading.
The manifest (ids, text hashes, near-duplicate group, split, batch) is committed; texts are not.
The split is made by near-duplicate group, before any tuning: reposts of one text never sit on both
sides. The test split is read only by ``python -m nlp.eval.score --split test``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MANIFEST = HERE / "henan_manifest.json"
SAMPLE_SIZE = 900
BATCHES = "ABCDEF"
OVERLAP_BATCH = "X"
OVERLAP_PER_BATCH = 25
# 2026-12-02: every other post whose near-duplicate group falls in dev, labelled to learn from.
EXTENSION_BATCHES = "GHIJ"
EXTENSION_OVERLAP_BATCH = "Y"
EXTENSION_OVERLAP_PER_BATCH = 15
ALL_BATCHES = BATCHES + EXTENSION_BATCHES
TEST_SHARE = 0.4
NEAR_DUPLICATE_JACCARD = 0.6

POST_TYPES = ("request", "offer", "news_notice", "other")
REQUEST_KINDS = ("rescue", "supplies", "volunteers", "place", "missing")
NEEDS = ("evacuation", "medical", "food_water", "power", "medicine", "shelter", "other")
VULNERABLE = ("elderly", "child", "infant", "pregnant", "disabled", "patient")
HARMFUL = ("rumor", "fraud", "incitement", "privacy_leak")
SENTIMENTS = ("negative", "neutral", "positive")
CATEGORIES = ("natural_disaster", "public_safety", "traffic", "labor_dispute", "land_demolition",
              "environment", "public_health", "property_management", "consumer_finance", "education",
              "public_order", "public_service", "other")
FIELDS = ("id", "post_type", "request", "request_kind", "needs", "people_count", "vulnerable", "phones",
          "harmful", "sentiment", "category", "street", "unsure", "note")


def data_root() -> Path:
    env = os.environ.get("YUQING_DATA")
    for candidate in ([Path(env)] if env else []) + [HERE.parents[1].parent / "shared" / "data",
                                                      Path("/work/shared/data")]:
        if (candidate / "henan_storm_unlabelled" / "posts.jsonl").exists():
            return candidate
    sys.exit("the real storm posts were not found: set YUQING_DATA to the folder of shared/data/README.md")


def load_posts() -> dict[str, dict]:
    path = data_root() / "henan_storm_unlabelled" / "posts.jsonl"
    posts = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                posts[row["id"]] = row
    return posts


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _shingles(text: str) -> set[str]:
    core = re.sub(r"#[^#]{0,30}#|@\S+|\s+|[^\w]", "", text)
    return {core[i:i + 4] for i in range(max(1, len(core) - 3))}


def near_duplicate_groups(posts: dict[str, dict]) -> dict[str, str]:
    """Each id → the smallest id of its near-duplicate group (4-gram Jaccard ≥ 0.6, transitive)."""
    ids = sorted(posts)
    sets = [_shingles(posts[i]["text"]) for i in ids]
    parent = list(range(len(ids)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[str, list[int]] = {}
    for i, shingles in enumerate(sets):
        for s in shingles:
            index.setdefault(s, []).append(i)
    for i, shingles in enumerate(sets):
        counts: dict[int, int] = {}
        for s in shingles:
            for j in index[s]:
                if j > i:
                    counts[j] = counts.get(j, 0) + 1
        for j, shared in counts.items():
            union = len(shingles) + len(sets[j]) - shared
            if union and shared / union >= NEAR_DUPLICATE_JACCARD:
                parent[find(j)] = find(i)
    return {ids[i]: ids[find(i)] for i in range(len(ids))}


def split_of(group: str) -> str:
    bucket = int(hashlib.sha256(f"split:{group}".encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < TEST_SHARE else "dev"


def build_manifest() -> dict:
    posts = load_posts()
    groups = near_duplicate_groups(posts)
    sample = random.Random(2021).sample(sorted(posts), SAMPLE_SIZE)
    entries = []
    for n, pid in enumerate(sample):
        entries.append({"id": pid, "sha256": text_hash(posts[pid]["text"]), "group": groups[pid],
                        "split": split_of(groups[pid]), "batch": BATCHES[n // (SAMPLE_SIZE // len(BATCHES))]})
    rng = random.Random(7)
    overlap = []
    for batch in BATCHES:
        overlap += rng.sample([e["id"] for e in entries if e["batch"] == batch], OVERLAP_PER_BATCH)
    rng.shuffle(overlap)
    return {"source": "henan_storm_unlabelled/posts.jsonl", "posts_total": len(posts),
            "sample_seed": 2021, "test_share": TEST_SHARE, "near_duplicate_jaccard": NEAR_DUPLICATE_JACCARD,
            "entries": entries, "overlap": overlap}


def extend_manifest(manifest: dict) -> dict:
    """Adds every post not yet sampled whose near-duplicate group is a dev group, in batches G–J.

    The split of a group is a hash of its id (``split_of``), so the frozen test split does not move:
    posts of test groups stay unlabelled, and no new post shares a group with a test post.
    """
    posts = load_posts()
    groups = near_duplicate_groups(posts)
    sampled = {e["id"] for e in manifest["entries"]}
    if any(e.get("batch") in EXTENSION_BATCHES for e in manifest["entries"]):
        raise SystemExit("the manifest already holds the extension batches")
    if any(groups[e["id"]] != e["group"] for e in manifest["entries"]):
        raise SystemExit("the near-duplicate groups differ from the manifest's: the data set changed")
    rest = sorted(pid for pid in posts if pid not in sampled and split_of(groups[pid]) == "dev")
    random.Random(1202).shuffle(rest)
    size = -(-len(rest) // len(EXTENSION_BATCHES))
    for n, pid in enumerate(rest):
        manifest["entries"].append({"id": pid, "sha256": text_hash(posts[pid]["text"]), "group": groups[pid],
                                    "split": "dev", "batch": EXTENSION_BATCHES[n // size]})
    rng = random.Random(12)
    overlap = []
    for batch in EXTENSION_BATCHES:
        overlap += rng.sample([pid for pid in rest if batch_of(manifest, pid) == batch], EXTENSION_OVERLAP_PER_BATCH)
    rng.shuffle(overlap)
    manifest["extension_overlap"] = overlap
    return manifest


def batch_of(manifest: dict, pid: str) -> str:
    return next(e["batch"] for e in manifest["entries"] if e["id"] == pid)


def load_manifest() -> dict:
    with open(MANIFEST, encoding="utf-8") as handle:
        return json.load(handle)


def batch_ids(manifest: dict, batch: str) -> list[str]:
    if batch == OVERLAP_BATCH:
        return list(manifest["overlap"])
    if batch == EXTENSION_OVERLAP_BATCH:
        return list(manifest.get("extension_overlap", []))
    return [e["id"] for e in manifest["entries"] if e["batch"] == batch]


def check_label(row: object) -> list[str]:
    """The problems of one label line, each naming its field."""
    if not isinstance(row, dict):
        return ["a line must be one JSON object"]
    problems = [f"field {f!r} missing" for f in FIELDS if f not in row]
    problems += [f"field {f!r} is not one of the guideline's fields" for f in row if f not in FIELDS]
    if problems:
        return problems

    def one_of(field: str, allowed: tuple, nullable: bool = False) -> None:
        value = row[field]
        if not (value in allowed or (nullable and value is None)):
            problems.append(f"{field}={value!r}: expected one of {', '.join(allowed)}" + (" or null" if nullable else ""))

    def list_of(field: str, allowed: tuple) -> None:
        value = row[field]
        if not isinstance(value, list) or any(v not in allowed for v in value):
            problems.append(f"{field}={value!r}: expected a list of {', '.join(allowed)}")

    one_of("post_type", POST_TYPES)
    if not isinstance(row["request"], bool):
        problems.append("request must be true or false")
    one_of("request_kind", REQUEST_KINDS, nullable=True)
    list_of("needs", NEEDS)
    list_of("vulnerable", VULNERABLE)
    list_of("harmful", HARMFUL)
    one_of("sentiment", SENTIMENTS)
    one_of("category", CATEGORIES)
    count = row["people_count"]
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        problems.append(f"people_count={count!r}: expected a positive integer or null")
    phones = row["phones"]
    if not isinstance(phones, list) or any(not (isinstance(p, str) and re.fullmatch(r"\d{7,12}", p)) for p in phones):
        problems.append(f"phones={phones!r}: expected a list of digit strings (7–12 digits)")
    if row["street"] is not None and not (isinstance(row["street"], str) and re.search(r"(街道|镇|乡)$", row["street"])):
        problems.append(f"street={row['street']!r}: expected a name ending in 街道, 镇 or 乡, or null")
    if not isinstance(row["unsure"], bool):
        problems.append("unsure must be true or false")
    if not isinstance(row["note"], str):
        problems.append("note must be a string")
    if row["request"] is True and row["request_kind"] is None:
        problems.append("request is true: request_kind must name the kind")
    if row["request"] is False and (row["request_kind"] or row["needs"] or row["vulnerable"] or row["people_count"]):
        problems.append("request is false: request_kind, needs, vulnerable and people_count must be empty")
    return problems


def check_file(path: Path, expected: list[str] | None) -> int:
    errors, seen = 0, []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                print(f"{path}:{number}: not JSON ({error.msg} at column {error.colno})")
                errors += 1
                continue
            for problem in check_label(row):
                print(f"{path}:{number}: {row.get('id') if isinstance(row, dict) else '?'}: {problem}")
                errors += 1
            if isinstance(row, dict):
                seen.append(row.get("id"))
    duplicates = sorted({i for i in seen if seen.count(i) > 1})
    if duplicates:
        print(f"{path}: ids labelled twice: {', '.join(duplicates)}")
        errors += 1
    if expected is not None:
        missing = [i for i in expected if i not in seen]
        extra = [i for i in seen if i not in expected]
        if missing:
            print(f"{path}: {len(missing)} ids of the batch not labelled yet, first: {missing[0]}")
        if extra:
            print(f"{path}: ids not in the batch: {', '.join(map(str, extra[:5]))}")
            errors += 1
    print(f"{path}: {len(seen)} lines, {errors} errors")
    return 1 if errors else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m nlp.eval.label", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("manifest", help="write henan_manifest.json (sample, groups, split, batches)")
    sub.add_parser("extend", help="add the remaining dev-group posts to the manifest as batches G–J")
    show = sub.add_parser("show", help="print a batch's posts to read")
    show.add_argument("--batch", required=True, choices=list(ALL_BATCHES) + [OVERLAP_BATCH, EXTENSION_OVERLAP_BATCH])
    show.add_argument("--start", type=int, default=1, help="first post number (1-based)")
    show.add_argument("--count", type=int, default=1000)
    check = sub.add_parser("check", help="validate a label file")
    check.add_argument("file", type=Path)
    check.add_argument("--batch", choices=list(ALL_BATCHES) + [OVERLAP_BATCH, EXTENSION_OVERLAP_BATCH])
    args = parser.parse_args(argv)
    if args.command == "manifest":
        manifest = build_manifest()
        MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        splits = [e["split"] for e in manifest["entries"]]
        print(f"{MANIFEST}: {len(splits)} posts, dev {splits.count('dev')}, test {splits.count('test')}, "
              f"{len(manifest['overlap'])} in the overlap")
        return 0
    manifest = load_manifest()
    if args.command == "extend":
        manifest = extend_manifest(manifest)
        MANIFEST.write_text(json.dumps(manifest, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
        added = [e for e in manifest["entries"] if e["batch"] in EXTENSION_BATCHES]
        print(f"{MANIFEST}: {len(added)} posts added to dev in batches {EXTENSION_BATCHES}, "
              f"{len(manifest['extension_overlap'])} in their overlap {EXTENSION_OVERLAP_BATCH}")
        return 0
    if args.command == "show":
        posts = load_posts()
        ids = batch_ids(manifest, args.batch)
        hashes = {e["id"]: e["sha256"] for e in manifest["entries"]}
        for n, pid in enumerate(ids[args.start - 1: args.start - 1 + args.count], args.start):
            text = posts[pid]["text"]
            if text_hash(text) != hashes[pid]:
                sys.exit(f"{pid}: the post's text differs from the manifest's hash; the data set changed")
            print(f"### {n}/{len(ids)}  {pid}\n{text}\n")
        return 0
    return check_file(args.file, batch_ids(manifest, args.batch) if args.batch else None)


if __name__ == "__main__":
    sys.exit(main())
