"""Incremental crawling: conditional GET, seen URLs, paging stops at old items, kill and resume."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta

import yaml

from crawl_helpers import FAST, listing_source
from crawlers.spiders.base import Cursor, SourceSpider
from crawlers.stage import CrawlStage, cursor_key
from yuqing.records import DEFAULT_TZ


def test_second_crawl_is_conditional_and_fetches_only_new_items(site, make_config, store):
    config = make_config([listing_source(site)])
    assert CrawlStage(config, store, "news").run_once().created == 12
    detail_hits = site.count("/news/") - site.count("/news/list")
    assert detail_hits == 12

    again = CrawlStage(config, store, "news").run_once()      # nothing changed: 304 on the list
    assert again.created == 0 and site.hits["/news/list"] == 4
    assert site.count("/news/") - site.count("/news/list") == 12
    assert store.get_record("sources", "news").state == "ok"

    fresh = site.add_news(hours_ago=0, title="民治街道突发内涝")
    third = CrawlStage(config, store, "news").run_once()
    assert third.created == 1
    assert site.hits[f"/news/{fresh['n']}.html"] == 1
    assert site.count("/news/") - site.count("/news/list") == 13   # only the new page was fetched
    # page 2 holds nothing new, so paging stopped there: page 3 was read by the first crawl only
    assert site.hit_times.get("/news/list") and store.count_documents() == 13
    assert len(store.get_state(cursor_key("news"))["seen"]) == 13


def test_paging_stops_at_items_older_than_the_last_success():
    now = datetime(2023, 9, 2, 10, 0, tzinfo=DEFAULT_TZ)
    spider = SourceSpider(source={"name": "x"}, cursor=Cursor(since=now - timedelta(hours=1)), now=now)
    assert spider.is_old(spider.parse_time("3小时前"))
    assert not spider.is_old(spider.parse_time("30分钟前"))
    assert not spider.is_old(None)                            # no time: never assumed old


def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path, site, sqlite_store):
    from yuqing.storage.sqlite import SQLiteStore

    site.detail_delay = 0.4                                   # slow detail pages: time to kill midway
    db = tmp_path / "resume.sqlite"
    cfg = tmp_path / "resume.yaml"
    cfg.write_text(yaml.safe_dump({"store": {"path": str(db)}, "crawl": {
        **FAST, "concurrency_per_domain": 1, "sources": [listing_source(site)]}}, allow_unicode=True), "utf-8")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.cli", "crawl", "news", "--config", str(cfg)],
                            cwd=root, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = SQLiteStore(db) if db.exists() else None
    deadline = time.time() + 60
    while time.time() < deadline:
        if watcher is None and db.exists():
            watcher = SQLiteStore(db)
        if watcher is not None and watcher.count_documents() >= 3:
            break
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)                       # the machine dies: parent and child at once
    proc.wait()
    stored_before = watcher.count_documents()
    watcher.close()
    assert 3 <= stored_before < 12

    site.detail_delay = 0.0
    store = SQLiteStore(db)
    from yuqing.config import load_config
    report = CrawlStage(load_config(cfg, required=True), store, "news").run_once()
    ids = [d.id for d in store.iter_documents()]
    assert len(ids) == len(set(ids)) == 12                    # nothing lost, nothing twice
    assert report.created == 12 - stored_before
    # pages whose documents were stored before the kill were not fetched again
    refetched = sum(site.hits[f"/news/{n}.html"] - 1 for n in range(1, 13))
    assert refetched <= 2                                     # at most the requests in flight at the kill
    store.close()


def test_a_crawl_stopped_by_the_services_shutdown_leaves_the_source_healthy(site, make_config, sqlite_store, caplog):
    import logging
    import threading

    # a held request must not time out while the test holds it (each wait below is at most 30 s)
    config = make_config([listing_source(site)], concurrency_per_domain=1, download_timeout=45)
    assert CrawlStage(config, sqlite_store, "news").run_once().created == 12
    fresh = [site.add_news(hours_ago=0, title="观澜街道工厂欠薪")["n"] for _ in range(8)]
    # 5 of the new items are on list page 1, 3 on page 2. Page 2 is held at the gate: until it is
    # answered, its new pages cannot have been requested, so the crawl cannot have run through.
    # (Scrapy's graceful shutdown completes every request already handed to the downloader, page 1's
    # detail pages included; only requests still in the scheduler are dropped.)
    site.hold("/news/list?page=2")
    # the child logs at DEBUG when the stage's logger does; its lines come back through that logger
    caplog.set_level(logging.DEBUG, logger="crawlers.stage")
    closing = threading.Event()

    class ShutdownWatch(logging.Handler):
        def emit(self, record):
            if "Closing spider (shutdown)" in record.getMessage():  # Scrapy's engine, once stopped
                closing.set()

    watch = ShutdownWatch()
    logging.getLogger("crawlers.stage").addHandler(watch)
    stage = CrawlStage(config, sqlite_store, "news")
    reports = []
    worker = threading.Thread(target=lambda: reports.append(stage.run_once()), daemon=True)
    worker.start()
    try:
        assert site.at_gate.wait(30), "the crawl never asked for list page 2"
        stage.process.send_signal(signal.SIGTERM)             # what Ctrl-C or `systemctl stop` does to the child
        # the engine logs this after it stopped taking requests from the scheduler: what page 2 adds is dropped
        assert closing.wait(30), "the crawl did not begin its graceful shutdown"
    finally:
        site.release()
        logging.getLogger("crawlers.stage").removeHandler(watch)
    worker.join(60)
    assert not worker.is_alive(), "the stopped crawl did not finish"
    assert reports and reports[0].detail == "interrupted" and reports[0].errors == 0
    health = sqlite_store.get_record("sources", "news")
    assert health.state == "ok" and not health.last_error     # not "failing" because the service stopped
    assert 0 < reports[0].created < len(fresh)                # it was stopped midway
    assert sqlite_store.count_documents() == 12 + reports[0].created

    rest = CrawlStage(config, sqlite_store, "news").run_once()
    assert rest.detail == "state ok"
    assert sqlite_store.count_documents() == 20 and rest.created == len(fresh) - reports[0].created
    assert all(site.hits[f"/news/{n}.html"] == 1 for n in fresh)  # each new page fetched once: none skipped or twice
