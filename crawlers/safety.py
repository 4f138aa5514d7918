"""Where a crawl may go: http(s) only, the source's own domains, never a private address.

Crawled pages are hostile input. A sitemap or list page can link to ``file:///etc/passwd``, to
``http://127.0.0.1:6379/`` or to ``http://169.254.169.254/`` (cloud metadata), and a server can
redirect there; whatever is fetched is stored and searchable. :class:`UrlPolicy` decides, for one
source, whether a URL may be fetched:

1. the scheme is http or https (Scrapy's file, data, s3 and ftp download handlers are off as well);
2. the host is one of the source's allowed domains: the hosts of its own configured URLs (start
   URLs, feed, sitemap, search template; a ``www.`` host also allows the bare domain), their
   subdomains, and the source's ``allowed_domains``. Links to other hosts are not followed (they are
   counted and logged; they are no error of the source);
3. no address of the host is private, loopback, link-local, shared or otherwise not public, unless
   the host:port is one of the source's own configured URLs (a test or demo site configured on
   127.0.0.1 may be crawled, but only at that host:port). Names are resolved and every address is
   checked; the answer is kept for the whole crawl, and :class:`GuardedResolver` (the DNS lookup of
   the connection itself) refuses a private answer the check did not approve, so a name cannot
   switch to 127.0.0.1 between the check and the connection.

Schemes, literal addresses and domains are decided without any traffic; a name is resolved (DNS
only) after the domain check passed, so a link to a foreign host never even causes a lookup. Through
a proxy (``crawl.proxy``) the proxy resolves names: everything else is still checked, and the proxy's
own host:port is no crawl target.
"""
from __future__ import annotations

import ipaddress
import logging
import re
import socket
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence, Union
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.resolver import CachingThreadedResolver
from twisted.internet.error import DNSLookupError

log = logging.getLogger(__name__)

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

ALLOWED_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}
#: Scrapy's download handlers other than http(s), switched off in every crawl
DISABLED_DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}

# forms of an IPv4 address that resolvers accept besides a.b.c.d: 127.1, 2130706433, 0x7f.0.0.1
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_URL_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


# addresses ---------------------------------------------------------------------------------------
def parse_address(host: str) -> Optional[IPAddress]:
    """The IP address ``host`` literally is (also ``127.1``, ``2130706433``, ``0x7f.0.0.1``), or ``None``."""
    text = host.strip().strip("[]").split("%", 1)[0].rstrip(".").lower()
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def is_public(address: Union[str, IPAddress]) -> bool:
    """True for a globally routable unicast address; False for private, loopback, link-local
    (169.254.x, fe80::), shared (100.64/10), unique-local (fc00::/7), multicast, reserved and
    unspecified addresses, for IPv6 forms that embed such an IPv4 address, and for non-addresses."""
    ip = address if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else parse_address(address)
    if ip is None:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and not is_public(embedded):
            return False
    return ip.is_global and not ip.is_multicast


def resolve_host(host: str) -> list[str]:
    """Every address the system resolver gives for ``host`` (IPv4 and IPv6)."""
    infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


# hosts and domains -------------------------------------------------------------------------------
def host_key(host: str) -> str:
    """A host as compared here: lower case, no brackets or trailing dot, IDNA (punycode)."""
    text = host.strip().strip("[]").rstrip(".").lower()
    address = parse_address(text) if text else None
    if address is not None and ":" in text:
        return str(address)
    try:
        return text.encode("idna").decode("ascii") if not text.isascii() else text
    except UnicodeError:
        return text


def normalize_domain(value: Any) -> str:
    """An ``allowed_domains`` entry as a bare domain; raises ``ValueError`` saying what is wrong."""
    text = str(value).strip().lower()
    if text.startswith("*."):
        text = text[2:]
    text = text.strip(".")
    if not text:
        raise ValueError("is empty")
    if any(c in text for c in "/@ \t") or (":" in text and parse_address(text) is None):
        raise ValueError("must be a bare domain such as news.example.com (no scheme, port or path)")
    if parse_address(text) is not None:
        return host_key(text)
    try:
        text = text.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValueError("is not a valid domain name") from None
    if not all(_LABEL.match(label) for label in text.split(".")):
        raise ValueError("is not a valid domain name")
    return text


def url_problem(url: str) -> Optional[str]:
    """Why a configured URL cannot be crawled (not http/https, no host), or ``None``."""
    try:
        parts = urlsplit(_PLACEHOLDER.sub("x", url.strip()))
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError as exc:
        return f"is not a valid URL ({exc})"
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        return f"must be an http:// or https:// URL (scheme {parts.scheme!r} is never fetched)"
    if not parts.hostname:
        return "has no host"
    return None


def configured_urls(source: Mapping[str, Any], keys: Iterable[str]) -> list[str]:
    """The absolute http(s) URLs among the source's values for ``keys`` (placeholders such as
    ``{keyword}`` filled with a dummy), e.g. ``start_urls``, ``url``, ``url_template``."""
    found = []
    for key in keys:
        value = source.get(key)
        for item in (value if isinstance(value, (list, tuple)) else [value]):
            if isinstance(item, str) and _URL_LIKE.match(item.strip()) and url_problem(item) is None:
                found.append(_PLACEHOLDER.sub("x", item.strip()))
    return found


def _target(url: str) -> tuple[str, str, int]:
    """Scheme, host key and port of a URL; ``ValueError`` if it has none (or a bad port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port
    host = host_key(parts.hostname or "")
    return scheme, host, port or DEFAULT_PORTS.get(scheme, 0)


# the policy --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Refusal:
    """Why a URL is not fetched. ``kind``: ``scheme``, ``invalid``, ``private`` or ``offsite``."""

    kind: str
    url: str
    reason: str

    def __str__(self) -> str:
        return f"{self.url}: {self.reason}"


class UrlRefused(IgnoreRequest):
    """Raised by the URL policy middlewares; the request was not sent."""

    def __init__(self, refusal: Refusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal


class UrlPolicy:
    """What one source may fetch (see the module docstring).

    Args:
        source: the source's name (for messages).
        urls: the source's own configured URLs; their hosts are its allowed domains and their
            host:port pairs its own origins (the only place a private address may be fetched).
        allowed_domains: further domains (subdomains included) links may go to.
        proxy: the crawl's proxy URL; its host may be private (the proxy is configuration).
        resolve: host → addresses (the system resolver; a test may pass a fixed table).
    """

    def __init__(self, source: str, urls: Iterable[str], allowed_domains: Iterable[str] = (), *,
                 proxy: Optional[str] = None, resolve: Callable[[str], Sequence[str]] = resolve_host) -> None:
        self.source = source
        self.origins: set[tuple[str, int]] = set()
        self.domains: set[str] = set()
        for url in urls:
            try:
                scheme, host, port = _target(url)
            except ValueError:
                continue
            if scheme not in ALLOWED_SCHEMES or not host:
                continue
            self.origins.add((host, port))
            self.domains.add(host)
            if host.startswith("www.") and parse_address(host) is None:
                self.domains.add(host[4:])
        for domain in allowed_domains:
            self.domains.add(normalize_domain(domain))
        self._names = tuple(d for d in self.domains if parse_address(d) is None)
        self.proxy_host: Optional[str] = None
        if proxy:
            proxy_host = urlsplit(proxy if "://" in proxy else f"http://{proxy}").hostname
            self.proxy_host = host_key(proxy_host) if proxy_host else None
        self._resolve = resolve
        self._pinned: dict[str, tuple[str, ...]] = {}   # host → addresses, resolved once per crawl
        self._approved: dict[str, set[str]] = {}        # host → private addresses of an own origin

    # the checks ---------------------------------------------------------------------------------
    def host_allowed(self, host: str) -> bool:
        host = host_key(host)
        if host in self.domains:
            return True
        if parse_address(host) is not None:
            return False
        return any(host.endswith("." + domain) for domain in self._names)

    def check_url(self, url: str) -> Optional[Refusal]:
        """What is decided without any traffic: scheme, host, literal addresses and the domain."""
        try:
            scheme, host, port = _target(url)
        except ValueError as exc:
            return Refusal("invalid", url, f"not a valid URL ({exc})")
        if scheme not in ALLOWED_SCHEMES:
            return Refusal("scheme", url, f"scheme {scheme or '(none)'!r} is never fetched, only http and https")
        if not host:
            return Refusal("invalid", url, "the URL has no host")
        address = parse_address(host)
        if address is not None and not is_public(address) and (host, port) not in self.origins:
            return Refusal("private", url, self._private_reason(host, port, [str(address)], literal=True))
        if not self.host_allowed(host):
            shown = ", ".join(sorted(self.domains)[:5]) or "none"
            return Refusal("offsite", url, f"host {host} is not one of the source's allowed domains ({shown})")
        return None

    def check_addresses(self, url: str, addresses: Sequence[str]) -> Optional[Refusal]:
        """Every address of the URL's host must be public, unless it is the source's own host:port."""
        _, host, port = _target(url)
        private = [a for a in addresses if not is_public(a)]
        if not private:
            return None
        if (host, port) in self.origins:
            self._approved.setdefault(host, set()).update(private)
            return None
        return Refusal("private", url, self._private_reason(host, port, private, literal=parse_address(host) is not None))

    def check(self, url: str) -> Optional[Refusal]:
        """The whole check; resolves the host when the rest allows the URL (blocking)."""
        refusal = self.check_url(url)
        if refusal is not None:
            return refusal
        return self.check_addresses(url, self.addresses(_target(url)[1]))

    def _private_reason(self, host: str, port: int, private: Sequence[str], literal: bool) -> str:
        what = (f"{host} is a private or local address" if literal
                else f"{host} resolves to {', '.join(private)}, a private or local address")
        own = ", ".join(f"{h}:{p}" for h, p in sorted(self.origins)[:3]) or "none"
        return f"{what}, not the source's own configured host:port ({own})"

    # resolution ---------------------------------------------------------------------------------
    def cached_addresses(self, host: str) -> Optional[tuple[str, ...]]:
        """The addresses of ``host`` if known without a lookup (a literal address, or resolved before)."""
        address = parse_address(host)
        if address is not None:
            return (str(address),)
        return self._pinned.get(host_key(host))

    def addresses(self, host: str) -> tuple[str, ...]:
        """Every address of ``host``, resolved once per crawl (blocking: call it in a thread).
        An empty tuple when the name does not resolve (the connection then fails by itself)."""
        known = self.cached_addresses(host)
        if known is not None:
            return known
        key = host_key(host)
        try:
            found = tuple(dict.fromkeys(self._resolve(key)))
        except (OSError, UnicodeError) as exc:
            log.debug("%s does not resolve: %s", key, exc)
            return ()
        return self._pinned.setdefault(key, found) if found else ()

    def allows_connection(self, host: str, address: str) -> bool:
        """Whether a connection to ``host`` may use ``address`` (the connection's own DNS answer)."""
        if is_public(address):
            return True
        key = host_key(host)
        if self.proxy_host is not None and key == self.proxy_host:
            return True
        ip = parse_address(address)
        return ip is not None and str(ip) in self._approved.get(key, ())


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching DNS resolver for connections, refusing private answers the crawl's
    :class:`UrlPolicy` did not approve (a name that turns private after the check, DNS rebinding).

    ``policy`` is set by :class:`crawlers.middlewares.UrlPolicyMiddleware` (one crawl per process);
    without one, only public addresses are allowed.
    """

    policy: Optional[UrlPolicy] = None

    def getHostByName(self, name: str, timeout: Sequence[int] = ()):  # noqa: N802 (Twisted's name)
        return super().getHostByName(name, timeout).addCallback(self._guard, name)

    @classmethod
    def _guard(cls, address: str, name: str) -> str:
        policy = cls.policy
        allowed = policy.allows_connection(name, address) if policy is not None else is_public(address)
        if not allowed:
            source = policy.source if policy is not None else "?"
            log.warning("connection to %s refused for source %r: it resolved to %s, a private or local address "
                        "the crawl's URL policy did not approve", name, source, address)
            raise DNSLookupError(f"{name} resolved to {address}, a private or local address; connection refused")
        return address
