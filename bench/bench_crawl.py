"""Crawler benchmark: pages per second through spiders and pipelines, and new-post-to-store latency.

    .venv/bin/python bench/bench_crawl.py [--pages 2000] [--latency-seconds 90] [--interval 10] [--speed 60]

1. Throughput: a listing source over the local fixture site (tests/crawlers/fixture_site.py) with
   ``--pages`` article pages, 50 per list page, no delay, 16 parallel requests; every page goes
   through the spider, text extraction, 繁→简, ids and near-duplicate linking into a SQLite store.
   Analysis is not part of it. Reported with and without the child process's start-up.
2. Latency: the replay site (``--speed``, default 60) and the demo's social and news sources crawled every
   ``--interval`` seconds; for each post that appears during the run, the time from its appearance
   on the site to its document being in the store. Target: within one interval plus 5 seconds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from crawlers.stage import CrawlStage  # noqa: E402
from yuqing.config import load_config  # noqa: E402
from yuqing.storage.sqlite import SQLiteStore  # noqa: E402

FAST = {"download_delay": 0.0, "autothrottle": False, "concurrency_per_domain": 16, "download_timeout": 10,
        "retry_times": 1, "max_pages": 1000, "max_run_seconds": 600}


def config_file(folder: Path, crawl: dict) -> object:
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump({"crawl": crawl, "store": {"path": str(folder / "x.sqlite")}},
                                   allow_unicode=True), "utf-8")
    return load_config(path, required=True)


def throughput(pages: int, folder: Path) -> dict:
    from tests.crawlers import fixture_site
    from tests.crawlers.crawl_helpers import listing_source

    fixture_site.NEWS_PER_PAGE = 50
    site = fixture_site.FixtureSite(news_count=pages).start()
    try:
        config = config_file(folder, {**FAST, "sources": [listing_source(site)]})
        store = SQLiteStore(folder / "throughput.sqlite")
        started = time.perf_counter()
        report = CrawlStage(config, store, "news").run_once()
        wall = time.perf_counter() - started
        outcome = report.extra["health"]["last_outcome"]
        store.close()
    finally:
        site.stop()
    responses = outcome["responses"]
    return {"pages": responses, "documents": report.created, "wall_seconds": round(wall, 2),
            "pages_per_second_end_to_end": round(responses / wall, 1),
            "pages_per_second_crawling": round(responses / max(outcome["fetch_seconds"], 1e-6), 1)}


def latency(seconds: float, interval: float, folder: Path, speed: float = 60.0) -> dict:
    from crawlers.replay import ReplaySite

    site = ReplaySite(speed=speed, head_start=1200).start()
    demo = yaml.safe_load((ROOT / "crawlers/replay/demo_sources.yaml").read_text("utf-8"))
    sources = [s for s in demo["crawl"]["sources"] if s["name"] in ("demo-weibo", "demo-news")]
    for source in sources:
        for key in ("url", "start_urls"):
            if key in source:
                source[key] = yaml.safe_load(yaml.safe_dump(source[key]).replace("http://127.0.0.1:8687", site.url))
        source["interval"] = int(interval)
    config = config_file(folder, {**FAST, "download_delay": 0.2, "concurrency_per_domain": 4, "sources": sources})
    store = SQLiteStore(folder / "latency.sqlite")
    stop = threading.Event()

    def crawl_forever(name: str) -> None:
        while not stop.is_set():
            began = time.time()
            CrawlStage(config, store, name).run_once()
            stop.wait(max(0.0, interval - (time.time() - began)))

    threads = [threading.Thread(target=crawl_forever, args=(s["name"],), daemon=True) for s in sources]
    bench_start = time.time()
    for t in threads:
        t.start()
    stored_at: dict[str, float] = {}
    while time.time() - bench_start < seconds:
        for doc in store.iter_documents():
            key = getattr(doc, "native_id", None) or doc.url.rsplit("/", 1)[-1].split(".")[0].split("?")[0]
            stored_at.setdefault(key, time.time())
        time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(120)
    appeared = {p.id: site.appears_at(p) for p in site.posts
                if p.channel in ("social", "news") and bench_start < site.appears_at(p) < bench_start + seconds - interval - 5}
    delays = [stored_at[k] - t for k, t in appeared.items() if k in stored_at]
    missing = [k for k in appeared if k not in stored_at]
    site.stop()
    store.close()
    return {"interval_seconds": interval, "new_posts": len(appeared), "stored": len(delays), "missing": missing,
            "mean_latency_seconds": round(statistics.mean(delays), 2) if delays else None,
            "max_latency_seconds": round(max(delays), 2) if delays else None,
            "target_seconds": interval + 5}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--latency-seconds", type=float, default=90)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--speed", type=float, default=60, help="replay speed (story minutes per minute)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print("throughput:", throughput(args.pages, Path(tmp)), flush=True)
        print("latency:", latency(args.latency_seconds, args.interval, Path(tmp), args.speed), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
