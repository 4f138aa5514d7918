"""Alert benchmarks: one evaluation cycle of 200 rules of all types over a large store, and the
end-to-end latency from a document entering the store to its alert being in the queue.

    .venv/bin/python bench/bench_alerts.py cycle   --docs 1000000 --new 1000 [--backend sqlite|elasticsearch]
    .venv/bin/python bench/bench_alerts.py latency --docs 1000000 --interval 5 --samples 20

The store is generated once (synthetic documents and analyses, kept in ``--path``) and reused.
Figures go to stdout.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from yuqing.records import Analysis, Document, Incident, now  # noqa: E402

STREETS = ["民治街道", "大浪街道", "龙华街道", "观湖街道", "福城街道", "观澜街道", "坂田街道", "布吉街道"]
CATEGORIES = ["labor_dispute", "natural_disaster", "environment", "property_management", "traffic",
              "public_safety", "consumer_finance", "public_service"]
PHRASES = {"labor_dispute": "工厂拖欠工资 工人讨薪 欠薪 老板跑路", "natural_disaster": "暴雨 内涝 积水 被困 求救",
           "environment": "噪音 臭味 垃圾 污染", "property_management": "物业 业委会 停车费 电梯",
           "traffic": "交通事故 拥堵 地铁 停运", "public_safety": "火灾 燃气 爆炸 坍塌",
           "consumer_finance": "预付卡 跑路 退费 维权", "public_service": "停水 停电 公交 办事"}


def synthetic(i: int, at: datetime, rng: random.Random) -> tuple[Document, Analysis]:
    cat = CATEGORIES[i % len(CATEGORIES)]
    street = STREETS[(i // 3) % len(STREETS)]
    words = PHRASES[cat].split()
    text = f"{street}{rng.choice(words)}{rng.choice(words)}，网友反映情况第{i}条，{rng.choice(words)}"
    doc = Document(id=f"b{i:08d}", text=text, published_at=at, collected_at=at, source=f"src{i % 20}",
                   source_type="forum")
    rescue = None
    if cat == "natural_disaster" and i % 50 == 0:
        rescue = {"is_request": True, "score": 0.9, "phones": [f"138{i % 100000000:08d}"], "address": f"{street}某小区{i % 97}栋",
                  "people_count": 2, "vulnerable": ["elderly"], "needs": ["evacuation"], "urgency": 0.7}
    harmful = {"types": [{"label": "rumor", "score": 0.8}]} if i % 97 == 0 else None
    analysis = Analysis.model_validate({
        "id": doc.id, "sentiment": {"label": rng.choice(["negative", "neutral", "negative", "positive"]), "score": 0.8},
        "categories": [{"label": cat, "score": 0.85}], "rescue": rescue, "harmful": harmful,
        "location": {"district": "龙华区", "street": street, "confidence": 0.9}, "keywords": words[:2]})
    return doc, analysis


def open_store(args):
    if args.backend == "elasticsearch":
        from yuqing.config import load_config
        from yuqing.storage.elastic import ElasticsearchStore
        config = load_config(None, [f"store.elasticsearch.index_prefix={args.prefix}",
                                    f"store.path={args.path}", f"store.elasticsearch.hosts=['{args.es_url}']",
                                    "store.backend=elasticsearch"])
        return ElasticsearchStore.from_config(config)
    from yuqing.storage.sqlite import SQLiteStore
    return SQLiteStore(args.path)


def fill(store, total: int, end: datetime, batch: int = 5000) -> None:
    """Documents spread over 30 days before ``end``, generated once and reused."""
    have = store.count_documents()
    if have >= total:
        return
    rng = random.Random(have)
    span = 30 * 86400
    started = time.perf_counter()
    for first in range(have, total, batch):
        pairs = [synthetic(i, end - timedelta(seconds=span * (1 - i / total)), rng)
                 for i in range(first, min(first + batch, total))]
        store.put_documents([d for d, _ in pairs])
        store.put_analyses([a for _, a in pairs])
        if (first // batch) % 20 == 0:
            rate = (first + batch - have) / (time.perf_counter() - started)
            print(f"  generated {first + batch:,} / {total:,} ({rate:,.0f} docs/s)", flush=True)
    store.flush()


def rules_of_all_types(n: int) -> list[dict]:
    """``n`` rules cycling through the eleven types with varied words, streets and categories."""
    rules = []
    for i in range(n):
        cat, street = CATEGORIES[i % len(CATEGORIES)], STREETS[i % len(STREETS)]
        words = PHRASES[cat].split()
        kind = i % 11
        base = {"name": f"r{i:03d}", "severity": "blue"}
        rules.append([
            dict(base, type="keyword", options={"words": words[:2], "exclude": ["演练"]}),
            dict(base, type="frequency", match={"categories": [cat]}, options={"count": 20, "minutes": 60, "group_by": "street"}),
            dict(base, type="spike", match={"categories": [cat]}, options={"words": words[:3], "baseline": ["previous", "weekday"]}),
            dict(base, type="new_term", match={"streets": [street]}, options={"min_docs": 3, "warmup_hours": 0}),
            dict(base, type="sentiment_shift", options={"scope": "street" if i % 2 else "incident"}),
            dict(base, type="rescue_request", options={"min_score": 0.5}),
            dict(base, type="harmful_info", options={"min_score": 0.7}),
            dict(base, type="incident_growth", match={"categories": [cat]}),
            dict(base, type="calendar_window", options={"days_ahead": 7}),
            dict(base, type="case_match", match={"categories": [cat]}, options={"min_score": 0.9}),
            dict(base, type="source_health"),
        ][kind])
    return rules


def make_stage(store, n_rules: int, workdir: Path, interval: int = 30):
    from alerts.stage import AlertEngine, AlertStage
    from yuqing.config import load_config

    rules_dir = workdir / "rules.d"
    rules_dir.mkdir(parents=True, exist_ok=True)
    for rule in rules_of_all_types(n_rules):
        (rules_dir / f"{rule['name']}.yaml").write_text(yaml.safe_dump(rule, allow_unicode=True), encoding="utf-8")
    config = load_config(None, [f"alerts.rules_dirs=['{rules_dir}']", f"service.alert_interval={interval}"])
    engine = AlertEngine.from_config(config, store, providers=True)
    return config, AlertStage(config, store, engine=engine)


def cycle(args) -> None:
    end = now().replace(microsecond=0) - timedelta(minutes=1)
    with open_store(args) as store:
        t = time.perf_counter()
        fill(store, args.docs, end)
        print(f"store: {store.count_documents():,} documents ({time.perf_counter() - t:.0f} s to generate/open)")
        workdir = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
        config, stage = make_stage(store, args.rules, workdir)
        incidents = [Incident(id=f"inc{i}", label=f"事件{i}", keywords=PHRASES[CATEGORIES[i % 8]].split()[:3],
                              doc_ids=[f"b{j:08d}" for j in range(i * 10, i * 10 + 10)], first_seen=end - timedelta(hours=5),
                              last_seen=end, size=10 + i, growth=1.0 + (i % 7), category=CATEGORIES[i % 8],
                              streets=[STREETS[i % 8]], sentiment={"negative": 0.3 + (i % 5) / 10})
                     for i in range(100)]
        store.put_records("incidents", incidents)
        # the previous cycle saw everything but the newest ``--new`` documents
        newest = list(store.iter_documents(since=end - timedelta(hours=6)))
        cut = newest[-args.new - 1].published_at if len(newest) > args.new else end - timedelta(days=31)
        store.set_state("alerts.cursor", {"watermark": cut.isoformat(), "seen": {
            d.id: d.published_at.timestamp() for d in newest if d.published_at <= cut}})
        for alert in store.find_records("alerts"):  # a rerun measures the same cycle: alerts opened afresh
            store.delete_record("alerts", alert.id)
        for rule in stage.engine.rules:
            store.set_state(f"alerts.rule.{rule.name}", {"started": (end - timedelta(days=2)).timestamp()})
        store.flush()
        t = time.perf_counter()
        report = stage.run_once(now=end + timedelta(seconds=30))
        took = time.perf_counter() - t
        print(f"cycle: {len(stage.engine.rules)} rules, {report.processed:,} new documents, "
              f"{len(incidents)} incidents -> {report.line()}")
        print(f"RESULT backend={args.backend} docs={store.count_documents():,} rules={len(stage.engine.rules)} "
              f"new={report.processed} cycle_seconds={took:.2f}")
        t = time.perf_counter()
        report = stage.run_once(now=end + timedelta(seconds=60))
        print(f"RESULT idle cycle (nothing new) seconds={time.perf_counter() - t:.2f}")


def latency(args) -> None:
    """Documents enter the store while the service runs; time until each one's alert is in the queue."""
    from yuqing.app.scheduler import JobSpec, Service

    with open_store(args) as store:
        fill(store, args.docs, now() - timedelta(minutes=1))
        workdir = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
        config, stage = make_stage(store, args.rules, workdir, interval=args.interval)
        probe = {"name": "zz-latency-probe", "type": "keyword", "severity": "blue",
                 "options": {"phrases": ["延迟探针"], "group_by": "incident"}}
        from alerts.schema import build_rule
        stage.engine.rules.append(build_rule(probe, "bench"))
        stage.run_once()  # catch up with what is stored: the measure starts from a steady state
        service = Service(config, store, crawl=False)
        service.discover = lambda: service.specs
        service.specs["stage:alert"] = JobSpec("stage:alert", args.interval, lambda: stage)
        service.start()
        waits = []
        try:
            rng = random.Random(7)
            for k in range(args.samples):
                time.sleep(rng.uniform(0, args.interval))  # arrive at any point of the interval
                d, a = synthetic(10_000_000 + k, now(), rng)
                d = d.model_copy(update={"id": f"probe{k}-{time.time_ns()}", "text": f"延迟探针 第{k}条 {d.text}"})
                a = a.model_copy(update={"id": d.id})
                t0 = time.perf_counter()
                store.put_documents([d])
                store.put_analyses([a])
                store.flush()
                key = f"zz-latency-probe:doc:{d.id}"
                while not store.find_records("alerts", {"dedup_key": key}):
                    if time.perf_counter() - t0 > 10 * args.interval + 120:
                        raise SystemExit(f"no alert for {d.id} after {time.perf_counter() - t0:.0f} s")
                    time.sleep(0.1)
                    store.flush()
                waits.append(time.perf_counter() - t0)
                print(f"  sample {k + 1}: {waits[-1]:.2f} s", flush=True)
        finally:
            service.stop()
        waits.sort()
        p95 = percentile(waits, 0.95)
        runs = store.find_records("job_runs", {"job": "stage:alert"}, order_by="started_at", descending=True, limit=50)
        print(f"RESULT backend={args.backend} docs={store.count_documents():,} rules={len(stage.engine.rules)} "
              f"interval={args.interval}s samples={len(waits)} p50={statistics.median(waits):.2f}s p95={p95:.2f}s "
              f"max={waits[-1]:.2f}s p95_beyond_interval={p95 - args.interval:.2f}s; "
              f"{len(runs)} service cycles recorded")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=("cycle", "latency"))
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=1000)
    parser.add_argument("--rules", type=int, default=200)
    parser.add_argument("--backend", choices=("sqlite", "elasticsearch"), default="sqlite")
    parser.add_argument("--path", default=str(ROOT / "scratch" / "bench_alerts.sqlite"))
    parser.add_argument("--prefix", default="bench-alerts")
    parser.add_argument("--es-url", default="http://127.0.0.1:9200")
    parser.add_argument("--interval", type=int, default=5, help="alert stage interval (s) for latency")
    parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    Path(args.path).parent.mkdir(parents=True, exist_ok=True)
    import logging
    logging.basicConfig(level=logging.WARNING)
    (cycle if args.what == "cycle" else latency)(args)


if __name__ == "__main__":
    main()
