"""Settings of the crawlers (section ``crawl.`` of ``config.yaml``).

Per-source options live in the entries of ``crawl.sources`` and are validated by
:func:`crawlers.sources.validate_sources`; the settings below are the defaults every source shares.
"""
from yuqing.config import Setting, not_negative, positive


def _sources(value):
    from crawlers.sources import validate_sources
    from yuqing.errors import ConfigError

    try:
        validate_sources(value)
    except ConfigError as exc:
        return str(exc)
    return None


SETTINGS = [
    Setting("crawl.sources", [], "The sources to crawl: a list of {name, type, interval, …} entries; type is "
            "rss, listing, forum, json_api, search, sitemap or a dotted path to your own spider class. "
            "See crawlers/replay/demo_sources.yaml for one example of each.", type=list, check=_sources),
    Setting("crawl.keywords", [], "Monitored keywords, filled into the URL template of `search` sources.",
            type=list),
    Setting("crawl.default_interval", 600, "Seconds between two crawls of a source that sets no `interval`.",
            type=int, check=positive),
    Setting("crawl.user_agent", "yuqing-crawler/0.1 (+public-opinion monitoring; contact your street office)",
            "User-Agent sent with every request (a source may set its own `user_agent`)."),
    Setting("crawl.proxy", "", "HTTP(S) proxy URL for every request, e.g. http://127.0.0.1:3128; a source may "
            "set its own `proxy`. Empty for none."),
    Setting("crawl.obey_robots", True, "Obey robots.txt (a source may set `obey_robots: false` only with the "
            "site owner's consent).", type=bool),
    Setting("crawl.download_delay", 0.5, "Seconds between two requests to the same domain.", type=float,
            check=not_negative),
    Setting("crawl.concurrency_per_domain", 4, "Parallel requests per domain.", type=int, check=positive),
    Setting("crawl.autothrottle", True, "Adapt the delay to the server's latency (Scrapy AutoThrottle).",
            type=bool),
    Setting("crawl.download_timeout", 30.0, "Seconds before a request is given up (then retried).", type=float,
            check=positive),
    Setting("crawl.max_page_bytes", 5 * 1024 * 1024, "Larger responses are dropped and logged.", type=int,
            check=positive),
    Setting("crawl.retry_times", 3, "Retries of a request after 5xx, 429 or a timeout, with backoff.", type=int,
            check=not_negative),
    Setting("crawl.retry_backoff", 2.0, "Base of the exponential backoff between retries, in seconds.",
            type=float, check=not_negative),
    Setting("crawl.retry_after_max", 120.0, "Longest Retry-After (seconds) a 429 may impose; longer waits "
            "give up the request for this run.", type=float, check=not_negative),
    Setting("crawl.max_pages", 200, "Most list/API pages followed in one crawl of one source.", type=int,
            check=positive),
    Setting("crawl.max_run_seconds", 900, "A crawl running longer is stopped (what it stored is kept).",
            type=int, check=positive),
    Setting("crawl.overlap_seconds", 3600, "Paging stops at items older than the last successful crawl minus "
            "this margin (late-published items are still found).", type=int, check=not_negative),
    Setting("crawl.seen_max", 20000, "How many stored URLs per source are remembered to skip their detail "
            "pages next time.", type=int, check=positive),
    Setting("crawl.near_duplicate_threshold", 0.8, "Estimated Jaccard similarity (MinHash) above which a "
            "document is linked to an earlier copy (`duplicate_of`).", type=float),
    Setting("crawl.near_duplicate_days", 7, "How many days back near-duplicates are looked for.", type=int,
            check=positive),
    Setting("crawl.blocked_threshold", 3, "403/429 answers in one crawl after which the source is `blocked`.",
            type=int, check=positive),
    Setting("crawl.redis_url", "", "With a Redis URL (redis://host:6379/0) the request queue and duplicate "
            "filter live in Redis so several machines share one crawl.", secret=True),
    Setting("crawl.demo.host", "127.0.0.1", "Address of the bundled replay site (service.demo)."),
    Setting("crawl.demo.port", 8687, "Port of the bundled replay site (service.demo).", type=int),
    Setting("crawl.demo.speed", 60.0, "Replay speed-up: 60 shows an hour of the story per minute (the whole "
            "three-day story in about 70 minutes); 1 replays it in real time.", type=float, check=positive),
    Setting("crawl.demo.head_start", 360.0, "Minutes of the story already shown when the replay site starts.",
            type=float, check=not_negative),
]
