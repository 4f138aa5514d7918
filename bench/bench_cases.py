"""Case retrieval quality: nDCG@5 and recall@5 of hybrid, lexical-only and semantic-only search.

Runs the three modes in one run over the starter library, on the judgments in
``bench/case_judgments.yaml`` (query → relevant case ids with grades 2/1), against a fresh SQLite
store (``--store elasticsearch --es-url URL`` for the other backend). Prints one table and, with
``--json``, one JSON line per mode.

    .venv/bin/python bench/bench_cases.py [--weights 0.4,0.6,0.8]
"""
from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
import uuid
from pathlib import Path

import yaml

JUDGMENTS = Path(__file__).parent / "case_judgments.yaml"
K = 5


def dcg(grades: list[float]) -> float:
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades))


def ndcg_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    ideal = dcg(sorted(relevant.values(), reverse=True)[:k])
    return dcg([relevant.get(c, 0) for c in ranked[:k]]) / ideal if ideal else 0.0


def recall_at_k(ranked: list[str], relevant: dict[str, int], k: int = K) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant)


def open_store(args, directory: Path):
    if args.store == "elasticsearch":
        from yuqing.storage.elastic import ElasticsearchStore
        return ElasticsearchStore([args.es_url], index_prefix=f"bench-{uuid.uuid4().hex[:8]}", spool_dir=directory)
    from yuqing.storage.sqlite import SQLiteStore
    return SQLiteStore(directory / "bench.sqlite")


def evaluate(library, queries, mode: str) -> dict:
    ndcgs, recalls, seconds = [], [], []
    for item in queries:
        start = time.perf_counter()
        ranked = [m.case_id for m in library.search(item["query"], limit=K, mode=mode)]
        seconds.append(time.perf_counter() - start)
        ndcgs.append(ndcg_at_k(ranked, item["relevant"]))
        recalls.append(recall_at_k(ranked, item["relevant"]))
    n = len(queries)
    return {"mode": mode, "queries": n, f"ndcg@{K}": round(sum(ndcgs) / n, 3),
            f"recall@{K}": round(sum(recalls) / n, 3), "ms_per_query": round(1000 * sum(seconds) / n, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", choices=("sqlite", "elasticsearch"), default="sqlite")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--weights", default="", help="also try these semantic weights for hybrid, e.g. 0.4,0.8")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from case_library import CaseLibrary
    from yuqing.config import load_config

    queries = yaml.safe_load(JUDGMENTS.read_text(encoding="utf-8"))["queries"]
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(args, Path(tmp))
        try:
            config = load_config(None)
            library = CaseLibrary.from_config(config, store)
            store.flush()
            library.search("预热", limit=1, mode="semantic")  # load the model and case vectors once
            rows = [evaluate(library, queries, mode) for mode in ("hybrid", "lexical", "semantic")]
            for weight in [float(w) for w in args.weights.split(",") if w]:
                library.retriever.semantic_weight = weight
                rows.append(dict(evaluate(library, queries, "hybrid"), mode=f"hybrid w={weight}"))
        finally:
            if args.store == "elasticsearch":
                store.delete_indices()  # a bench leaves nothing behind on the node
            store.close()
    print(f"{len(queries)} queries, store={args.store}, k={K}")
    print(f"{'mode':<16}{'nDCG@5':>8}{'recall@5':>10}{'ms/query':>10}")
    for row in rows:
        print(f"{row['mode']:<16}{row[f'ndcg@{K}']:>8.3f}{row[f'recall@{K}']:>10.3f}{row['ms_per_query']:>10.1f}")
        if args.json:
            print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main()
