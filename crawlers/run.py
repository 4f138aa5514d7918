"""The crawl's child process: ``python -m crawlers.run`` reads one job (JSON) on stdin.

Scrapy's reactor cannot be restarted inside one process, so the long-running service starts one
child per crawl. The child fetches and parses; it writes one JSON event per line on its standard
output — ``document``, ``error``, ``validator`` and finally ``stats`` — and logs to stderr. The
parent (:mod:`crawlers.stage`) stores the documents as they arrive, so a crawl killed midway keeps
what it had sent.

Job fields: ``source`` (validated entry), ``crawl`` (the ``crawl.`` section), ``cursor``
(``since``, ``seen``, ``validators``), ``now`` (reference time for relative dates, optional),
``redis_run_key`` (with ``crawl.redis_url``), ``storm_terms`` (what storm mode adds to the search and
social sources' queries, :func:`yuqing.storm.search_terms`).
"""
from __future__ import annotations

import json
import os
import sys
import threading
from datetime import datetime
from typing import Any, Callable

from crawlers.health import INTERRUPTED
from crawlers.settings import redis_settings, scrapy_settings
from crawlers.spiders.base import SPIDERS, Cursor


def event_writer(stream) -> Callable[[dict], None]:
    """A thread-safe writer of one JSON event per line, flushed at once."""
    lock = threading.Lock()

    def emit(event: dict) -> None:
        line = json.dumps(event, ensure_ascii=False, default=str)
        with lock:
            stream.write(line + "\n")
            stream.flush()
    return emit


def make_cursor(data: dict[str, Any]) -> Cursor:
    since = data.get("since")
    return Cursor(since=datetime.fromisoformat(since) if since else None, seen=set(data.get("seen") or ()),
                  validators=dict(data.get("validators") or {}), complete=bool(data.get("complete", True)))


def run_job(job: dict[str, Any], emit: Callable[[dict], None]) -> dict[str, Any]:
    """Crawl once; return Scrapy's stats (also emitted as the last event)."""
    from scrapy.crawler import CrawlerProcess
    from scrapy.settings import Settings

    source, crawl = job["source"], job.get("crawl") or {}
    settings = scrapy_settings(crawl, source)
    if crawl.get("redis_url"):
        settings.update(redis_settings(crawl["redis_url"], source["name"], job.get("redis_run_key") or "0"))
    settings["LOG_LEVEL"] = job.get("log_level", "WARNING")
    spider_class = SPIDERS.get(source["type"])
    now = datetime.fromisoformat(job["now"]) if job.get("now") else None
    settings["LOG_INSTALL_ROOT_HANDLER"] = True
    process = CrawlerProcess(Settings(settings))
    crawler = process.create_crawler(spider_class)
    crawler.yuqing_emit = emit
    if crawl.get("keywords") and "keywords" not in source:
        source = {**source, "_global_keywords": crawl["keywords"]}
    if job.get("storm_terms"):  # storm mode (平急转换): the event's keywords and places, searched first
        source = {**source, "_storm_terms": list(job["storm_terms"])}
    process.crawl(crawler, source=source, cursor=make_cursor(job.get("cursor") or {}), now=now)
    process.start()
    stats = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in crawler.stats.get_stats().items()}
    emit({"type": "stats", "stats": stats})
    return stats


def main() -> int:
    # events go to the real stdout; anything else that prints goes to stderr
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    job = json.loads(sys.stdin.read())
    stats = run_job(job, event_writer(out))
    out.close()
    # Scrapy answers SIGTERM/SIGINT with a graceful stop and a normal exit; the parent must not take
    # a crawl cut short for one that ran through (it would keep the list's validators and skip the rest)
    return INTERRUPTED if stats.get("finish_reason") == "shutdown" else 0


if __name__ == "__main__":
    sys.exit(main())
