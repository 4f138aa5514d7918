"""Scrapy settings of a crawl, from the ``crawl.`` section and the source's own options.

Precedence as in Scrapy: these defaults < ``crawl.*`` settings < the source's keys.
"""
from __future__ import annotations

from typing import Any

from crawlers.safety import DISABLED_DOWNLOAD_HANDLERS

BOT_NAME = "yuqing"

ITEM_PIPELINES = {
    "crawlers.pipelines.ExtractTextPipeline": 100,
    "crawlers.pipelines.DocumentPipeline": 200,
    "crawlers.pipelines.ExactDuplicatePipeline": 300,
    "crawlers.pipelines.EmitPipeline": 900,
}

# process_request runs from the lowest number up: the URL policy first (before robots.txt is asked,
# before any connection). process_response runs from the highest number down: redirect targets are
# checked, redirects and decompression done, then the encoding is fixed, content checked, validators
# kept, and failures retried.
DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.UrlPolicyMiddleware": 50,
    "crawlers.middlewares.RedirectPolicyMiddleware": 620,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    "crawlers.middlewares.ConditionalGetMiddleware": 560,
    "crawlers.middlewares.ContentCheckMiddleware": 580,
    "crawlers.middlewares.EncodingMiddleware": 585,
    "crawlers.middlewares.RedirectLoopMiddleware": 610,
}

DEFAULTS: dict[str, Any] = {
    "BOT_NAME": BOT_NAME,
    "ITEM_PIPELINES": ITEM_PIPELINES,
    "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
    "ROBOTSTXT_OBEY": True,
    "AUTOTHROTTLE_ENABLED": True,
    "AUTOTHROTTLE_START_DELAY": 0.5,
    "AUTOTHROTTLE_TARGET_CONCURRENCY": 2.0,
    "COOKIES_ENABLED": False,
    "TELNETCONSOLE_ENABLED": False,
    "EXTENSIONS": {"scrapy.extensions.remote_control.RemoteControl": None,
                   "scrapy.extensions.telnet.TelnetConsole": None},
    "REDIRECT_MAX_TIMES": 5,
    "HTTPERROR_ALLOWED_CODES": [],
    "LOG_LEVEL": "WARNING",
    "LOG_FORMATTER": "crawlers.pipelines.QuietLogFormatter",
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    "CONCURRENT_REQUESTS": 16,
    # Scrapy starts this many item workers for every response; the pipelines are synchronous, so
    # a few suffice, and the default (100) costs more than the parsing itself
    "CONCURRENT_ITEMS": 4,
    "DNS_TIMEOUT": 10,
    # only http(s) is ever fetched: no file://, data:, s3:// or ftp:// handler (crawlers/safety.py)
    "DOWNLOAD_HANDLERS": dict(DISABLED_DOWNLOAD_HANDLERS),
    # the connections' own DNS answers are held to the URL policy too (no private address after the check)
    "TWISTED_DNS_RESOLVER": "crawlers.safety.GuardedResolver",
}


def scrapy_settings(crawl: dict[str, Any], source: dict[str, Any]) -> dict[str, Any]:
    """The Scrapy settings for one crawl of ``source``.

    Args:
        crawl: the ``crawl.`` section without its prefix (``config.section("crawl")``).
        source: the validated source entry.
    """
    settings = dict(DEFAULTS)
    settings.update({
        "USER_AGENT": source.get("user_agent") or crawl.get("user_agent"),
        "ROBOTSTXT_OBEY": source.get("obey_robots", crawl.get("obey_robots", True)),
        "DOWNLOAD_DELAY": source.get("download_delay", crawl.get("download_delay", 0.5)),
        "CONCURRENT_REQUESTS_PER_DOMAIN": source.get("concurrency", crawl.get("concurrency_per_domain", 4)),
        "AUTOTHROTTLE_ENABLED": crawl.get("autothrottle", True),
        "DOWNLOAD_TIMEOUT": crawl.get("download_timeout", 30.0),
        "DOWNLOAD_MAXSIZE": crawl.get("max_page_bytes", 5 * 1024 * 1024),
        "DOWNLOAD_WARNSIZE": 0,
        "YUQING_RETRY_TIMES": crawl.get("retry_times", 3),
        "YUQING_RETRY_BACKOFF": crawl.get("retry_backoff", 2.0),
        "YUQING_RETRY_AFTER_MAX": crawl.get("retry_after_max", 120.0),
        "CLOSESPIDER_TIMEOUT": crawl.get("max_run_seconds", 900),
    })
    if settings["AUTOTHROTTLE_ENABLED"]:
        settings["AUTOTHROTTLE_START_DELAY"] = max(float(settings["DOWNLOAD_DELAY"]), 0.01)
        settings["AUTOTHROTTLE_MAX_DELAY"] = max(10.0, float(settings["DOWNLOAD_DELAY"]) * 4)
    if source.get("headers"):
        settings["DEFAULT_REQUEST_HEADERS"] = {"Accept-Language": "zh-CN,zh;q=0.9", **source["headers"]}
    proxy = source.get("proxy") or crawl.get("proxy")
    if proxy:  # read by the proxy middleware below through the request meta
        settings["YUQING_PROXY"] = proxy
        settings["DOWNLOADER_MIDDLEWARES"] = {**DOWNLOADER_MIDDLEWARES, "crawlers.middlewares.ProxyMiddleware": 740}
    return settings


def redis_settings(redis_url: str, source_name: str, run_key: str) -> dict[str, Any]:
    """Scheduler queue and duplicate filter in Redis (scrapy-redis), shared by every machine.

    Keys are per source and per scheduled run (``run_key``), so machines crawling the same source
    at the same slot share one queue, and a later run is not mistaken for a repeat.
    """
    prefix = f"yuqing:crawl:{source_name}:{run_key}"
    return {
        "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_PERSIST": True,  # one machine finishing must not wipe the queue the others share
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "REDIS_URL": redis_url,
        "SCHEDULER_IDLE_BEFORE_CLOSE": 1,
    }
