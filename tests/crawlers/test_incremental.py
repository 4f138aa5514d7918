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
    import contextlib
    import re

    from fixture_site import NEWS_PER_PAGE
    from yuqing.config import load_config
    from yuqing.storage.sqlite import SQLiteStore

    # The crawl is killed at a point it provably reached, not after a guessed delay. The two oldest
    # items of list page 2, and list page 3, are held at the fixture site's gate: while they are held,
    # every other item of lists 1 and 2 can be fetched and stored, and the items of page 3 cannot even
    # be asked for. The concurrency lets all the requests of one list page be in the downloader at once,
    # so which of them are in flight together does not depend on how Scrapy queues them.
    newest_first = [item["n"] for item in site.news]
    on_lists_1_and_2 = newest_first[:2 * NEWS_PER_PAGE]
    held = on_lists_1_and_2[-2:]
    stored_when_held = set(on_lists_1_and_2) - set(held)

    def target(n):  # as linked from the fixture's list pages (the gate matches path and query)
        return f"/news/{n}.html?utm_source=list&spm=1"

    def hits(n):
        return site.hits[f"/news/{n}.html"]

    def stored(store):  # the item number of each stored document, by id
        return {d.id: int(re.search(r"/news/(\d+)\.html", d.url).group(1)) for d in store.iter_documents()}

    def recorded(store):  # the ids the crawl's cursor records as stored: those a resumed crawl skips
        return set((store.get_state(cursor_key("news")) or {}).get("seen", []))

    site.hold(*(target(n) for n in held), "/news/list?page=3")
    db = tmp_path / "resume.sqlite"
    cfg = tmp_path / "resume.yaml"
    # held requests must not time out (and be retried) while the test holds them: see the deadline below
    cfg.write_text(yaml.safe_dump({"store": {"path": str(db)}, "crawl": {
        **FAST, "concurrency_per_domain": 8, "download_timeout": 90, "max_run_seconds": 120,
        "sources": [listing_source(site)]}}, allow_unicode=True), "utf-8")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.Popen([sys.executable, "-m", "yuqing.app.cli", "crawl", "news", "--config", str(cfg)],
                            cwd=root, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    watcher = None
    deadline = time.monotonic() + 60

    def wait_for(condition, what):
        while not condition():
            assert proc.poll() is None, f"the crawl exited ({proc.returncode}) before {what()}"
            assert time.monotonic() < deadline, f"timed out waiting until {what()}"
            time.sleep(0.05)

    def all_but_held_stored():
        nonlocal watcher
        if watcher is None and db.exists():
            watcher = SQLiteStore(db)
        if watcher is None:
            return False
        docs = stored(watcher)  # documents and cursor are separate writes: wait for both
        return stored_when_held <= set(docs.values()) and set(docs) <= recorded(watcher)

    try:
        # both held items have been asked for (neither is answered before the release; list page 3
        # need not have arrived: nothing it leads to can be asked for while it is held) ...
        wait_for(lambda: site.at_gate.is_set() and all(hits(n) for n in held),
                 lambda: f"items {held} were asked for (asked: {[n for n in held if hits(n)]})")
        # ... and every other item of lists 1 and 2 is stored, its id recorded in the cursor. Nothing
        # is in transit and nothing is half-written: the crawl can go no further until the release.
        wait_for(all_but_held_stored, lambda: f"items {sorted(stored_when_held)} were stored and recorded "
                 f"(stored: {sorted(stored(watcher).values()) if watcher else 'no store yet'})")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)               # the machine dies: parent and child at once
        proc.wait()
        site.release()                                        # held pages are answered to no one
    stored_before = set(stored(watcher).values())
    watcher.close()
    # the site's own record at the kill: pages asked for, and those of them whose documents were not stored
    hits_at_kill = {n: hits(n) for n in newest_first}
    in_flight = {n for n in newest_first if hits_at_kill[n] and n not in stored_before}
    assert 0 < len(stored_before) < len(newest_first)
    assert set(held) <= in_flight                            # killed with pages in flight

    store = SQLiteStore(db)
    report = CrawlStage(load_config(cfg, required=True), store, "news").run_once()
    docs = stored(store)
    # every item stored exactly once: nothing lost, nothing twice (not even under a second id)
    assert sorted(docs.values()) == sorted(newest_first) and store.count_documents() == len(newest_first)
    assert report.created == len(newest_first) - len(stored_before)
    fetched_again = {n: hits(n) - hits_at_kill[n] for n in newest_first}
    # pages whose documents were stored before the kill were not fetched again ...
    assert [n for n in sorted(stored_before) if fetched_again[n]] == []
    # ... and every other page was: none was skipped, whether in flight at the kill or never asked for
    assert [n for n in newest_first if n not in stored_before and not fetched_again[n]] == []
    refetched = sum(fetched_again[n] for n in newest_first if hits_at_kill[n])
    assert refetched <= len(in_flight)                        # at most the requests in flight at the kill
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
