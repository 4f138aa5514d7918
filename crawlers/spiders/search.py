"""Site search pages queried with the monitored keywords (站内搜索)."""
from __future__ import annotations

from urllib.parse import quote

from crawlers.spiders.base import SPIDERS, Option
from crawlers.spiders.listing import ListingSpider


@SPIDERS.register("search")
class SearchSpider(ListingSpider):
    """A listing whose first pages are a search URL template filled with each keyword.

    ``url_template`` holds ``{keyword}``; the keyword is URL-quoted in ``query_encoding`` (some
    sites expect GBK). Keywords come from the source's ``keywords`` or else ``crawl.keywords``; in
    storm mode the event's keywords and places come first (:meth:`SourceSpider.search_terms`).
    """

    empty_list_is_error = False
    options = {k: v for k, v in ListingSpider.options.items() if k != "start_urls"}
    options.update({
        "url_template": Option(str, required=True, help="search URL with {keyword}, e.g. https://…/s?q={keyword}"),
        "keywords": Option(list, help="keywords for this source (default: crawl.keywords)"),
        "query_encoding": Option(str, default="utf-8", help="encoding of the keyword in the URL (utf-8, gbk)"),
    })

    def start_urls_list(self) -> list[str]:
        template = self.opt("url_template")
        encoding = self.opt("query_encoding", "utf-8")
        keywords = self.search_terms()
        if not keywords:
            self.logger.warning("source %s: no keywords to search; set keywords or crawl.keywords", self.name)
        return [template.replace("{keyword}", quote(str(k).encode(encoding))) for k in keywords]
