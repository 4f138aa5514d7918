"""Storage benchmark: ingestion rate and Chinese phrase-search latency, SQLite and Elasticsearch.

    .venv/bin/python bench/bench_storage.py [--docs 100000] [--queries 200] [--es-url URL]
    .venv/bin/python bench/bench_storage.py --fts [--docs 20000]     # how Chinese FTS5 was chosen

Without --es-url (or YUQING_ES_URL) it starts a node with scripts/elasticsearch.sh and stops it.
Prints one table. Targets on the 2-core reference machine: >= 5,000 docs/s into SQLite, >= 3,000
docs/s into Elasticsearch, search p95 <= 100 ms over 100k documents.
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from yuqing.storage import textindex  # noqa: E402
from yuqing.storage.synthetic import TOPICS, make_pairs  # noqa: E402

QUERIES = ["暴雨", "欠薪", "内涝", "噪音", "停水", "拥堵", "台风", "物业", "讨薪", "学位",
           "暴雨红色预警", "工人集体讨薪", "民治街道", "观澜街道", "车库进水", "有老人被困", "地铁临时停运", "业委会选举"]


def queries(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(QUERIES) for _ in range(n)]


def latency(search, qs) -> tuple[float, float]:
    times = []
    for q in qs:
        start = time.perf_counter()
        search(q)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), percentile(times, 0.95)


def bench_sqlite(docs, analyses, qs, directory: Path, synchronous: str = "FULL") -> dict:
    from yuqing.storage.sqlite import SQLiteStore

    store = SQLiteStore(directory / f"bench-{synchronous}.sqlite", synchronous=synchronous)
    start = time.perf_counter()
    store.put_documents(docs)
    rate = len(docs) / (time.perf_counter() - start)
    store.put_analyses(analyses)
    med, p95 = latency(lambda q: store.search(q, limit=20), qs)
    fmed, fp95 = latency(lambda q: store.search(q, street="民治街道", limit=20), qs)
    store.close()
    return {"rate": rate, "median": med, "p95": p95, "filtered_median": fmed, "filtered_p95": fp95}


def bench_es(docs, analyses, qs, url: str, directory: Path) -> dict:
    from yuqing.storage.elastic import ElasticsearchStore

    store = ElasticsearchStore([url], index_prefix=f"bench-{uuid.uuid4().hex[:8]}", spool_dir=directory,
                               batch_size=5000, request_timeout=120)
    try:
        start = time.perf_counter()
        store.put_documents(docs)
        store.flush()
        rate = len(docs) / (time.perf_counter() - start)
        store.put_analyses(analyses)
        store.flush()
        for q in qs[:20]:  # warm the caches, as a running service would be
            store.search(q)
        med, p95 = latency(lambda q: store.search(q, limit=20), qs)
        fmed, fp95 = latency(lambda q: store.search(q, street="民治街道", limit=20), qs)
        # the phrase index must agree with the substring truth
        agree = all(store.search(q, limit=0).total == sum(q in (d.title or "") + "\n" + d.text for d in docs)
                    for q in QUERIES[:6])
        return {"rate": rate, "median": med, "p95": p95, "filtered_median": fmed, "filtered_p95": fp95,
                "agrees": agree}
    finally:
        store.delete_indices()
        store.close()


def es_url(args) -> tuple[str, object]:
    url = args.es_url or os.environ.get("YUQING_ES_URL")
    if url:
        return url, None
    from tests.es_node import EsNode

    node = EsNode.start_on_free_port()
    return node.url, node


def main_bench(args) -> None:
    print(f"generating {args.docs} synthetic documents …", file=sys.stderr)
    pairs = make_pairs(args.docs)
    docs, analyses = [d for d, _ in pairs], [a for _, a in pairs]
    qs = queries(args.queries)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        result = bench_sqlite(docs, analyses, qs, Path(tmp))
        rows.append(("SQLite (FTS5 bigram, synchronous=FULL)", result))
        if args.normal:
            rows.append(("SQLite (synchronous=NORMAL)", bench_sqlite(docs, analyses, qs, Path(tmp), "NORMAL")))
        if not args.no_es:
            url, node = es_url(args)
            try:
                rows.append(("Elasticsearch 8.19 (1 node, 512 MB heap)", bench_es(docs, analyses, qs, url, Path(tmp))))
            finally:
                if node is not None:
                    node.stop()
    print(f"\n{args.docs} documents, {args.queries} phrase queries (2–6 Han characters), top 20 with highlights\n")
    print(f"| store | ingest docs/s | search median ms | search p95 ms | with street filter p95 ms |")
    print("|---|---|---|---|---|")
    for name, r in rows:
        print(f"| {name} | {r['rate']:,.0f} | {r['median']:.1f} | {r['p95']:.1f} | {r['filtered_p95']:.1f} |")
    for name, r in rows:
        if "agrees" in r:
            print(f"\n{name}: phrase hit counts equal the substring truth: {r['agrees']}")


# --- the FTS5 choice -----------------------------------------------------------------------------

def fts_compare(args) -> None:
    from nlp.segment import tokenize

    tokenize("预热分词器")  # load jieba's dictionary before timing
    pairs = make_pairs(args.docs, seed=11)
    texts = [(d.title or "") + "\n" + d.text for d, _ in pairs]
    probe = sorted({q for q in QUERIES} | {w for events, details in TOPICS.values() for w in events + details})
    probe += ["被困", "工资", "投诉", "施工", "停电", "老人", "交警"]
    variants = {
        "bigram (Python slicing)": ("unicode61", lambda t: textindex.index_text(t), textindex.fts5_match),
        "jieba (Python, nlp.segment)": ("unicode61", lambda t: " ".join(tokenize(t, keep_stopwords=True)),
                                        lambda q: '"' + " ".join(tokenize(q, keep_stopwords=True)) + '"'),
        "trigram (FTS5 built-in)": ("trigram", lambda t: t, None),
    }
    print(f"\nFTS5 variants on {len(texts)} synthetic documents, {len(probe)} phrase queries of 2–8 characters")
    print("| variant | index docs/s | recall | precision | 2-char recall | query median ms |")
    print("|---|---|---|---|---|---|")
    for name, (tokenizer, prepare, to_match) in variants.items():
        db = sqlite3.connect(":memory:")
        db.execute(f"CREATE VIRTUAL TABLE t USING fts5(body, tokenize='{tokenizer}')")
        start = time.perf_counter()
        db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", ((i, prepare(t)) for i, t in enumerate(texts)))
        rate = len(texts) / (time.perf_counter() - start)
        found = tp = truth_total = 0
        two_found = two_truth = 0
        times = []
        for q in probe:
            truth = {i for i, t in enumerate(texts) if q in t}
            start = time.perf_counter()
            if to_match is None:  # trigram: MATCH for 3+ characters; LIKE (a full scan) below that
                sql, arg = (("SELECT rowid FROM t WHERE t MATCH ?", '"' + q + '"') if len(q) >= 3
                            else ("SELECT rowid FROM t WHERE body LIKE ?", f"%{q}%"))
            else:
                sql, arg = "SELECT rowid FROM t WHERE t MATCH ?", to_match(q)
            got = {r[0] for r in db.execute(sql, (arg,))}
            times.append((time.perf_counter() - start) * 1000)
            found += len(got)
            tp += len(got & truth)
            truth_total += len(truth)
            if len(q) == 2:
                two_found += len(got & truth)
                two_truth += len(truth)
        print(f"| {name} | {rate:,.0f} | {tp / max(truth_total, 1):.3f} | {tp / max(found, 1):.3f} | "
              f"{two_found / max(two_truth, 1):.3f} | {statistics.median(times):.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--es-url", default=None)
    parser.add_argument("--no-es", action="store_true", help="SQLite only")
    parser.add_argument("--normal", action="store_true", help="also measure synchronous=NORMAL")
    parser.add_argument("--fts", action="store_true", help="compare the FTS5 tokenisations instead")
    args = parser.parse_args()
    fts_compare(args) if args.fts else main_bench(args)


if __name__ == "__main__":
    main()
