"""The pool of (incident, past case) pairs a reader judges for precedents (GUIDELINES.md).

    python -m case_library.eval.pool --out /work/notes/s4

For each real incident (:mod:`case_library.eval.incidents`) the candidates are the top
``--top`` cases of the configured retrieval (``similar_to_incident``, every setting at its default),
the top ``--lexical`` of the lexical one the incident page uses when not among them, and
``--random`` other cases drawn at random, so the judge sees clear negatives too. Two folders,
both outside the repository (they hold post texts):

* ``precedent_pool/pairs.jsonl``: one line per pair, shuffled, with the incident's text and the
  case, and no score, rank or reason: what the judge reads.
* ``precedent_scores/``: ``pairs.jsonl`` (pair → rank, score, reasons, drawn at random or not) and
  ``incidents.jsonl`` (each incident's record and its whole ranking in hybrid and lexical mode),
  which the judge must not read; the threshold is chosen from them and the judge's labels later.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
from pathlib import Path

from case_library.eval.incidents import RealIncident, demo_incidents, storm_incidents, weibo21_incidents
from case_library.library import CaseLibrary
from case_library.retrieval import CaseRetriever, case_kinds, incident_kinds
from yuqing.config import load_config
from yuqing.records import Document, parse_record
from yuqing.vocabulary import label


def pair_id(incident_id: str, case_id: str) -> str:
    """Opaque and stable: says nothing of the rank."""
    return "p" + hashlib.sha1(f"{incident_id}|{case_id}".encode("utf-8")).hexdigest()[:10]


def build(incidents: list[RealIncident], library: CaseLibrary, top: int, lexical_top: int, extra: int, seed: int):
    """(pool lines, score lines, incident lines) for ``incidents``."""
    cases = {c.id: c for c in library.all(include_drafts=False)}
    lexical_retriever = CaseRetriever(library.store, mode="lexical")
    pool, scores, records = [], [], []
    for item in incidents:
        incident = item.incident
        offered = library.similar_to_incident(incident, limit=top)  # what a caller asking for ``top`` gets
        every = library.similar_to_incident(incident, limit=len(cases))  # the whole ranking, best first
        lexical = lexical_retriever.similar_to_incident(incident, limit=len(cases))
        rank = {m.case_id: (n, m) for n, m in enumerate(offered, 1)}
        full_rank = {m.case_id: (n, m) for n, m in enumerate(every, 1)}
        lexical_rank = {m.case_id: (n, m.score) for n, m in enumerate(lexical, 1)}
        chosen = [m.case_id for m in offered]
        shown = [m.case_id for m in lexical[:lexical_top] if m.case_id not in chosen]  # the incident page's
        rng = random.Random(f"{seed}:{incident.id}")
        drawn = rng.sample(sorted(set(cases) - set(chosen) - set(shown)), extra)
        for case_id in chosen + shown + drawn:
            case, pid = cases[case_id], pair_id(incident.id, case_id)
            pool.append({
                "pair_id": pid, "incident_id": incident.id, "split": item.split, "source": item.source,
                "incident_text": item.preview(), "case_id": case_id, "case_title": case.title,
                "case_summary": case.summary, "case_categories": case.categories,
                "case_categories_zh": [label("category", c) for c in case.categories]})
            position, match = rank.get(case_id, (None, None))
            full_position, full_match = full_rank.get(case_id, (None, None))
            match = match or full_match
            scores.append({
                "pair_id": pid, "incident_id": incident.id, "case_id": case_id, "split": item.split,
                "source": item.source, "pooled_by": "top" if case_id in chosen else "lexical" if case_id in shown else "random",
                "rank": position, "full_rank": full_position, "score": round(match.score, 4) if match else 0.0,
                "reasons": match.reasons if match else [],
                "lexical_rank": lexical_rank.get(case_id, (None, 0.0))[0],
                "lexical_score": round(lexical_rank.get(case_id, (None, 0.0))[1], 4),
                "case_kinds": sorted(case_kinds(case))})
        records.append({"incident": incident.model_dump(mode="json", exclude_none=True), "split": item.split,
                        "source": item.source, "posts": len(item.texts), "kinds": sorted(incident_kinds(incident, library.retriever.incident_texts(incident))),
                        "ranking": [[m.case_id, round(m.score, 4)] for m in every],
                        "lexical_ranking": [[m.case_id, round(m.score, 4)] for m in lexical]})
    random.Random(seed).shuffle(pool)
    return pool, scores, records


def real_incidents(weibo21: int = 25) -> list[RealIncident]:
    """Every incident of the pool: the storm events, the demo's, ``weibo21`` Weibo21 posts per split."""
    return [*storm_incidents("dev"), *storm_incidents("test"), *demo_incidents(),
            *weibo21_incidents("dev", weibo21), *weibo21_incidents("test", weibo21)]


def library_store(incidents: list[RealIncident], folder: str):
    """A fresh embedded store in ``folder`` with the starter cases and the incidents' posts (the
    retriever reads an incident's posts for its kinds of event)."""
    from yuqing.storage import open_store

    config = load_config(None, [f"store.path={folder}/cases.sqlite"])
    store = open_store(config)
    CaseLibrary.from_config(config, store)  # loads the starter cases
    store.put_documents([parse_record(Document, d) for item in incidents for d in item.docs])
    store.flush()
    return store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m case_library.eval.pool", description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for precedent_pool/ and precedent_scores/ "
                        "(outside the repository: the pool holds post texts)")
    parser.add_argument("--top", type=int, default=5)
    parser.add_argument("--lexical", type=int, default=3, help="also the top cases of the lexical retrieval "
                        "the incident page uses, when not among --top")
    parser.add_argument("--random", type=int, default=2, dest="extra")
    parser.add_argument("--weibo21", type=int, default=25, help="Weibo21 posts per split")
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args(argv)
    if (Path(__file__).resolve().parents[2] / ".git").exists() and \
            Path(__file__).resolve().parents[2] in [args.out.resolve(), *args.out.resolve().parents]:
        parser.error("--out is inside the repository; the pool holds post texts, write it outside")
    incidents = real_incidents(args.weibo21)
    with tempfile.TemporaryDirectory() as tmp:
        store = library_store(incidents, tmp)
        library = CaseLibrary.from_config(load_config(None, [f"store.path={tmp}/cases.sqlite"]), store)
        pool, scores, records = build(incidents, library, args.top, args.lexical, args.extra, args.seed)
        store.close()
    for folder, name, rows in (("precedent_pool", "pairs.jsonl", pool), ("precedent_scores", "pairs.jsonl", scores),
                               ("precedent_scores", "incidents.jsonl", records)):
        (args.out / folder).mkdir(parents=True, exist_ok=True)
        (args.out / folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                              encoding="utf-8")
    counts: dict = {}
    for record in records:
        key = (record["source"], record["split"])
        counts[key] = counts.get(key, 0) + 1
    print(json.dumps({"incidents": {f"{s}/{p}": n for (s, p), n in sorted(counts.items())},
                      "pairs": len(pool), "out": str(args.out)}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
