"""The workbench at a busy street office's scale: the queue with 10,000 open alerts and an incident of
5,000 posts, rendered on the server, on both stores.

    .venv/bin/python bench/bench_web.py [--alerts 10000] [--posts 5000] [--requests 20] [--stores sqlite,elasticsearch]

Fills a fresh store (SQLite in a temporary folder; Elasticsearch at ``$YUQING_ES_URL``, in indices
of its own, deleted afterwards), starts the real service (uvicorn on loopback, as ``yuqing run``
serves it) and times ``--requests`` requests of each page as a signed-in analyst over HTTP: the
queue (``/alerts``, 200 rows by severity, with its counts), the open queue (``/``), the incident page
(``/incidents/ID``, chart of every post, 100 post groups) and the polling answer (``/api/queue``).
Prints p50 and p95 in milliseconds. Figures only, no asserts; not run by ``make test``.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import bench_store, served, time_get  # noqa: E402
from yuqing.records import CATEGORIES, DEFAULT_TZ, SEVERITIES, Alert, Analysis, Document, Incident  # noqa: E402

STREETS = ["民治街道", "龙华街道", "大浪街道", "观湖街道", "福城街道", "观澜街道"]
START = datetime(2026, 11, 1, tzinfo=DEFAULT_TZ)


def fill(store, alerts: int, posts: int) -> str:
    rng = random.Random(14)
    docs, analyses = [], []
    for i in range(posts):
        when = START + timedelta(minutes=3 * i)
        text = f"民治街道暴雨积水第{i % 300}号路口，水深过膝，网友{i % 50}报告" if i % 5 else f"转发微博 民治街道暴雨积水第{i % 300}号路口"
        docs.append(Document(id=f"p{i}", text=text, published_at=when, source=["weibo", "forum", "news"][i % 3],
                             author=f"网友{i % 400}", url=f"https://bbs.example.cn/t/{i}", collected_at=when))
        analyses.append(Analysis(id=f"p{i}", sentiment={"label": ["negative", "neutral", "positive"][i % 3], "score": 0.9},
                                 categories=[{"label": "natural_disaster", "score": 0.9}],
                                 location={"street": "民治街道"}, keywords=["暴雨", "积水"]))
    for chunk in range(0, posts, 1000):
        store.put_documents(docs[chunk:chunk + 1000])
        store.put_analyses(analyses[chunk:chunk + 1000])
    store.put_records("incidents", [Incident(id="big", label="民治街道 暴雨 积水", doc_ids=[d.id for d in docs],
                                             first_seen=docs[0].published_at, last_seen=docs[-1].published_at,
                                             size=posts, category="natural_disaster", streets=["民治街道"])])
    batch = []
    for i in range(alerts):
        batch.append(Alert(id=f"a{i}", rule=["keyword", "spike", "rescue_request", "incident_growth"][i % 4],
                           severity=rng.choice(SEVERITIES), title=f"{STREETS[i % 6]}预警第{i}号：积水 拥堵 投诉",
                           summary="多名网友反映路口积水严重，车辆无法通行", street=STREETS[i % 6],
                           category=rng.choice(CATEGORIES), doc_ids=[f"p{i % posts}"],
                           state=["new", "acknowledged", "dispatched"][i % 3],
                           created_at=START + timedelta(minutes=i)))
        if len(batch) == 1000:
            store.put_records("alerts", batch)
            batch = []
    if batch:
        store.put_records("alerts", batch)
    store.flush()
    return "big"


def bench(backend: str, args) -> None:
    with tempfile.TemporaryDirectory() as tmp, bench_store(backend, Path(tmp), "web") as store:
        started = time.perf_counter()
        incident = fill(store, args.alerts, args.posts)
        print(f"{backend}: stored {args.alerts} alerts and {args.posts} posts in {time.perf_counter() - started:.0f} s")
        with served(store) as client:
            for path in ("/alerts", "/alerts?sort=newest&state=open", "/", f"/incidents/{incident}", "/api/queue"):
                p50, p95, size = time_get(client, path, args.requests)
                print(f"  {path:<36} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   {size / 1024:7.0f} KiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--alerts", type=int, default=10000)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--stores", default="sqlite,elasticsearch")
    args = parser.parse_args()
    for backend in args.stores.split(","):
        bench(backend.strip(), args)


if __name__ == "__main__":
    main()
