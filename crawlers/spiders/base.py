"""The base of every source spider: options declared once, cursor, errors reported per URL.

A spider is built from one validated entry of ``crawl.sources`` and the source's cursor
(``since``: the last successful crawl minus a margin; ``seen``: ids already stored;
``validators``: ETag/Last-Modified of list pages). It yields plain dict items that the pipelines
of :mod:`crawlers.pipelines` turn into contract documents.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable, Optional

import scrapy
from scrapy.http import Request, Response, TextResponse

from crawlers.dates import parse_chinese_datetime
from crawlers.safety import UrlRefused, configured_urls
from crawlers.text import url_id
from yuqing.privacy import mask_text
from yuqing.records import stable_id
from yuqing.registry import Registry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Option:
    """One option of a spider type, validated when the config is loaded."""

    type: Any
    required: bool = False
    default: Any = None
    help: str = ""


@dataclass
class Cursor:
    """Where the last crawl of a source stopped."""

    since: Optional[datetime] = None
    seen: set[str] = field(default_factory=set)
    validators: dict[str, dict[str, str]] = field(default_factory=dict)
    #: the previous crawl ran through; if not (killed midway), a page of stored items does not
    #: mean the older pages were read, so paging goes on (only the time limit stops it)
    complete: bool = True


def select(node, selector: Optional[str]):
    """CSS or XPath: a selector starting with ``/``, ``./`` or ``(`` is XPath, anything else CSS."""
    if not selector:
        return node.css("__nothing__") if hasattr(node, "css") else []
    if selector.startswith(("/", "./", "(")):
        return node.xpath(selector)
    return node.css(selector)


def select_text(node, selector: Optional[str]) -> Optional[str]:
    """The joined text of what a selector matches (attributes with ``::attr(x)`` or ``/@x``)."""
    if not selector:
        return None
    found = select(node, selector)
    if not found:
        return None
    if "::text" in selector or "::attr(" in selector or "/@" in selector or "text()" in selector:
        values = [v.strip() for v in found.getall() if v and v.strip()]
        return " ".join(values) if values else None
    values = [" ".join(t.strip() for t in sel.xpath(".//text()").getall() if t.strip()) for sel in found]
    joined = " ".join(v for v in values if v)
    return joined or None


def item_id(source_name: str, url: Optional[str], native_id: Optional[str]) -> str:
    """The document id: sha1 of ``source`` + native id when the item has one, else of the canonical URL."""
    if native_id:
        return stable_id(source_name, str(native_id))
    return url_id(url or "")


class SourceSpider(scrapy.Spider):
    """Base of the built-in and user spiders (register yours by dotted path in config).

    Attributes:
        source_type: the contract ``source_type`` of what this spider yields.
        options: option name → :class:`Option`, besides the keys every source has.
    """

    name = "source"
    source_type = "news"
    options: dict[str, Option] = {}

    def __init__(self, source: dict, cursor: Optional[Cursor] = None, now: Optional[datetime] = None,
                 **kwargs: Any) -> None:
        super().__init__(name=source["name"], **kwargs)
        self.source = source
        self.cursor = cursor or Cursor()
        self.now = now
        self.pages = 0
        self.max_pages = int(source.get("max_pages") or 200)

    async def start(self):
        """Scrapy 2.13+ entry point: the requests of :meth:`start_requests`."""
        for request in self.start_requests():
            yield request

    def start_requests(self) -> Iterable[Request]:
        return []

    def configured_urls(self) -> list[str]:
        """The source's own URLs (start pages, feed, sitemap, search template): their hosts are the
        source's allowed domains, and their host:port the only private address it may fetch
        (:mod:`crawlers.safety`). By default every http(s) URL among the spider's options; a spider
        that builds its start URLs from something else overrides this."""
        return configured_urls(self.source, self.options)

    # helpers for subclasses -------------------------------------------------------------------
    def opt(self, key: str, default: Any = None) -> Any:
        value = self.source.get(key)
        return default if value is None else value

    def search_terms(self) -> list[str]:
        """What a searching source searches: in storm mode the event's keywords and places first
        (专项采集, :func:`yuqing.storm.search_terms`), then its own ``keywords`` or else ``crawl.keywords``."""
        own = self.opt("keywords") or self.source.get("_global_keywords") or []
        return list(dict.fromkeys(str(t) for t in [*(self.source.get("_storm_terms") or []), *own] if str(t).strip()))

    def parse_time(self, value: Any) -> Optional[datetime]:
        return parse_chinese_datetime(value, now=self.now)

    def is_old(self, when: Optional[datetime]) -> bool:
        """True when an item is older than the last successful crawl (paging may stop there)."""
        return bool(when and self.cursor.since and when < self.cursor.since)

    def is_seen(self, url: Optional[str] = None, native_id: Optional[str] = None) -> bool:
        return item_id(self.source["name"], url, native_id) in self.cursor.seen

    def keep_paging_past_seen(self) -> bool:
        """Whether a page whose items are all stored still leads to the next page."""
        return not self.cursor.complete

    def request(self, url: str, callback, *, list_page: bool = False, **meta: Any) -> Request:
        """A request with the error hook; list pages carry conditional-GET validators."""
        meta.setdefault("list_page", list_page)
        if list_page:
            meta["handle_httpstatus_list"] = [304]
        return Request(url, callback=callback, errback=self.on_error, meta=meta, dont_filter=list_page)

    def next_page(self, url: Optional[str], callback, response: Response) -> Iterable[Request]:
        """Follow pagination; ``max_pages`` counts the first page too."""
        if url and self.pages < self.max_pages - 1:
            self.pages += 1
            yield self.request(response.urljoin(url), callback, list_page=True)

    def not_modified(self, response: Response) -> bool:
        if response.status == 304:
            self.logger.info("%s not modified since the last crawl", response.url)
            self.crawler.stats.inc_value("yuqing/not_modified")
            return True
        return False

    def text_response(self, response: Response) -> bool:
        """Binary content at an HTML URL is logged and skipped."""
        if isinstance(response, TextResponse):
            return True
        self.report(response.url, f"not a text page ({response.headers.get('Content-Type', b'?').decode()})")
        return False

    # errors -----------------------------------------------------------------------------------
    def on_error(self, failure) -> None:
        if failure.check(UrlRefused):
            return  # the URL policy middleware logged, counted and reported it
        request = failure.request
        reason = failure.getErrorMessage() or failure.type.__name__
        response = getattr(failure.value, "response", None)
        if response is not None:
            reason = f"HTTP {response.status}"
        self.report(request.url, f"{failure.type.__name__}: {reason}")

    def report(self, url: str, reason: str) -> None:
        """One URL that gave nothing: logged, counted and sent to the parent as an error event."""
        self.crawler.stats.inc_value("yuqing/errors")
        self.logger.warning("%s skipped: %s", url, mask_text(reason))
        emit = getattr(self.crawler, "yuqing_emit", None)
        if emit is not None:
            emit({"type": "error", "url": url, "reason": mask_text(reason)[:300]})

    def item(self, **fields: Any) -> dict:
        """An item for the pipelines (see :mod:`crawlers.pipelines` for the fields)."""
        fields.setdefault("source_type", self.opt("source_type", self.source_type))
        return fields


SPIDERS: Registry[SourceSpider] = Registry(
    "spider", SourceSpider,
    builtin_modules=("crawlers.spiders.feed", "crawlers.spiders.listing", "crawlers.spiders.forum",
                     "crawlers.spiders.json_api", "crawlers.spiders.search", "crawlers.spiders.sitemap"))
