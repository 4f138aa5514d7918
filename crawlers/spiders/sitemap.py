"""Sitemaps (站点地图): sitemap indexes are followed; pages newer than the last crawl are read."""
from __future__ import annotations

from scrapy.selector import Selector

from crawlers.spiders.base import SPIDERS, Option, SourceSpider, select, select_text


@SPIDERS.register("sitemap")
class SitemapSpider(SourceSpider):
    """Every page of a sitemap (``<urlset>``, or a ``<sitemapindex>`` of them) filtered by lastmod."""

    source_type = "news"
    options = {
        "url": Option(str, required=True, help="the sitemap's URL"),
        "url_contains": Option(str, help="only pages whose URL contains this text (e.g. /news/)"),
        "detail_title": Option(str, default="h1", help="selector of the title"),
        "detail_body": Option(str, help="selector of the body; without it the article is found automatically"),
        "detail_time": Option(str, help="selector of the publication time"),
        "detail_author": Option(str, help="selector of the author"),
    }

    def start_requests(self):
        yield self.request(self.opt("url"), self.parse, list_page=True)

    def parse(self, response):
        if self.not_modified(response) or not self.text_response(response):
            return
        doc = Selector(text=response.text, type="xml")
        doc.remove_namespaces()
        for loc in doc.xpath("//sitemap/loc/text()").getall():
            if self.pages < self.max_pages:
                self.pages += 1
                yield self.request(response.urljoin(loc.strip()), self.parse, list_page=True)
        needle = self.opt("url_contains")
        for entry in doc.xpath("//url"):
            loc = (entry.xpath("loc/text()").get() or "").strip()
            if not loc or (needle and needle not in loc) or self.is_seen(loc):
                continue
            lastmod = self.parse_time(entry.xpath("lastmod/text()").get())
            if self.is_old(lastmod):
                continue
            yield self.request(response.urljoin(loc), self.parse_detail,
                               listed=lastmod.isoformat() if lastmod else None)

    def parse_detail(self, response):
        if not self.text_response(response):
            return
        body_selector = self.opt("detail_body")
        body_html = "".join(select(response, body_selector).getall()) if body_selector else None
        yield self.item(url=response.url, title=select_text(response, self.opt("detail_title", "h1")),
                        body_html=body_html, page_html=None if body_html else response.text,
                        published=select_text(response, self.opt("detail_time")) or response.meta.get("listed"),
                        author=select_text(response, self.opt("detail_author")))
