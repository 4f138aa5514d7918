"""Every spider type against the fixture site, through the pipelines into a real store."""
from datetime import timedelta

import pytest

from crawl_helpers import listing_source
from crawlers.stage import CrawlStage
from yuqing.records import now


def crawl(config, store, name):
    report = CrawlStage(config, store, name).run_once()
    docs = list(store.iter_documents(source=name))
    return report, docs


def test_listing_with_pagination_dates_and_canonical_urls(site, make_config, store):
    report, docs = crawl(make_config([listing_source(site)]), store, "news")
    assert report.created == 12 and len(docs) == 12
    assert site.count("/news/list") == 3                      # three list pages followed
    doc = next(d for d in docs if d.url.endswith("/news/3.html"))
    assert "utm_source" not in doc.url and "spm" not in doc.url
    assert doc.title == "观澜街道欠薪讨薪（3）" and doc.author == "示例日报" and doc.source_type == "news"
    assert "近百名工人聚集在厂门口" in doc.text and "<" not in doc.text and "版权所有" not in doc.text
    assert abs(doc.published_at - (now() - timedelta(hours=10))) < timedelta(minutes=2)
    assert doc.text_simplified == doc.text
    health = store.get_record("sources", "news")
    assert health.state == "ok" and health.last_success and health.items_per_hour > 0


def test_gbk_and_big5_pages_decoded_and_simplified(site, make_config, sqlite_store):
    source = {"name": "enc", "type": "listing", "start_urls": [f"{site.url}/gbk/list", f"{site.url}/big5/list"],
              "list_item": "li.item", "detail_title": "h1", "detail_body": "div.content"}
    report, docs = crawl(make_config([source]), sqlite_store, "enc")
    by_title = {d.title: d for d in docs}
    assert "工厂拖欠三个月工资" in by_title["工厂欠薪（1）"].text      # charset in the HTTP header
    assert "工厂拖欠三个月工资" in by_title["工厂欠薪（2）"].text      # declared nowhere: sniffed
    big5 = by_title["健身房跑路"]
    assert "數百名會員的預付卡無法退款" in big5.text                 # original kept
    assert "数百名会员的预付卡无法退款" in big5.text_simplified      # simplified beside it


def test_forum_threads_and_replies(site, make_config, sqlite_store):
    source = {"name": "bbs", "type": "forum", "start_urls": [f"{site.url}/forum/list"], "thread_item": "tr.thread",
              "thread_time": "td.last::text", "post": "div.post", "post_id": "::attr(data-pid)",
              "post_author": "span.user::text", "post_time": "span.ptime::text", "post_body": "div.msg",
              "thread_next_page": "a.pnext::attr(href)"}
    report, docs = crawl(make_config([source]), sqlite_store, "bbs")
    assert len(docs) == 8                                      # 2 threads: 5 + 3 posts, replies on page 2 too
    openers = [d for d in docs if d.thread_id is None]
    assert sorted(d.title for d in openers) == ["大浪街道某小区物业费上涨，业主怎么办？", "福城街道旧市场拆迁补偿标准有人知道吗"]
    property_thread = next(d for d in openers if "物业费" in d.title)
    replies = [d for d in docs if d.thread_id == property_thread.id]
    assert len(replies) == 4 and all(d.source_type == "forum" for d in docs)
    assert any("支持维权" in d.text for d in replies)          # the reply on the thread's second page
    assert {d.author for d in replies} == {"网友1", "网友2", "网友3", "网友4"}
    # read again: thread pages are re-read for new replies, but nothing is stored twice
    again = CrawlStage(make_config([source]), sqlite_store, "bbs").run_once()
    assert again.created == 0 and sqlite_store.count_documents() == 8


@pytest.mark.parametrize("feed, count, author", [("feed.rss", 6, "示例日报"), ("feed.atom", 4, "示例记者")])
def test_rss_and_atom(site, make_config, sqlite_store, feed, count, author):
    source = {"name": "feed", "type": "rss", "url": f"{site.url}/{feed}"}
    report, docs = crawl(make_config([source]), sqlite_store, "feed")
    assert len(docs) == count
    newest = max(docs, key=lambda d: d.published_at)
    assert newest.title == site.news[0]["title"] and newest.author == author
    assert newest.text.startswith(site.news[0]["body"][:20]) and "<p>" not in newest.text
    assert newest.url.endswith(f"/news/{site.news[0]['n']}.html") and newest.source_type == "rss"


def test_json_api_with_next_page_tokens(site, make_config, sqlite_store):
    source = {"name": "weibo", "type": "json_api", "url": f"{site.url}/api/posts", "items_path": "data.list",
              "id_path": "mid", "text_path": "content", "time_path": "ts", "author_path": "user.name",
              "url_template": f"{site.url}/status/{{id}}", "thread_path": "reply_to", "next_path": "data.next",
              "metrics": {"likes": "stats.like", "reposts": "stats.repost", "comments": "stats.comment"}}
    report, docs = crawl(make_config([source]), sqlite_store, "weibo")
    assert len(docs) == 7 and site.count("/api/posts") == 3   # three pages by token
    by_text = {d.text: d for d in docs}
    first = by_text["民治街道某小区地下车库进水，多辆车被淹，有没有人知道物业联系方式？"]
    assert first.author == "用户1" and first.metrics.likes == 3 and first.metrics.reposts == 1
    assert first.url.endswith("/status/m1") and first.source_type == "social"
    reply = by_text["回复：物业电话一直占线，已经打了119。"]
    assert reply.thread_id == first.id
    repost = next(d for d in docs if d.text.startswith("转发："))
    assert repost.duplicate_of == first.id                    # near-duplicate linked, not dropped


def test_sitemap_index_followed(site, make_config, sqlite_store):
    source = {"name": "map", "type": "sitemap", "url": f"{site.url}/sitemap.xml", "detail_body": "div.content",
              "detail_time": "span.pub::text"}
    report, docs = crawl(make_config([source]), sqlite_store, "map")
    assert len(docs) == 5 and site.hits["/sitemap-news.xml"] == 1
    assert {d.title for d in docs} == {n["title"] for n in site.news[:5]}


def test_search_pages_filled_with_monitored_keywords(site, make_config, sqlite_store):
    source = {"name": "find", "type": "search", "url_template": f"{site.url}/search?q={{keyword}}",
              "list_item": "li.item", "detail_title": "h1.title", "detail_body": "div.content",
              "detail_time": "span.pub::text"}
    report, docs = crawl(make_config([source], keywords=["欠薪", "暴雨", "没有这个词"]), sqlite_store, "find")
    assert sorted(d.title for d in docs) == ["民治街道暴雨积水（1）", "观澜街道欠薪讨薪（3）"]
    assert site.hits["/search"] == 3
    assert report.extra["health"]["state"] == "ok"            # a keyword without results is no error


def test_user_spider_by_dotted_path(site, make_config, sqlite_store, monkeypatch):
    import os
    from crawl_helpers import HERE
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]))
    source = {"name": "own", "type": "custom_spider.NoticeBoardSpider", "url": f"{site.url}/news/2.html"}
    report, docs = crawl(make_config([source]), sqlite_store, "own")
    assert [d.title for d in docs] == ["龙华街道工地噪音（2）"]
