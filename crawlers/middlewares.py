"""Downloader middlewares: politeness, resilience and the checks that keep bad pages out.

* :class:`BackoffRetryMiddleware` — retries 5xx, 429 and timeouts with exponential backoff; a 429
  (or 503) with ``Retry-After`` waits that long (up to ``crawl.retry_after_max``).
* :class:`ConditionalGetMiddleware` — ETag/Last-Modified on list pages (answers 304 when unchanged).
* :class:`EncodingMiddleware` — pages that declare no charset are sniffed (GBK/GB18030/Big5).
* :class:`ContentCheckMiddleware` — binary content at an HTML URL, captcha and login pages and
  403/429 answers are logged per URL, counted for the source's health, and skipped.
* :class:`UrlPolicyMiddleware` and :class:`RedirectPolicyMiddleware` — only http(s), only the
  source's allowed domains, never a private address (:mod:`crawlers.safety`), checked before any
  connection and on every redirect.
"""
from __future__ import annotations

import logging
import time
from collections import Counter
from email.utils import parsedate_to_datetime
from typing import Optional
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import load_object
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom
from w3lib.url import safe_url_string

from crawlers.safety import GuardedResolver, Refusal, UrlPolicy, UrlRefused, host_key
from crawlers.text import detect_encoding, looks_like_block_page
from yuqing.privacy import mask_text

log = logging.getLogger(__name__)

RETRY_STATUSES = {429, 500, 502, 503, 504, 408, 522, 524}
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"Rar!",
                 b"\xd0\xcf\x11\xe0")


class _CrawlerMiddleware:
    def __init__(self, crawler) -> None:
        self.crawler = crawler
        self.settings = crawler.settings
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def report(self, url: str, reason: str) -> None:
        spider = self.crawler.spider
        if hasattr(spider, "report"):
            spider.report(url, reason)


def retry_after_seconds(value: bytes | str | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        return max(0.0, parsedate_to_datetime(text).timestamp() - time.time())
    except (TypeError, ValueError, IndexError):
        return None


async def _sleep(seconds: float) -> None:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater

    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


class BackoffRetryMiddleware(_CrawlerMiddleware):
    """Retries with backoff; honours Retry-After (Scrapy's own retry middleware is switched off)."""

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        self.max_times = self.settings.getint("YUQING_RETRY_TIMES", 3)
        self.backoff = self.settings.getfloat("YUQING_RETRY_BACKOFF", 2.0)
        self.after_max = self.settings.getfloat("YUQING_RETRY_AFTER_MAX", 120.0)
        # the same exceptions as Scrapy's own retry middleware (timeouts, refused and lost connections)
        self.exceptions = tuple(load_object(x) if isinstance(x, str) else x
                                for x in self.settings.getlist("RETRY_EXCEPTIONS"))

    def _delay(self, attempt: int, response: Response | None) -> float | None:
        """Seconds to wait before the next try; ``None`` when the server asks for too long."""
        asked = retry_after_seconds(response.headers.get("Retry-After")) if response is not None else None
        if asked is not None:
            return asked if asked <= self.after_max else None
        return self.backoff * (2 ** (attempt - 1)) if self.backoff else 0.0

    async def _retry(self, request, reason: str, response: Response | None):
        attempt = request.meta.get("yuqing_retries", 0) + 1
        if attempt > self.max_times or request.meta.get("dont_retry"):
            self.stats.inc_value("yuqing/retry_gave_up")
            return None
        delay = self._delay(attempt, response)
        if delay is None:
            log.info("%s: %s with Retry-After beyond %.0fs; left for the next crawl", request.url, reason,
                     self.after_max)
            return None
        self.stats.inc_value("yuqing/retries")
        log.info("retrying %s in %.1fs (attempt %d, %s)", request.url, delay, attempt, reason)
        if delay:
            await _sleep(delay)
        retry = request.replace(dont_filter=True)
        retry.meta["yuqing_retries"] = attempt
        return retry

    async def process_response(self, request, response):
        if response.status in RETRY_STATUSES:
            if response.status == 429:
                self.stats.inc_value("yuqing/status_429")
            retry = await self._retry(request, f"HTTP {response.status}", response)
            if retry is not None:
                return retry
        return response

    async def process_exception(self, request, exception):
        if isinstance(exception, self.exceptions):
            return await self._retry(request, type(exception).__name__, None)
        return None


class ConditionalGetMiddleware(_CrawlerMiddleware):
    """If-None-Match / If-Modified-Since on list pages, with the validators of the last crawl."""

    def process_request(self, request):
        if not request.meta.get("list_page"):
            return None
        spider = self.crawler.spider
        known = getattr(getattr(spider, "cursor", None), "validators", {}).get(request.url) or {}
        if known.get("etag"):
            request.headers.setdefault("If-None-Match", known["etag"])
        if known.get("last_modified"):
            request.headers.setdefault("If-Modified-Since", known["last_modified"])
        return None

    def process_response(self, request, response):
        if request.meta.get("list_page") and response.status == 200:
            etag = response.headers.get("ETag")
            modified = response.headers.get("Last-Modified")
            emit = getattr(self.crawler, "yuqing_emit", None)
            if (etag or modified) and emit is not None:
                emit({"type": "validator", "url": request.url,
                      "etag": etag.decode("latin-1") if etag else None,
                      "last_modified": modified.decode("latin-1") if modified else None})
        return response


class EncodingMiddleware(_CrawlerMiddleware):
    """Sniffs the encoding of HTML that declares none (or a wrong one); a source may force one."""

    def process_response(self, request, response):
        if not isinstance(response, HtmlResponse):
            return response
        forced = (getattr(self.crawler.spider, "source", {}) or {}).get("encoding")
        if forced:
            return response.replace(encoding=forced)
        declared = (http_content_type_encoding(response.headers.get("Content-Type", b"").decode("latin-1"))
                    or html_body_declared_encoding(response.body) or (read_bom(response.body)[0]))
        if declared:
            try:
                response.body.decode(declared)
                return response
            except (UnicodeDecodeError, LookupError):
                pass  # the declaration lies; sniff instead
        else:
            try:
                response.body.decode("utf-8")
                return response
            except UnicodeDecodeError:
                pass
        guess = detect_encoding(response.body)
        if guess:
            self.stats.inc_value("yuqing/encoding_sniffed")
            return response.replace(encoding=guess)
        return response


class ContentCheckMiddleware(_CrawlerMiddleware):
    """Skips binary bodies at HTML URLs, captcha/login pages and 403/429 answers, counting them."""

    def process_response(self, request, response):
        if response.status in (403, 429):
            self.stats.inc_value("yuqing/blocked_answers")
            return response  # the spider's errback reports it (HttpError)
        head = response.body[:8]
        if response.status == 200 and head.startswith(_BINARY_MAGIC):
            self.stats.inc_value("yuqing/binary_pages")
            raise IgnoreRequest("binary content (e.g. a PDF) where a page was expected")
        if isinstance(response, TextResponse) and response.status == 200 and not request.meta.get("json"):
            content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
            if "json" not in content_type and looks_like_block_page(response.text):
                self.stats.inc_value("yuqing/captcha_pages")
                raise IgnoreRequest("captcha or login page instead of content (the source may be blocking us)")
        if response.status == 200 and not response.body.strip():
            self.stats.inc_value("yuqing/empty_pages")
            raise IgnoreRequest("empty page")
        return response


class ProxyMiddleware(_CrawlerMiddleware):
    """Sends every request through ``crawl.proxy`` (or the source's ``proxy``)."""

    def process_request(self, request):
        request.meta.setdefault("proxy", self.settings.get("YUQING_PROXY"))
        return None


class RedirectLoopMiddleware(_CrawlerMiddleware):
    """Reports a redirect back to a URL already visited in the chain (Scrapy's duplicate filter
    would otherwise drop it silently) and skips it."""

    def process_response(self, request, response):
        if response.status in (301, 302, 303, 307, 308) and b"Location" in response.headers:
            target = urljoin(request.url, response.headers["Location"].decode("latin-1"))
            chain = list(request.meta.get("redirect_urls", [])) + [request.url]
            if target in chain:
                self.stats.inc_value("yuqing/redirect_loops")
                raise IgnoreRequest(f"redirect loop: {' → '.join(chain + [target])}")
        return response


_REDIRECT_STATUSES = (301, 302, 303, 307, 308)


def url_policy(crawler) -> UrlPolicy:
    """The crawl's :class:`~crawlers.safety.UrlPolicy`, made once from the spider's source."""
    policy = getattr(crawler, "yuqing_url_policy", None)
    if policy is None:
        spider = crawler.spider
        source = getattr(spider, "source", None) or {"name": spider.name}
        if hasattr(spider, "configured_urls"):
            urls = spider.configured_urls()
        else:  # a plain Scrapy spider: its start URLs
            urls = list(getattr(spider, "start_urls", []) or [])
        policy = UrlPolicy(source.get("name", spider.name), urls, source.get("allowed_domains") or [],
                           proxy=crawler.settings.get("YUQING_PROXY"))
        crawler.yuqing_url_policy = policy
        GuardedResolver.policy = policy  # the connections' own DNS answers are held to it too
    return policy


class _PolicyMiddleware(_CrawlerMiddleware):
    """Shared by the two URL policy middlewares: the policy and how a refusal is told."""

    @property
    def policy(self) -> UrlPolicy:
        return url_policy(self.crawler)

    @property
    def offsite_hosts(self) -> Counter:
        if not hasattr(self.crawler, "yuqing_offsite_hosts"):
            self.crawler.yuqing_offsite_hosts = Counter()
        return self.crawler.yuqing_offsite_hosts

    def refuse(self, request, refusal: Refusal, redirected_from: Optional[str] = None) -> None:
        """Log, count and report a refusal, then raise :class:`UrlRefused` (the request is dropped)."""
        source = self.policy.source
        if redirected_from:
            message = f"redirect to {refusal.url} refused for source {source!r}: {refusal.reason}"
        else:
            referer = request.headers.get("Referer")
            where = f" (linked from {referer.decode('latin-1')})" if referer else ""
            message = f"{refusal.url} refused for source {source!r}: {refusal.reason}{where}"
        if refusal.kind == "offsite":
            self.stats.inc_value("yuqing/offsite")
            self.offsite_hosts[host_key(urlsplit(refusal.url).hostname or "?")] += 1
            if redirected_from:  # listed with the URL errors, but no error of the source
                log.warning("%s: %s", redirected_from, mask_text(message))
                self._emit("refused", redirected_from, message)
            else:
                log.info("not followed: %s", mask_text(message))
        else:
            self.stats.inc_value("yuqing/refused")
            self.stats.inc_value(f"yuqing/refused/{refusal.kind}")
            if redirected_from:  # the redirecting URL gave nothing: an error of that URL
                self.report(redirected_from, message)
            else:
                log.warning("%s", mask_text(message))
                self._emit("refused", refusal.url, message)
        raise UrlRefused(refusal, message)

    def _emit(self, kind: str, url: str, reason: str) -> None:
        emit = getattr(self.crawler, "yuqing_emit", None)
        if emit is not None:
            emit({"type": kind, "url": url, "reason": mask_text(reason)[:400]})

    def report(self, url: str, reason: str) -> None:
        spider = self.crawler.spider
        if hasattr(spider, "report"):
            spider.report(url, reason)
        else:
            log.warning("%s skipped: %s", url, mask_text(reason))
            self._emit("error", url, reason)


class UrlPolicyMiddleware(_PolicyMiddleware):
    """Refuses, before any connection (and before robots.txt is asked), a request that is not
    http(s), goes to a host outside the source's allowed domains, or to a private address.

    Links to other hosts are counted (``yuqing/offsite``) and logged, not reported as errors.
    Other refusals are logged with the URL, the source and why, and sent to the parent as
    ``refused`` events (listed with the URL errors, not counted against the source's health); a
    refused redirect is an error of the URL that redirected. The crawl goes on either way.
    """

    def __init__(self, crawler) -> None:
        super().__init__(crawler)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    async def process_request(self, request):
        policy = self.policy
        refusal = policy.check_url(request.url)
        if refusal is None and not (policy.proxy_host or request.meta.get("proxy")):
            # (through a proxy, the proxy resolves the name: schemes, literal addresses and domains
            # are checked above, and the proxy's own host is the only private one connected to)
            host = urlsplit(request.url).hostname or ""
            addresses = policy.cached_addresses(host)
            if addresses is None:  # resolved once per host, off the reactor thread
                from twisted.internet.threads import deferToThread

                addresses = await maybe_deferred_to_future(deferToThread(policy.addresses, host))
            refusal = policy.check_addresses(request.url, addresses)
        if refusal is not None:
            chain = request.meta.get("redirect_urls") or []
            self.refuse(request, refusal, redirected_from=chain[-1] if chain else None)
        return None

    def spider_closed(self, spider) -> None:
        if self.offsite_hosts:
            hosts = ", ".join(f"{h} ({n})" for h, n in self.offsite_hosts.most_common(5))
            log.warning("source %r: %d links to other hosts not followed: %s; add the domain to the source's "
                        "allowed_domains to follow them", self.policy.source, sum(self.offsite_hosts.values()), hosts)


class RedirectPolicyMiddleware(_PolicyMiddleware):
    """Checks the target of a redirect before Scrapy's redirect middleware follows it.

    Scheme, literal addresses and domain are refused here with a clear reason (Scrapy alone would
    turn a redirect to ``file://`` into a bare "HTTP 302"); a redirect to a name is followed as a new
    request, which :class:`UrlPolicyMiddleware` resolves and checks before connecting.
    """

    def process_response(self, request, response):
        if (response.status not in _REDIRECT_STATUSES or b"Location" not in response.headers
                or request.meta.get("dont_redirect") or request.meta.get("handle_httpstatus_all")
                or response.status in request.meta.get("handle_httpstatus_list", ())):
            return response
        raw = response.headers["Location"]
        location = safe_url_string(raw)
        if raw.startswith(b"//"):
            location = f"{urlsplit(request.url).scheme}://{location.lstrip('/')}"
        target = urljoin(request.url, location)
        refusal = self.policy.check_url(target)
        if refusal is not None:
            self.refuse(request, refusal, redirected_from=request.url)
        return response
