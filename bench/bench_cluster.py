"""Incident detection benchmarks: quality (events, THUCNews) and speed (100k docs, online assignment).

    .venv/bin/python bench/bench_cluster.py events      # BCubed F1 and noise share: event-aware, e5 query vs passage
    .venv/bin/python bench/bench_cluster.py thucnews    # NMI/ARI vs TF-IDF + k-means, 3,000 titles
    .venv/bin/python bench/bench_cluster.py speed       # 100k precomputed embeddings; online ms/doc
    .venv/bin/python bench/bench_cluster.py engine      # the whole incident run on 100k documents
    .venv/bin/python bench/bench_cluster.py all

Figures go to stdout; bench/README.md keeps the last ones measured.
"""
from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from clustering.density import DensityParams, cluster_vectors  # noqa: E402
from clustering.embedders import E5Embedder, TfidfEmbedder, normalise  # noqa: E402
from clustering.events import EventParams, cluster_window  # noqa: E402
from clustering.online import CentroidAssigner  # noqa: E402

EVENTS = ROOT / "bench" / "data" / "events.jsonl"
THUCNEWS = ROOT.parent / "shared" / "data" / "thucnews_titles" / "test.txt"


def bcubed(gold: list, pred: list) -> tuple[float, float, float]:
    """BCubed precision, recall, F1; ``None`` (noise) in either list is a singleton cluster."""
    gold = [g if g is not None else f"\x00g{i}" for i, g in enumerate(gold)]
    pred = [p if p is not None else f"\x00p{i}" for i, p in enumerate(pred)]
    by_gold, by_pred, pair = defaultdict(int), defaultdict(int), defaultdict(int)
    for g, p in zip(gold, pred):
        by_gold[g] += 1
        by_pred[p] += 1
        pair[g, p] += 1
    precision = sum(pair[g, p] / by_pred[p] for g, p in zip(gold, pred)) / len(gold)
    recall = sum(pair[g, p] / by_gold[g] for g, p in zip(gold, pred)) / len(gold)
    return precision, recall, 2 * precision * recall / (precision + recall)


CACHE = Path("/tmp/yuqing-bench-cache")


def e5(texts: list[str], prefix: str) -> np.ndarray:
    """e5 vectors, cached under /tmp by content hash (embedding is the slow part of a run)."""
    import hashlib

    from nlp.embed import embed_texts

    key = hashlib.sha1(("\x1f".join(texts) + prefix).encode("utf-8")).hexdigest()[:16]
    path = CACHE / f"{key}.npy"
    if path.exists():
        return np.load(path)
    started = time.time()
    vectors = embed_texts(texts, prefix=prefix)
    print(f"  (embedded {len(texts)} texts with {prefix!r} at {len(texts) / (time.time() - started):.0f}/s)")
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def bench_events(params: DensityParams) -> None:
    rows = [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines()]
    texts, gold = [r["text"] for r in rows], [r["event"] for r in rows]
    print(f"event set: {len(rows)} posts, {len(set(g for g in gold if g))} events, "
          f"{sum(g is None for g in gold)} noise posts")
    vectors = {"query: ": e5(texts, "query: "), "passage: ": e5(texts, "passage: ")}
    vectors["tfidf"] = TfidfEmbedder().embed(texts)
    tfidf = replace(params, min_coherence=TfidfEmbedder.min_coherence,
                    assign_min_similarity=TfidfEmbedder.assign_min_similarity)
    variants = [("query: ", params), ("passage: ", params), ("tfidf", tfidf)] + [
        ("query: ", replace(params, min_coherence=0.0)),
        ("query: ", replace(params, min_cluster_size=5, min_samples=3)),
        ("query: ", replace(params, reduction="none")),
        ("query: ", replace(params, selection_method="leaf")),
        ("query: ", replace(params, reduction_dims=32)),
    ]
    times = [datetime.fromisoformat(r["published_at"]) for r in rows]
    events = EventParams()
    runs = [(name, variant, lambda v, p: cluster_vectors(v, p)) for name, variant in variants]
    # The engine's default (clustering.event_*): place links + HDBSCAN on the event distance.
    runs.insert(0, ("query: ", replace(params, min_cluster_size=events.min_cluster_size),
                    lambda v, p: cluster_window(v, texts, times, params, events)))
    for index, (name, variant, method) in enumerate(runs):
        if index == 1:
            print("  embedding alone (clustering.event_enabled false):")
        labels = method(vectors[name], variant)
        pred = [int(x) if x >= 0 else None for x in labels]
        p, r, f = bcubed(gold, pred)
        noise = sum(x is None for x in pred) / len(pred)
        noise_kept = sum(1 for g, x in zip(gold, pred) if g is None and x is None) / max(1, gold.count(None))
        if index == 0:
            head = (f"event-aware {name!r} mcs={events.min_cluster_size}/{events.min_samples} "
                    f"max_distance={events.max_distance} max_hours={events.max_hours:g}")
        else:
            head = (f"{name!r:12} mcs={variant.min_cluster_size}/{variant.min_samples} "
                    f"reduction={variant.reduction}/{variant.reduction_dims} select={variant.selection_method} "
                    f"coherence={variant.min_coherence}")
        print(f"  {head}: BCubed P={p:.3f} R={r:.3f} F1={f:.3f}; "
              f"{labels.max() + 1} clusters; noise share {noise:.1%} (true noise left as noise {noise_kept:.0%})")


def bench_thucnews(params: DensityParams, limit: int) -> None:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    lines = THUCNEWS.read_text(encoding="utf-8").splitlines()
    rng = np.random.default_rng(0)
    picked = [lines[i].rsplit("\t", 1) for i in sorted(rng.choice(len(lines), limit, replace=False))]
    texts, gold = [t for t, _ in picked], [int(c) for _, c in picked]
    print(f"THUCNews titles: {len(texts)} of {len(lines)} (test split), 10 topics")
    from nlp.segment import tokenize

    tfidf = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, sublinear_tf=True).fit_transform(texts)
    km = KMeans(10, n_init=5, random_state=0).fit_predict(tfidf)
    print(f"  baseline TF-IDF (jieba words) + k-means(k=10): NMI={normalized_mutual_info_score(gold, km):.3f} "
          f"ARI={adjusted_rand_score(gold, km):.3f}")
    vectors = e5(texts, "query: ")
    km5 = KMeans(10, n_init=5, random_state=0).fit_predict(vectors)
    print(f"  e5 + k-means(k=10) (reference):       NMI={normalized_mutual_info_score(gold, km5):.3f} "
          f"ARI={adjusted_rand_score(gold, km5):.3f}")
    g = np.asarray(gold)
    for size, coherence in ((params.min_cluster_size, params.min_coherence), (params.min_cluster_size, 0.0),
                            (15, 0.0), (40, 0.0)):
        variant = replace(params, min_cluster_size=size, min_samples=min(size, 10), min_coherence=coherence)
        labels = cluster_vectors(vectors, variant)
        clustered = labels >= 0
        line = (f"  e5 + HDBSCAN(min_cluster_size={size}, coherence={coherence}): {labels.max() + 1} clusters, "
                f"noise {1 - clustered.mean():.1%}; all docs (noise = one class) "
                f"NMI={normalized_mutual_info_score(g, labels):.3f} ARI={adjusted_rand_score(g, labels):.3f}")
        if clustered.sum() > 1:
            line += (f"; clustered docs only NMI={normalized_mutual_info_score(g[clustered], labels[clustered]):.3f} "
                     f"ARI={adjusted_rand_score(g[clustered], labels[clustered]):.3f}")
        print(line)


def structured(n: int, dim: int = 384, events: int = 400, noise: float = 0.3, seed: int = 0) -> np.ndarray:
    """Random-but-structured unit vectors: ``events`` tight groups plus uniform noise."""
    rng = np.random.default_rng(seed)
    centres = normalise(rng.normal(size=(events, dim)).astype(np.float32))
    sizes = rng.lognormal(4.0, 1.0, events)
    labels = rng.choice(events, n, p=sizes / sizes.sum())
    vectors = centres[labels] + rng.normal(scale=0.01, size=(n, dim)).astype(np.float32)
    loose = rng.random(n) < noise
    vectors[loose] = rng.normal(size=(int(loose.sum()), dim))
    return normalise(vectors.astype(np.float32))


def bench_speed(params: DensityParams, n: int) -> None:
    vectors = structured(n)
    started = time.time()
    labels = cluster_vectors(vectors, params)
    elapsed = time.time() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"full clustering of {n:,} precomputed 384-d embeddings: {elapsed:.1f} s, peak RSS {peak_mb:.0f} MB, "
          f"{labels.max() + 1} clusters, noise {np.mean(labels < 0):.1%} (max_fit_docs={params.max_fit_docs})")
    assigner = CentroidAssigner.fit(vectors, labels, quantile=params.assign_quantile,
                                    floor=params.assign_min_similarity, reach=params.assign_reach)
    probe = structured(2000, seed=1)
    started = time.perf_counter()
    for row in probe:
        assigner.assign_one(row)
    per_doc = (time.perf_counter() - started) / len(probe) * 1000
    print(f"online assignment against {len(assigner)} incidents: {per_doc:.3f} ms per document")


def bench_engine(params: DensityParams, n: int) -> None:
    """The whole incident run (clusters, c-TF-IDF labels, facets, bursts, amplification, ids)."""
    from datetime import timedelta

    from clustering.engine import EngineParams, Window, recluster
    from yuqing.records import DEFAULT_TZ, Document

    rows = [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines()]
    start = datetime(2024, 6, 10, tzinfo=DEFAULT_TZ)
    rng = np.random.default_rng(0)
    docs = [Document(id=f"d{i}", text=rows[i % len(rows)]["text"], author=f"u{rng.integers(50000)}",
                     published_at=start + timedelta(minutes=int(rng.integers(0, 72 * 60))))
            for i in range(n)]
    window = Window(docs, structured(n))
    started = time.time()
    outcome = recluster(window, [], start + timedelta(hours=72), EngineParams(density=params))
    elapsed = time.time() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"whole incident run on {n:,} documents (precomputed embeddings): {elapsed:.1f} s, "
          f"peak RSS {peak_mb:.0f} MB, {len(outcome.incidents)} incidents")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("events", "thucnews", "speed", "engine", "all"))
    parser.add_argument("--titles", type=int, default=3000)
    parser.add_argument("--docs", type=int, default=100_000)
    args = parser.parse_args()
    params = DensityParams(min_coherence=E5Embedder.min_coherence,
                           assign_min_similarity=E5Embedder.assign_min_similarity)
    print(f"{datetime.now():%Y-%m-%d %H:%M} defaults: {params}")
    if args.what in ("events", "all"):
        bench_events(params)
    if args.what in ("thucnews", "all"):
        bench_thucnews(params, args.titles)
    if args.what in ("speed", "all"):
        bench_speed(params, args.docs)
    if args.what in ("engine", "all"):
        bench_engine(params, args.docs)


if __name__ == "__main__":
    main()
