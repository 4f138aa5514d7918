"""List page + detail page sites: news sites, government notice boards (新闻、通知公告)."""
from __future__ import annotations

from crawlers.spiders.base import SPIDERS, Option, SourceSpider, select, select_text


@SPIDERS.register("listing")
class ListingSpider(SourceSpider):
    """List pages with pagination; each item's detail page gives title, body, time and author.

    Selectors are CSS, or XPath when they start with ``/`` or ``./``. Paging stops at a page whose
    items are all older than the last successful crawl (by ``list_time``) or all stored already.
    """

    source_type = "news"
    #: an empty list page means the selectors no longer fit the site (a search may rightly find nothing)
    empty_list_is_error = True
    options = {
        "start_urls": Option(list, required=True, help="first list page(s)"),
        "list_item": Option(str, required=True, help="selector of one entry on a list page"),
        "list_link": Option(str, default="a::attr(href)", help="selector of the entry's link, inside the entry"),
        "list_time": Option(str, help="selector of the entry's time on the list page, if shown"),
        "next_page": Option(str, help="selector of the next list page's URL"),
        "detail_title": Option(str, default="h1", help="selector of the title on the detail page"),
        "detail_body": Option(str, help="selector of the body; without it the article is found automatically"),
        "detail_time": Option(str, help="selector of the publication time on the detail page"),
        "detail_author": Option(str, help="selector of the author or issuing office"),
        "detail_place": Option(str, help="selector of a place given by the page"),
    }

    def start_requests(self):
        for url in self.start_urls_list():
            yield self.request(url, self.parse, list_page=True)

    def start_urls_list(self) -> list[str]:
        return list(self.opt("start_urls") or [])

    def parse(self, response):
        if self.not_modified(response) or not self.text_response(response):
            return
        entries = select(response, self.opt("list_item"))
        if not entries:
            if self.empty_list_is_error:
                self.report(response.url, "empty list page (no entry matched list_item)")
            else:
                self.logger.info("%s: no results", response.url)
            return
        fresh = 0
        for entry in entries:
            href = select_text(entry, self.opt("list_link", "a::attr(href)"))
            if not href:
                continue
            url = response.urljoin(href)
            listed = self.parse_time(select_text(entry, self.opt("list_time")))
            if self.is_old(listed):
                continue
            if self.is_seen(url):
                fresh += self.keep_paging_past_seen()
                continue
            fresh += 1
            yield self.request(url, self.parse_detail, listed=listed.isoformat() if listed else None)
        if fresh:  # a page with nothing new means the rest is older still
            yield from self.next_page(select_text(response, self.opt("next_page")), self.parse, response)

    def parse_detail(self, response):
        if not self.text_response(response):
            return
        body_selector = self.opt("detail_body")
        body_html = "".join(select(response, body_selector).getall()) if body_selector else None
        published = select_text(response, self.opt("detail_time")) or response.meta.get("listed")
        yield self.item(url=response.url, title=select_text(response, self.opt("detail_title", "h1")),
                        body_html=body_html, page_html=None if body_html else response.text,
                        published=published, author=select_text(response, self.opt("detail_author")),
                        place=select_text(response, self.opt("detail_place")))
