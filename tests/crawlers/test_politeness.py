"""Politeness settings reach Scrapy: User-Agent, proxy, delays, concurrency, AutoThrottle, limits."""
from crawl_helpers import listing_source
from crawlers.settings import scrapy_settings
from crawlers.stage import CrawlStage


def test_settings_from_config_and_source():
    crawl = {"user_agent": "ua-default", "obey_robots": True, "download_delay": 1.5, "concurrency_per_domain": 2,
             "autothrottle": True, "download_timeout": 20.0, "max_page_bytes": 1000, "retry_times": 4,
             "max_run_seconds": 300}
    settings = scrapy_settings(crawl, {"name": "s", "type": "rss"})
    assert settings["USER_AGENT"] == "ua-default" and settings["ROBOTSTXT_OBEY"] is True
    assert settings["DOWNLOAD_DELAY"] == 1.5 and settings["CONCURRENT_REQUESTS_PER_DOMAIN"] == 2
    assert settings["AUTOTHROTTLE_ENABLED"] and settings["AUTOTHROTTLE_START_DELAY"] == 1.5
    assert settings["DOWNLOAD_TIMEOUT"] == 20.0 and settings["DOWNLOAD_MAXSIZE"] == 1000
    assert settings["YUQING_RETRY_TIMES"] == 4 and settings["CLOSESPIDER_TIMEOUT"] == 300
    own = scrapy_settings(crawl, {"name": "s", "type": "rss", "user_agent": "ua-own", "download_delay": 3.0,
                                  "concurrency": 1, "obey_robots": False, "headers": {"Referer": "x"}})
    assert own["USER_AGENT"] == "ua-own" and own["DOWNLOAD_DELAY"] == 3.0
    assert own["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1 and own["ROBOTSTXT_OBEY"] is False
    assert own["DEFAULT_REQUEST_HEADERS"]["Referer"] == "x"
    assert "crawlers.middlewares.ProxyMiddleware" not in own["DOWNLOADER_MIDDLEWARES"]


def test_user_agent_and_proxy_used_on_the_wire(site, make_config, sqlite_store):
    # the fixture server also answers proxy-form requests, so it stands in for a real proxy
    source = listing_source(site, start_urls=["http://news.example.invalid/news/list"], max_pages=1)
    config = make_config([source], user_agent="yuqing-test/1.0", proxy=site.url)
    report = CrawlStage(config, sqlite_store, "news").run_once()
    assert report.created == 5                                 # one list page, as max_pages says
    assert site.proxied >= 6 and site.user_agents == {"yuqing-test/1.0"}
    assert all(d.url.startswith("http://news.example.invalid/") for d in sqlite_store.iter_documents())
