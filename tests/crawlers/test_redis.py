"""Scale-out: with crawl.redis_url the queue and duplicate filter live in a real redis-server."""
import threading

import redis

from crawl_helpers import listing_source
from crawlers.stage import CrawlStage


def test_two_machines_share_one_crawl(site, make_config, redis_url, tmp_path):
    from yuqing.storage.sqlite import SQLiteStore

    site.detail_delay = 0.6                                   # long enough for both machines to join
    config = make_config([listing_source(site)], redis_url=redis_url, concurrency_per_domain=2)
    stores = [SQLiteStore(tmp_path / f"machine{i}.sqlite") for i in range(2)]
    reports = [None, None]

    def machine(i):
        reports[i] = CrawlStage(config, stores[i], "news").run_once()

    threads = [threading.Thread(target=machine, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    ids = [set(d.id for d in s.iter_documents()) for s in stores]
    print("split between the machines:", len(ids[0]), len(ids[1]))
    assert len(ids[0] | ids[1]) == 12                       # together they stored every item
    details = {path: n for path, n in site.hits.items() if path.startswith("/news/") and path.endswith(".html")}
    assert len(details) == 12 and set(details.values()) == {1}   # each page fetched once, by one machine
    assert all(r.extra["health"]["state"] == "ok" for r in reports)

    keys = list(redis.Redis.from_url(redis_url).scan_iter("yuqing:crawl:news:*"))
    assert keys and all(redis.Redis.from_url(redis_url).ttl(k) > 0 for k in keys)   # cleaned up later
    for s in stores:
        s.close()
