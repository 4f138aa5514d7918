"""The bundled replay site: its story, posts appearing over time, and the demo sources crawling it."""
import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from crawlers.replay import ReplaySite, load_posts, start_demo
from crawlers.stage import CrawlStage, configured_sources

DEMO = Path(__file__).parents[2] / "crawlers" / "replay" / "demo_sources.yaml"


def test_story_is_rich_enough():
    posts = load_posts()
    assert 80 <= len(posts) <= 150
    assert {p.channel for p in posts} == {"news", "forum", "social"}
    texts = " ".join(p.text for p in posts)
    for street in ("民治街道", "龙华街道", "观澜街道", "大浪街道", "福城街道", "沙井街道", "新安街道", "西乡街道"):
        assert street in texts
    assert re.search(r"138\d{8}", texts) and "//@" in texts and "觀瀾" in texts
    for topic in ("溃坝", "募捐", "欠", "拆", "物业费", "打桩", "健身房"):
        assert topic in texts
    assert len({p.id for p in posts}) == len(posts)


def test_posts_appear_over_time():
    site = ReplaySite(speed=60 * 60 * 10, head_start=0).start()   # ten story hours per wall second
    try:
        first = len(site.visible())
        time.sleep(0.6)
        later = len(site.visible())
        assert later > first
        api = json.loads(urllib.request.urlopen(f"{site.url}/api/timeline").read())
        assert api["data"]["statuses"]
        hidden = next(p for p in reversed(site.posts) if p.channel == "news" and not site.is_visible(p))
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{site.url}/news/{hidden.id}.html")
    finally:
        site.stop()


def demo_config(tmp_path, site, **crawl):
    from yuqing.config import load_config
    from crawl_helpers import FAST

    data = yaml.safe_load(DEMO.read_text("utf-8").replace("http://127.0.0.1:8687", site.url))
    data["crawl"].update({**FAST, "download_delay": 0.0, **crawl})
    path = tmp_path / "demo.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    return load_config(path, required=True)


class SteppedClock:
    """Wall time that stands still until the test moves it (the story must not move mid-crawl)."""

    def __init__(self):
        self.offset = 0.0
        self.frozen = time.time()

    def __call__(self):
        return self.frozen + self.offset


def test_demo_sources_crawl_the_replay_site(tmp_path, sqlite_store):
    clock = SteppedClock()
    site = ReplaySite(speed=600, head_start=1500, clock=clock).start()   # the first day of the story is out
    try:
        config = demo_config(tmp_path, site)
        names = [s["name"] for s in configured_sources(config)]
        assert names == ["demo-news", "demo-rss", "demo-forum", "demo-weibo", "demo-search", "demo-sitemap"]
        for name in ("demo-news", "demo-forum", "demo-weibo"):
            report = CrawlStage(config, sqlite_store, name).run_once()
            assert report.extra["health"]["state"] == "ok", report.extra["url_errors"]
        docs = list(sqlite_store.iter_documents())
        shown = [p for p in site.posts if site.is_visible(p)]
        assert len(docs) == len(shown)                         # every visible post, once
        by_source = {n: [d for d in docs if d.source == n] for n in ("demo-news", "demo-forum", "demo-weibo")}
        assert all(by_source.values())
        news = next(d for d in by_source["demo-news"] if "观澜水库" in d.title)
        assert news.author == "龙华发布" and news.place == "龙华区观澜街道" and "?from" not in news.url
        replies = [d for d in by_source["demo-forum"] if d.thread_id]
        assert replies and all(any(o.id == r.thread_id for o in by_source["demo-forum"]) for r in replies)
        weibo = {d.native_id: d for d in by_source["demo-weibo"]}
        assert weibo["s09"].duplicate_of == weibo["s08"].id    # a repost, linked to the first copy
        assert weibo["s08"].metrics.reposts == 520
        assert "观澜水库崩堤" in weibo["s20"].text_simplified    # the Traditional post, simplified beside it

        clock.frozen = time.time() + 1                         # the wall clock catches up with the crawl
        clock.offset = 60.0                                    # a minute later: ten story hours
        again = CrawlStage(config, sqlite_store, "demo-weibo").run_once()
        now_shown = [p for p in site.posts if site.is_visible(p) and p.channel == "social"]
        assert again.created == len(now_shown) - len(by_source["demo-weibo"]) > 0
    finally:
        site.stop()


def test_start_demo_reads_its_settings(tmp_path):
    from yuqing.config import load_config
    from crawl_helpers import free_port

    port = free_port()
    config = load_config(None, [f"crawl.demo.port={port}", "crawl.demo.speed=120", "crawl.demo.head_start=0"])
    site = start_demo(config)
    try:
        assert site.url == f"http://127.0.0.1:{port}" and site.speed == 120
        assert urllib.request.urlopen(f"{site.url}/robots.txt").status == 200
    finally:
        site.stop()
