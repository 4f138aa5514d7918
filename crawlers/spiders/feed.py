"""RSS 2.0 and Atom feeds (订阅源)."""
from __future__ import annotations

from scrapy.selector import Selector

from crawlers.spiders.base import SPIDERS, Option, SourceSpider


@SPIDERS.register("rss")
class FeedSpider(SourceSpider):
    """Every entry of an RSS 2.0 or Atom feed; ``fetch_detail`` also reads the linked page."""

    source_type = "rss"
    options = {
        "url": Option(str, required=True, help="the feed's URL"),
        "fetch_detail": Option(bool, default=False, help="fetch each entry's page for its full text"),
        "detail_body": Option(str, help="selector of the article body on the entry's page"),
    }

    def start_requests(self):
        yield self.request(self.opt("url"), self.parse, list_page=True)

    def parse(self, response):
        if self.not_modified(response) or not self.text_response(response):
            return
        feed = Selector(text=response.text, type="xml")
        feed.remove_namespaces()
        entries = feed.xpath("//item") or feed.xpath("//entry")
        if not entries:
            self.report(response.url, "no <item> or <entry> in the feed")
        for entry in entries:
            item = self._entry(entry, response)
            if item is None:
                continue
            if self.is_old(self.parse_time(item.get("published"))):
                continue
            if self.opt("fetch_detail") and item.get("url") and not self.is_seen(item["url"]):
                yield self.request(item["url"], self.parse_detail, entry=item)
            else:
                yield item

    def _entry(self, entry, response):
        link = entry.xpath("link/@href").get() or entry.xpath("link/text()").get() or entry.xpath("guid/text()").get()
        guid = entry.xpath("guid/text()").get() or entry.xpath("id/text()").get()
        body = (entry.xpath("encoded/text()").get() or entry.xpath("content/text()").get()
                or entry.xpath("description/text()").get() or entry.xpath("summary/text()").get() or "")
        published = (entry.xpath("pubDate/text()").get() or entry.xpath("published/text()").get()
                     or entry.xpath("updated/text()").get() or entry.xpath("date/text()").get())
        author = (entry.xpath("author/name/text()").get() or entry.xpath("creator/text()").get()
                  or entry.xpath("author/text()").get())
        if not link and not guid:
            self.report(response.url, "a feed entry without link or guid was skipped")
            return None
        return self.item(url=response.urljoin(link.strip()) if link else None,
                         native_id=None if link else guid.strip(),
                         title=(entry.xpath("title/text()").get() or "").strip() or None,
                         body_text=body, published=published, author=(author or "").strip() or None)

    def parse_detail(self, response):
        entry = dict(response.meta["entry"])
        if not self.text_response(response):
            yield entry
            return
        selector = self.opt("detail_body")
        if selector:
            entry["body_html"] = "".join(self.select_html(response, selector)) or None
        else:
            entry["page_html"] = response.text
        yield entry

    @staticmethod
    def select_html(response, selector):
        from crawlers.spiders.base import select

        return select(response, selector).getall()
