"""Briefings benchmark: a daily report over a day of 100,000 posts, built and rendered (HTML, PDF).

    .venv/bin/python bench/bench_briefings.py [--docs 100000] [--incidents 20] [--es-url URL] [--no-es]

The day (2024-06-01, Asia/Shanghai) holds ``--docs`` synthetic posts with their analyses (1% requests
for help, 0.5% rumours), ``--incidents`` incidents of 500 posts each with an alert and its trail.
Without --es-url (or YUQING_ES_URL) it starts a node with scripts/elasticsearch.sh and stops it.
Prints one table: seconds to build the report's JSON, to render the HTML, to write the PDF, and the
total. Goal (issue 17): a daily report over 100,000 posts in <= 20 s. Not run by `make test`.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from yuqing.records import DEFAULT_TZ, Alert, AlertChange, Incident  # noqa: E402
from yuqing.storage.synthetic import make_pair  # noqa: E402

DAY = date(2024, 6, 1)
START = datetime(2024, 6, 1, 0, 0, tzinfo=DEFAULT_TZ)


def story(n_docs: int, n_incidents: int):
    docs, analyses = [], []
    for i in range(n_docs):
        doc, analysis = make_pair(i, seed=11, start=START, spread_hours=23.9)
        if i % 100 == 0:
            analysis.rescue = {"is_request": True, "score": 0.9, "phones": ["13800001111"],
                               "address": f"{analysis.location.street}某小区{i % 30}栋", "urgency": 0.8}
        if i % 200 == 1:
            analysis.harmful = {"types": [{"label": "rumor", "score": 0.9}]}
        docs.append(doc)
        analyses.append(analysis)
    incidents, alerts = [], []
    for k in range(n_incidents):
        members = [d for d, a in zip(docs[k::n_incidents], analyses[k::n_incidents])][:500]
        first = min(d.published_at for d in members)
        incidents.append(Incident(id=f"bench-inc-{k}", label=f"bench incident {k}", keywords=["暴雨", "欠薪", "积水"],
                                  doc_ids=[d.id for d in members], first_seen=first,
                                  last_seen=max(d.published_at for d in members), size=len(members), growth=2.0,
                                  category="natural_disaster", streets=["民治街道"], sentiment={"negative": 0.7},
                                  state="growing"))
        created = first + timedelta(hours=1)
        alerts.append(Alert(id=f"bench-alert-{k}", rule="incident-growth", severity=("red", "orange", "yellow")[k % 3],
                            title=f"事件 {k} 升温", incident_id=f"bench-inc-{k}", doc_ids=[d.id for d in members[:5]],
                            street="民治街道", category="natural_disaster", created_at=created, state="acknowledged",
                            history=[AlertChange.model_validate({"who": "system", "when": created, "from": None,
                                                                 "to": "new"}),
                                     AlertChange.model_validate({"who": "张三", "when": created + timedelta(minutes=5),
                                                                 "from": "new", "to": "acknowledged"})]))
    return docs, analyses, incidents, alerts


def fill(store, docs, analyses, incidents, alerts) -> float:
    start = time.perf_counter()
    for i in range(0, len(docs), 5000):
        store.put_documents(docs[i:i + 5000])
        store.put_analyses(analyses[i:i + 5000])
    store.put_records("incidents", incidents)
    store.put_records("alerts", alerts)
    store.flush()
    return time.perf_counter() - start


def measure(store, config, directory: Path) -> dict:
    from briefings import render
    from briefings.content import build_periodic

    t0 = time.perf_counter()
    report = build_periodic(config, store, "daily", DAY)
    t1 = time.perf_counter()
    html = render.to_html(report)
    t2 = time.perf_counter()
    render.to_pdf(report, directory / "daily.pdf")
    t3 = time.perf_counter()
    overview = next(f["data"] for f in report["figures"] if f["name"] == "overview")
    return {"documents": overview["documents"], "build": t1 - t0, "html": t2 - t1, "pdf": t3 - t2, "total": t3 - t0,
            "html_kb": len(html.encode()) / 1024, "pdf_kb": (directory / "daily.pdf").stat().st_size / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--incidents", type=int, default=20)
    parser.add_argument("--es-url", default=None)
    parser.add_argument("--no-es", action="store_true")
    args = parser.parse_args()
    from yuqing.config import load_config

    print(f"generating {args.docs} posts of {DAY} …", file=sys.stderr)
    data = story(args.docs, args.incidents)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = load_config(None, [f"store.path={tmp / 'unused.sqlite'}", "cases.starter=false"])
        from yuqing.storage.sqlite import SQLiteStore

        with SQLiteStore(tmp / "bench.sqlite") as store:
            loaded = fill(store, *data)
            rows.append(("SQLite", loaded, measure(store, config, tmp)))
        if not args.no_es:
            from yuqing.storage.elastic import ElasticsearchStore

            url, node = args.es_url or os.environ.get("YUQING_ES_URL"), None
            if not url:
                from tests.es_node import EsNode
                node = EsNode.start_on_free_port()
                url = node.url
            store = ElasticsearchStore([url], index_prefix=f"bench-{uuid.uuid4().hex[:8]}", spool_dir=tmp)
            try:
                loaded = fill(store, *data)
                rows.append(("Elasticsearch", loaded, measure(store, config, tmp)))
            finally:
                store.delete_indices()
                store.close()
                if node is not None:
                    node.stop()
    print(f"daily report over {args.docs:,} posts, {args.incidents} incidents (goal: total <= 20 s)")
    print(f"{'store':<14} {'load s':>7} {'posts':>8} {'build s':>8} {'HTML s':>7} {'PDF s':>7} {'total s':>8} "
          f"{'HTML KB':>8} {'PDF KB':>7}")
    for name, loaded, r in rows:
        print(f"{name:<14} {loaded:>7.1f} {r['documents']:>8,} {r['build']:>8.2f} {r['html']:>7.2f} {r['pdf']:>7.2f} "
              f"{r['total']:>8.2f} {r['html_kb']:>8.0f} {r['pdf_kb']:>7.0f}")


if __name__ == "__main__":
    main()
