"""Pages of the replay site: news list/detail, RSS, sitemap, search, forum, social JSON API.

Every page is built from escaped text (crawled text is hostile; so is ours, as a test of that).
Times are shown the way Chinese sites show them: ``2024-01-05 20:15`` on lists, ``2024年1月5日
20:15`` on articles, ``3分钟前`` / ``昨天 14:00`` on the forum, ISO 8601 in the JSON API.
"""
from __future__ import annotations

import time
from datetime import timedelta
from typing import Callable, Optional

from crawlers.replay.handler import (NEWS_PER_PAGE, POSTS_PER_PAGE, BaseReplayHandler, Site, esc, paragraphs,
                                     query_of, rfc822, shanghai, to_json)
from crawlers.replay.story import Post


def layout(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            "<script>window.ads=[];</script></head><body>"
            "<div class='top-nav'><a href='/'>首页</a> | <a href='/news/'>本地新闻</a> | <a href='/bbs/'>社区论坛</a>"
            " | <a href='/feed.xml'>订阅</a></div>"
            f"{body}<div class='footer'>示例新闻网（回放演示站点，内容为虚构） 联系我们 | 版权声明</div></body></html>")


def list_time(epoch: float) -> str:
    return shanghai(epoch).strftime("%Y-%m-%d %H:%M")


def article_time(epoch: float) -> str:
    t = shanghai(epoch)
    return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"


def forum_time(epoch: float, now: Optional[float] = None) -> str:
    now = now or time.time()
    age = now - epoch
    if age < 60:
        return "刚刚"
    if age < 3600:
        return f"{int(age // 60)}分钟前"
    t, today = shanghai(epoch), shanghai(now)
    if t.date() == today.date():
        return f"今天 {t:%H:%M}"
    if t.date() == (today - timedelta(days=1)).date():
        return f"昨天 {t:%H:%M}"
    return t.strftime("%m-%d %H:%M")


def page_of(items: list, number: int, size: int) -> tuple[list, bool]:
    chunk = items[(number - 1) * size: number * size]
    return chunk, number * size < len(items)


# --- news -----------------------------------------------------------------------------------------

def home(h, site: Site, path: str, query: dict) -> None:
    latest = "".join(f"<li><a href='/news/{p.id}.html'>{esc(p.title)}</a></li>" for p in site.visible("news")[:5])
    h.send(200, layout("示例新闻网", f"<h1>示例新闻网</h1><ul class='latest'>{latest}</ul>"))


def news_list(h, site: Site, path: str, query: dict) -> None:
    number = max(int(query.get("page", "1") or 1), 1)
    chunk, more = page_of(site.visible("news"), number, NEWS_PER_PAGE)
    items = "".join(f"<li class='news-item'><a href='/news/{p.id}.html?from=list'>{esc(p.title)}</a>"
                    f"<span class='date'>{list_time(site.appears_at(p))}</span></li>" for p in chunk)
    pager = f"<a class='next' href='/news/?page={number + 1}'>下一页</a>" if more else ""
    h.send(200, layout("本地新闻", f"<ul class='news-list'>{items}</ul><div class='pager'>{pager}</div>"))


def news_detail(h, site: Site, path: str, query: dict) -> None:
    post = site.by_id.get(path.rsplit("/", 1)[-1].removesuffix(".html"))
    if post is None or post.channel != "news" or not site.is_visible(post):
        h.send(404, layout("页面不存在", "<h1>404 页面不存在</h1>"))
        return
    body = (f"<div class='article'><h1 class='title'>{esc(post.title)}</h1><div class='info'>"
            f"<span class='pub'>{article_time(site.appears_at(post))}</span> 来源：<span class='source'>{esc(post.author)}"
            f"</span> <span class='place'>{esc(post.place)}</span></div><div class='article-body'>{paragraphs(post.text)}"
            "</div><div class='share'>分享到：微信 微博</div></div>")
    h.send(200, layout(post.title, body))


def feed(h, site: Site, path: str, query: dict) -> None:
    items = "".join(
        f"<item><title>{esc(p.title)}</title><link>{site.url}/news/{p.id}.html</link><guid>{site.url}/news/{p.id}.html"
        f"</guid><pubDate>{rfc822(site.appears_at(p))}</pubDate><author>{esc(p.author)}</author>"
        f"<description>{esc(paragraphs(p.text))}</description></item>" for p in site.visible("news")[:20])
    xml = (f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>示例新闻网</title>"
           f"<link>{site.url}/</link><description>本地新闻</description>{items}</channel></rss>")
    h.send(200, xml, "application/rss+xml; charset=utf-8")


def sitemap(h, site: Site, path: str, query: dict) -> None:
    urls = "".join(f"<url><loc>{site.url}/news/{p.id}.html</loc><lastmod>{shanghai(site.appears_at(p)).isoformat()}"
                   f"</lastmod></url>" for p in site.visible("news"))
    h.send(200, f"<?xml version='1.0' encoding='utf-8'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                f"{urls}</urlset>", "application/xml; charset=utf-8")


def search(h, site: Site, path: str, query: dict) -> None:
    keyword = query.get("q", "").strip()
    found = [p for p in site.visible("news") if keyword and (keyword in p.title or keyword in p.text)]
    items = "".join(f"<li class='result'><a href='/news/{p.id}.html'>{esc(p.title)}</a>"
                    f"<span class='date'>{list_time(site.appears_at(p))}</span></li>" for p in found[:20])
    h.send(200, layout(f"搜索：{keyword}", f"<ul class='results'>{items}</ul>" if items else "<p>没有找到相关结果</p>"))


# --- forum ----------------------------------------------------------------------------------------

def forum_list(h, site: Site, path: str, query: dict) -> None:
    visible = site.visible("forum")
    last: dict[str, Post] = {}
    for post in visible:  # newest first: the first seen is the thread's last post
        last.setdefault(post.thread, post)
    threads = sorted(last.values(), key=lambda p: p.at, reverse=True)
    rows = "".join(
        f"<tr class='thread'><td><a class='title' href='/bbs/thread/{p.thread}'>{esc(site.by_id[p.thread].title)}</a></td>"
        f"<td class='author'>{esc(site.by_id[p.thread].author)}</td>"
        f"<td class='lastpost'>{list_time(site.appears_at(p))}</td></tr>" for p in threads if p.thread in site.by_id)
    h.send(200, layout("社区论坛", f"<table class='threads'>{rows}</table>"))


def forum_thread(h, site: Site, path: str, query: dict) -> None:
    thread_id = path.rstrip("/").rsplit("/", 1)[-1]
    opener = site.by_id.get(thread_id)
    if opener is None or opener.channel != "forum" or not site.is_visible(opener):
        h.send(404, layout("帖子不存在", "<h1>帖子不存在或已被删除</h1>"))
        return
    posts = [p for p in reversed(site.visible("forum")) if p.thread == thread_id]  # oldest first
    number = max(int(query.get("page", "1") or 1), 1)
    chunk, more = page_of(posts, number, POSTS_PER_PAGE)
    now = site.clock()
    floors = "".join(
        f"<div class='post' data-pid='{p.id}'><div class='post-head'><span class='author'>{esc(p.author)}</span>"
        f"<span class='time'>{forum_time(site.appears_at(p), now)}</span></div>"
        f"<div class='post-body'>{paragraphs(p.text)}</div></div>" for p in chunk)
    pager = f"<a class='next-page' href='/bbs/thread/{thread_id}?page={number + 1}'>下一页</a>" if more else ""
    h.send(200, layout(opener.title, f"<h1 class='thread-title'>{esc(opener.title)}</h1>{floors}{pager}"))


# --- social API -----------------------------------------------------------------------------------

def timeline(h, site: Site, path: str, query: dict) -> None:
    visible = site.visible("social")
    start = int(query.get("cursor", "0") or 0) if str(query.get("cursor", "0")).isdigit() else 0
    chunk = visible[start:start + POSTS_PER_PAGE]
    statuses = [{"id": p.id, "text": p.text, "created_at": shanghai(site.appears_at(p)).isoformat(),
                 "user": {"screen_name": p.author}, "reply_to": p.reply_to,
                 "reposts_count": p.metrics.get("reposts", 0), "comments_count": p.metrics.get("comments", 0),
                 "attitudes_count": p.metrics.get("likes", 0)} for p in chunk]
    next_cursor = str(start + POSTS_PER_PAGE) if start + POSTS_PER_PAGE < len(visible) else ""
    h.send(200, to_json({"ok": 1, "data": {"statuses": statuses, "next_cursor": next_cursor}}),
           "application/json; charset=utf-8")


def status_page(h, site: Site, path: str, query: dict) -> None:
    post = site.by_id.get(path.rsplit("/", 1)[-1])
    if post is None or post.channel != "social" or not site.is_visible(post):
        h.send(404, layout("微博不存在", "<h1>该微博不存在</h1>"))
        return
    h.send(200, layout(post.author, f"<div class='status'><b>{esc(post.author)}</b>{paragraphs(post.text)}</div>"))


def robots(h, site: Site, path: str, query: dict) -> None:
    h.send(200, "User-agent: *\nDisallow: /admin/\nSitemap: /sitemap.xml\n", "text/plain; charset=utf-8")


ROUTES: dict[str, Callable] = {
    "/": home, "/news/": news_list, "/news": news_list, "/feed.xml": feed, "/sitemap.xml": sitemap,
    "/search": search, "/bbs/": forum_list, "/bbs": forum_list, "/api/timeline": timeline, "/robots.txt": robots,
}
PREFIXES: list[tuple[str, Callable]] = [("/news/", news_detail), ("/bbs/thread/", forum_thread), ("/s/", status_page)]


def make_handler(site: Site) -> type:
    """The request handler class bound to ``site``."""

    class ReplayHandler(BaseReplayHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path, query = query_of(self.path)
            route = ROUTES.get(path) or next((f for prefix, f in PREFIXES if path.startswith(prefix)), None)
            if route is None:
                self.send(404, layout("页面不存在", "<h1>404 页面不存在</h1>"))
                return
            route(self, site, path, query)

    ReplayHandler.site = site
    return ReplayHandler
