"""Politeness and resilience: each bad page is logged per URL and skipped, the rest is stored."""
from crawl_helpers import listing_source
from crawlers.stage import CrawlStage


def reasons_by_path(report):
    return {e["url"].split("/", 3)[3]: e["reason"] for e in report.extra["url_errors"]}


def test_bad_pages_reported_per_url_good_pages_stored(site, make_config, sqlite_store):
    source = {"name": "bad", "type": "listing", "start_urls": [f"{site.url}/bad/list"], "list_item": "li.item",
              "detail_title": "h1", "detail_body": "div.content"}
    config = make_config([source], max_page_bytes=5 * 1024 * 1024, download_timeout=2.5)
    report = CrawlStage(config, sqlite_store, "bad").run_once()
    titles = {d.title for d in sqlite_store.iter_documents(source="bad")}
    assert titles == {"繁忙之后", "恢复之后", "残缺页面 标签没有闭合的页面 新安街道 停电 通知：今晚十点至次日六点检修。 表格",
                      "民治街道暴雨积水（1）"}
    malformed = next(d for d in sqlite_store.iter_documents(source="bad") if "停电" in d.text)
    assert "今晚十点至次日六点检修" in malformed.text and "<" not in malformed.text

    reasons = reasons_by_path(report)
    assert "Timeout" in reasons["slow.html"]
    assert "max size" in reasons["huge.html"]
    assert "binary content" in reasons["doc.html"] and "binary content" in reasons["doc2.html"]
    assert "redirect loop" in next(r for p, r in reasons.items() if p.startswith("loop/"))
    assert "captcha" in reasons["captcha.html"]
    assert "empty page" in reasons["empty.html"]
    assert "robots.txt" in reasons["private/secret.html"]
    assert site.hits["/private/secret.html"] == 0             # robots.txt obeyed: never fetched

    # 429 honoured Retry-After (1 s); 503 retried and then succeeded; the slow page retried twice
    busy = site.hit_times["/busy.html"]
    assert len(busy) == 2 and busy[1] - busy[0] >= 0.95
    assert site.hits["/flaky.html"] == 2 and site.hits["/slow.html"] == 3
    assert site.hits["/huge.html"] == 1

    health = sqlite_store.get_record("sources", "bad")
    assert health.state == "blocked"                          # a captcha page was served
    assert len(health.recent_errors) == len(report.extra["url_errors"]) >= 8


def test_robots_can_be_switched_off_per_source(site, make_config, sqlite_store, monkeypatch):
    source = {"name": "own", "type": "custom_spider.NoticeBoardSpider", "url": f"{site.url}/private/secret.html",
              "obey_robots": False}
    import os
    from crawl_helpers import HERE
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    CrawlStage(make_config([source]), sqlite_store, "own").run_once()
    assert site.hits["/private/secret.html"] == 1


def test_repeated_403_marks_the_source_blocked(site, make_config, store):
    source = {"name": "wall", "type": "listing", "start_urls": [f"{site.url}/forbidden/{i}" for i in range(3)],
              "list_item": "li"}
    config = make_config([source], blocked_threshold=3)
    report = CrawlStage(config, store, "wall").run_once()
    health = store.get_record("sources", "wall")
    assert health.state == "blocked" and report.errors
    assert all("403" in e["reason"] for e in report.extra["url_errors"])


def test_unreachable_source_is_failing_and_keeps_last_success(site, make_config, store):
    from crawl_helpers import free_port
    good = make_config([listing_source(site, "news")])
    CrawlStage(good, store, "news").run_once()
    first = store.get_record("sources", "news")
    assert first.state == "ok"
    dead = listing_source(site, "news", start_urls=[f"http://127.0.0.1:{free_port()}/news/list"])
    report = CrawlStage(make_config([dead], retry_times=0), store, "news").run_once()
    health = store.get_record("sources", "news")
    assert health.state == "failing" and report.errors
    assert health.last_success == first.last_success and health.consecutive_failures == 1
    assert "refused" in health.last_error.lower() or "connect" in health.last_error.lower()
    assert 0 < health.error_rate <= 1
