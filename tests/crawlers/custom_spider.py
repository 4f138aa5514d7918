"""A user's own spider, named in config by dotted path (``custom_spider.NoticeBoardSpider``)."""
from crawlers.spiders.base import Option, SourceSpider


class NoticeBoardSpider(SourceSpider):
    """Reads the first paragraph of one page (a stand-in for a site-specific spider)."""

    source_type = "news"
    options = {"url": Option(str, required=True, help="the page")}

    def start_requests(self):
        yield self.request(self.opt("url"), self.parse)

    def parse(self, response):
        yield self.item(url=response.url, title=response.css("h1::text").get(),
                        body_html=response.css("div.content").get(), published="刚刚")
