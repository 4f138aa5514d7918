"""Item pipelines: spider items → contract documents, in the crawl's child process.

Order (see :data:`crawlers.settings.ITEM_PIPELINES`): :class:`ExtractTextPipeline` (HTML → plain
text), :class:`DocumentPipeline` (times, canonical URL, stable id, thread id, 繁→简 copy, contract
validation), :class:`ExactDuplicatePipeline` (drops repeats within the crawl) and
:class:`EmitPipeline` (hands the document to the parent process, which stores it and links
near-duplicates; see :mod:`crawlers.stage`).

Item fields a spider may set: ``url``, ``native_id``, ``title``, ``body_text`` (text, may hold a few
tags), ``body_html`` (an HTML fragment), ``page_html`` (a whole page; the article is found by
trafilatura), ``published`` (any time format of :mod:`crawlers.dates`), ``author``, ``place``,
``thread_url`` or ``thread_native_id`` (the post this one replies to), ``metrics``, ``source_type``.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

from scrapy.exceptions import DropItem
from scrapy.logformatter import LogFormatter

from crawlers.dates import parse_chinese_datetime
from crawlers.spiders.base import item_id
from crawlers.text import canonical_url, extract_main_text, html_to_text, to_simplified
from yuqing.errors import RecordError
from yuqing.records import DEFAULT_TZ, Document, parse_record


def _drop(spider, item: dict, reason: str) -> DropItem:
    spider.report(item.get("url") or str(item.get("native_id")), reason)
    return DropItem(reason, log_level="INFO")  # already reported, with its URL


class _CrawlerPipeline:
    """Built from the crawler (Scrapy 2.13+ passes no spider argument to the hooks)."""

    def __init__(self, crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    @property
    def spider(self):
        return self.crawler.spider


class ExtractTextPipeline(_CrawlerPipeline):
    """Plain text from whatever the spider found; an item with no text is logged and dropped."""

    def process_item(self, item: dict) -> dict:
        spider = self.spider
        if item.get("body_html"):
            text = html_to_text(item["body_html"])
        elif item.get("body_text"):
            text = html_to_text(item["body_text"])
        else:
            text = extract_main_text(item.get("page_html") or "", url=item.get("url"))
        if not text:
            raise _drop(spider, item, "empty page: no text found")
        item["text"] = text
        for key in ("title", "author", "place"):
            if isinstance(item.get(key), str):
                item[key] = html_to_text(item[key])[:500] or None
        return item


class DocumentPipeline(_CrawlerPipeline):
    """The contract document: time, canonical URL, stable id, thread id and the simplified copy."""

    def open_spider(self) -> None:
        self.collected = datetime.now(DEFAULT_TZ)

    def process_item(self, item: dict) -> dict:
        spider = self.spider
        name = spider.source["name"]
        url = canonical_url(item["url"]) if item.get("url") and not item.get("native_id") else item.get("url")
        published = parse_chinese_datetime(item.get("published"), now=spider.now)
        thread_id = None
        if item.get("thread_native_id"):
            thread_id = item_id(name, None, item["thread_native_id"])
        elif item.get("thread_url"):
            thread_id = item_id(name, item["thread_url"], None)
        data = {
            "id": item_id(name, item.get("url"), item.get("native_id")),
            "source": name, "source_type": item.get("source_type"), "url": url,
            "title": item.get("title"), "text": item["text"], "author": item.get("author"),
            "published_at": published or self.collected, "collected_at": self.collected,
            "thread_id": thread_id, "metrics": item.get("metrics") or {},
            "place": item.get("place") or spider.source.get("place"),
        }
        if published is None:  # kept, but marked: the page gave no readable time
            data["published_estimated"] = True
        simplified = to_simplified(item["text"])
        data["text_simplified"] = simplified
        if item.get("title"):
            data["title_simplified"] = to_simplified(item["title"])
        if item.get("native_id"):
            data["native_id"] = str(item["native_id"])
        try:
            document = parse_record(Document, data, where=f"{url or item.get('native_id')}")
        except RecordError as exc:
            raise _drop(spider, item, str(exc)) from None
        return {"document": document.model_dump(mode="json")}


class ExactDuplicatePipeline(_CrawlerPipeline):
    """Drops an item whose id was already yielded in this crawl, and a page whose exact text was (one
    article reached under two URLs).

    A post the platform numbers (``native_id``) is kept whatever its text: two ids are two posts,
    and identical reposts of a request for help (转发扩散) are its spread. Dropping the second of two
    copies when both fell into one crawl lost it for good once newer posts pushed it past the next
    crawl's first page (paging stops at a stored page); the parent links copies as near-duplicates
    (``duplicate_of``) whichever crawl brings them.
    """

    def open_spider(self) -> None:
        self.ids: set[str] = set()
        self.texts: set[str] = set()

    def process_item(self, item: dict) -> dict:
        spider = self.spider
        doc = item["document"]
        digest = hashlib.sha1((doc.get("title") or "").encode() + b"\x1f" + doc["text"].encode()).hexdigest()
        if doc["id"] in self.ids or (digest in self.texts and not doc.get("thread_id") and not doc.get("native_id")):
            spider.crawler.stats.inc_value("yuqing/exact_duplicates")
            raise DropItem(f"exact duplicate of an item of this crawl: {doc.get('url') or doc['id']}", log_level="INFO")
        self.ids.add(doc["id"])
        self.texts.add(digest)
        return item


class EmitPipeline(_CrawlerPipeline):
    """Sends each document to the parent process (one JSON line), which stores it."""

    def process_item(self, item: dict) -> dict:
        spider = self.spider
        spider.crawler.stats.inc_value("yuqing/documents")
        emit = getattr(spider.crawler, "yuqing_emit", None)
        if emit is not None:
            emit({"type": "document", "document": item["document"]})
        return item


class QuietLogFormatter(LogFormatter):
    """Scrapy's log lines without the items: crawled text (names, phones) stays out of the log."""

    def dropped(self, item, exception, response, spider):
        entry = super().dropped(item, exception, response, spider)
        entry["msg"] = "Dropped: %(exception)s"
        entry["args"] = {"exception": exception}
        return entry

    def scraped(self, item, response, spider):
        entry = super().scraped(item, response, spider)
        entry["msg"] = "Scraped from %(src)s"
        entry["args"] = {"src": entry["args"].get("src")}
        return entry
