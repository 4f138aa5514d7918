"""Precedents measured against a reader's judgements (GUIDELINES.md): precision@1 and coverage.

    python -m case_library.eval.judged                      # report the current settings, dev and test
    python -m case_library.eval.judged --choose             # choose the cases. settings on dev, report test
    python -m case_library.eval.judged --agreement A.jsonl B.jsonl   # two judges' agreement

The judgements are ``case_library/eval/labels/precedents_*.jsonl`` (one file a judge): ids and labels only (pair,
incident, case, judge), no post text. The incidents are rebuilt from ``../shared/data`` as the pool
built them (:mod:`case_library.eval.pool`), and the engine's own retrieval is asked for each
incident's first precedent under each setting: the measure is of the product code, not of a copy.

* **precision@1**: of the incidents offered a precedent, the share whose first one the reader
  judged ``relevant`` (``partly`` counts as wrong: a distant reference is not a precedent).
* **coverage**: the share of incidents offered one at all.
* **unjudged**: first precedents no reader judged; never counted as right.

Settings are chosen on the ``dev`` incidents (storm + Weibo21) by the net count of right minus
wrong first precedents (unjudged count as wrong): no precedent is better than a wrong one. The
``test`` incidents are read only to report the chosen setting; ``demo`` (a written story) apart.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from case_library.eval.pool import library_store, pair_id, real_incidents
from case_library.retrieval import CaseRetriever

LABELS = sorted((Path(__file__).resolve().parent / "labels").glob("precedents_*.jsonl"))
ORDER = {"not_relevant": 0, "partly": 1, "relevant": 2}
THRESHOLDS = (0.0, 0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8)
GROUPS = (("dev", ("storm", "weibo21")), ("test", ("storm", "weibo21")), ("demo", ("demo",)))


def read_labels(*paths: Path) -> dict[str, dict]:
    """pair id → label line; a pair two judges labelled differently keeps the lower label."""
    found: dict[str, dict] = {}
    for path in paths:
        _read(path, found)
    return found


def _read(path: Path, found: dict[str, dict]) -> None:
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if "pair_id" not in row:
                continue  # the judge's header line
            if row.get("label") not in ORDER:
                raise SystemExit(f"{path}:{number}: label {row.get('label')!r} is not one of {sorted(ORDER)}")
            held = found.get(row["pair_id"])
            if held is None or ORDER[row["label"]] < ORDER[held["label"]]:
                found[row["pair_id"]] = row


def kappa(a: list[str], b: list[str]) -> float:
    """Cohen's kappa of two judges' labels of the same items."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in set(ca) | set(cb)) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def agreement(first: Path, second: Path) -> dict:
    a, b = read_labels(first), read_labels(second)
    both = sorted(set(a) & set(b))
    if not both:
        raise SystemExit(f"{first} and {second} share no pair")
    la, lb = [a[p]["label"] for p in both], [b[p]["label"] for p in both]
    binary = lambda labels: ["relevant" if x == "relevant" else "no" for x in labels]  # noqa: E731
    return {"pairs": len(both), "incidents": len({a[p].get("incident_id") for p in both}),
            "agreement": round(sum(x == y for x, y in zip(la, lb)) / len(both), 3),
            "kappa_3_levels": round(kappa(la, lb), 3), "kappa_relevant_or_not": round(kappa(binary(la), binary(lb)), 3)}


@dataclass
class First:
    """An incident's first precedent under one setting (before ``min_score``)."""

    incident_id: str
    group: str
    case_id: str | None
    score: float
    source: str = ""


def first_precedents(incidents, store, mode: str, require_category: bool, require_kind: bool) -> list[First]:
    retriever = CaseRetriever(store, mode=mode, require_category=require_category, require_kind=require_kind)
    found = []
    for item in incidents:
        matches = retriever.similar_to_incident(item.incident, limit=1)
        group = "demo" if item.source == "demo" else item.split
        found.append(First(item.incident.id, group, matches[0].case_id if matches else None,
                           matches[0].score if matches else 0.0, item.source))
    return found


def measure(firsts: list[First], labels: dict[str, dict], group: str, min_score: float,
            source: str | None = None) -> dict:
    rows = [f for f in firsts if f.group == group and source in (None, f.source)]
    right = wrong = unjudged = offered = 0
    for f in rows:
        if f.case_id is None or f.score < min_score:
            continue
        offered += 1
        judged = labels.get(pair_id(f.incident_id, f.case_id))
        if judged is None:
            unjudged += 1
        elif judged["label"] == "relevant":
            right += 1
        else:
            wrong += 1
    return {"incidents": len(rows), "offered": offered, "right": right, "wrong": wrong, "unjudged": unjudged,
            "precision_at_1": round(right / offered, 3) if offered else None,
            "coverage": round(offered / len(rows), 3) if rows else None, "net": right - wrong - unjudged}


def write_pool(folder: Path, firsts: list[First], incidents, store) -> None:
    """The unjudged pairs as the judge reads them (no score, rank or reason), once each."""
    from yuqing.vocabulary import label

    items = {item.incident.id: item for item in incidents}
    rows, seen = [], set()
    for f in firsts:
        pid = pair_id(f.incident_id, f.case_id)
        if pid in seen:
            continue
        seen.add(pid)
        item, case = items[f.incident_id], store.get_record("cases", f.case_id)
        rows.append({"pair_id": pid, "incident_id": f.incident_id, "split": item.split, "source": item.source,
                     "incident_text": item.preview(), "case_id": case.id, "case_title": case.title,
                     "case_summary": case.summary, "case_categories": case.categories,
                     "case_categories_zh": [label("category", c) for c in case.categories]})
    (folder / "precedent_pool").mkdir(parents=True, exist_ok=True)
    (folder / "precedent_pool" / "pairs.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m case_library.eval.judged", description=__doc__.split("\n")[0])
    parser.add_argument("--labels", type=Path, nargs="+", default=LABELS,
                        help="label files (default: every judge's in case_library/eval/labels/)")
    parser.add_argument("--choose", action="store_true", help="choose the cases. settings on dev, report test")
    parser.add_argument("--agreement", nargs=2, type=Path, metavar=("FIRST", "SECOND"),
                        help="Cohen's kappa of two judges' label files on the pairs both judged")
    parser.add_argument("--weibo21", type=int, default=25, help="as the pool was built")
    parser.add_argument("--unjudged", type=Path, metavar="FOLDER",
                        help="write the first precedents no one judged, under any setting, as a pool to judge "
                             "(FOLDER/precedent_pool/pairs.jsonl, outside the repository), in the pool's format")
    args = parser.parse_args(argv)
    if args.agreement:
        print(json.dumps(agreement(*args.agreement), ensure_ascii=False))
        return 0
    labels = read_labels(*args.labels)
    from yuqing.config import load_config

    defaults = load_config(None, [])
    settings = [(mode, cat, kind) for mode in ("hybrid", "lexical") for cat in (False, True) for kind in (False, True)]
    incidents = real_incidents(args.weibo21)
    results, unjudged = [], []
    with tempfile.TemporaryDirectory() as tmp:
        store = library_store(incidents, tmp)
        for mode, cat, kind in settings:
            firsts = first_precedents(incidents, store, mode, cat, kind)
            for threshold in THRESHOLDS:
                results.append({"mode": mode, "require_category": cat, "require_kind": kind, "min_score": threshold,
                                **{group: measure(firsts, labels, group, threshold) for group, _ in GROUPS},
                                **{f"{group}:{source}": measure(firsts, labels, group, threshold, source)
                                   for group, sources in GROUPS if len(sources) > 1 for source in sources}})
                if args.unjudged and threshold == 0.0:  # every setting's first precedents (a floor only withholds)
                    unjudged.extend(f for f in firsts if f.case_id and f.score >= threshold
                                    and pair_id(f.incident_id, f.case_id) not in labels)
        if args.unjudged:
            write_pool(args.unjudged, unjudged, incidents, store)
        store.close()
    key = lambda r: (r["require_category"], r["require_kind"], r["min_score"])  # noqa: E731
    by_setting: dict = {}
    for r in results:
        by_setting.setdefault(key(r), {})[r["mode"]] = {g: v for g, v in r.items() if g.startswith(("dev", "test", "demo"))}
    setting = lambda k: {"require_category": k[0], "require_kind": k[1], "min_score": k[2]}  # noqa: E731
    current = (defaults["cases.require_category"], defaults["cases.require_kind"], defaults["cases.min_score"])
    report = {"labels": [str(p) for p in args.labels], "judged_pairs": len(labels),
              "current": {**setting(current), **by_setting.get(current, {})}}
    if args.choose:
        # one set of cases. settings serves both retrievals: the alert rule's (hybrid) and the incident
        # page's (lexical); chosen by their dev net together, then dev precision
        def dev_score(k):
            modes = by_setting[k].values()
            right = sum(m["dev"]["right"] for m in modes)
            offered = sum(m["dev"]["offered"] for m in modes)
            return (sum(m["dev"]["net"] for m in modes), right / offered if offered else 0, offered)
        best = max(by_setting, key=dev_score)
        report["chosen"] = {**setting(best), **by_setting[best]}
        report["dev_table"] = [{**setting(k), **{mode: v["dev"] for mode, v in by_setting[k].items()}}
                               for k in by_setting]
    print(json.dumps(report, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
