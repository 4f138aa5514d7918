"""Crawl logs never carry a phone number in full, even at DEBUG (crawled text is in the child's log)."""
import logging

from crawlers.replay import ReplaySite
from crawlers.stage import CrawlStage


def test_debug_log_of_a_crawl_masks_phones(make_config, sqlite_store, caplog):
    site = ReplaySite(speed=60, head_start=1000).start()       # rescue requests with phones are out
    try:
        source = {"name": "weibo", "type": "json_api", "url": f"{site.url}/api/timeline",
                  "items_path": "data.statuses", "id_path": "id", "text_path": "text", "time_path": "created_at",
                  "next_path": "data.next_cursor"}
        with caplog.at_level(logging.DEBUG, logger="crawlers"):
            report = CrawlStage(make_config([source]), sqlite_store, "weibo").run_once()
        assert report.created > 0
        stored = " ".join(d.text for d in sqlite_store.iter_documents())
        assert "13800138002" in stored                          # the document keeps it (responders need it)
        assert "Scraped from" in caplog.text                  # the child's DEBUG log did come through
        assert "13800138002" not in caplog.text
    finally:
        site.stop()
