"""Crawling stays on the open web: no file://, no other scheme, no private address, no foreign host.

A hostile site on loopback links (sitemap, list page) and redirects to ``file:///etc/hostname``, a
local HTML file and an "internal admin page" on a second loopback server. End to end with real
servers: nothing of that is fetched or stored, the legitimate pages are. The unit-level checks show
that literal private addresses and other schemes are refused before any lookup or connection: a
resolver that fails the test stands in for DNS there, so no traffic can leave.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawl_helpers import FAST
from crawlers.safety import GuardedResolver, UrlPolicy, is_public
from crawlers.settings import scrapy_settings
from crawlers.stage import CrawlStage

ADMIN_MARKER = "INTERNAL-ADMIN-PANEL-7f3a"
FILE_MARKER = "LOCAL-FILE-SECRET-91c2"
HOSTNAME = Path("/etc/hostname").read_text("utf-8").strip() if Path("/etc/hostname").exists() else ""


# --- real loopback servers ---------------------------------------------------------------------
class Server:
    """A loopback HTTP server; ``routes`` maps a path to ``(status, headers, body)``, or a callable
    giving them; every request is counted in ``hits`` (also proxy-form requests: it can stand in
    for a proxy, as the fixture site does)."""

    def __init__(self, routes=None) -> None:
        self.routes = dict(routes or {})
        self.hits: Counter = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802
                path = urlsplit(self.path).path
                with server.lock:
                    server.hits[path] += 1
                    server.hits["*"] += 1
                route = server.routes.get(path)
                if callable(route):
                    route = route()
                status, headers, body = route or (404, {"Content-Type": "text/plain"}, "not found")
                data = body.encode("utf-8")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def html(title: str, body: str) -> tuple[int, dict, str]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title></head><body>{body}</body></html>")


def article(n: int):
    return html(f"新闻{n}", f"<h1>民治街道通知（{n}）</h1><span class='pub'>2026年11月30日 10:0{n}</span>"
                            f"<div class='content'><p>正常的新闻内容，第{n}篇，街道办表示将持续跟进。</p></div>")


def redirect(location: str):
    return 302, {"Location": location, "Content-Type": "text/html"}, ""


@pytest.fixture
def admin():
    """The "internal admin page": a second loopback server on another port."""
    server = Server({"/admin.html": html("admin", f"<h1>{ADMIN_MARKER}</h1><div class='content'>{ADMIN_MARKER}</div>"),
                     "/robots.txt": (200, {"Content-Type": "text/plain"}, "")})
    yield server
    server.stop()


@pytest.fixture
def local_file(tmp_path):
    path = tmp_path / "secret.html"
    path.write_text(f"<html><body><h1>{FILE_MARKER}</h1><div class='content'>{FILE_MARKER}</div></body></html>",
                    "utf-8")
    return path.as_uri()


def hostile_links(admin: Server, local_file: str) -> list[str]:
    """Every link the hostile pages carry besides their own two articles."""
    return ["file:///etc/hostname", local_file, f"{admin.url}/admin.html", f"http://127.1:{admin.port}/admin.html",
            f"http://[::1]:{admin.port}/admin.html", f"http://localhost:{admin.port}/admin.html",
            f"ftp://127.0.0.1:{admin.port}/admin.html", f"gopher://127.0.0.1:{admin.port}/_GET%20/admin.html",
            "https://elsewhere.example/page.html", "data:text/html,hello"]


def hostile_routes(base: str, admin: Server, local_file: str) -> dict:
    links = [f"{base}/news/1.html", "/news/2.html"] + hostile_links(admin, local_file)
    sitemap = "".join(f"<url><loc>{link.replace('&', '&amp;')}</loc></url>" for link in links)
    items = "".join(f"<li class='item'><a href='{link}'>链接{i}</a></li>" for i, link in enumerate(links))
    return {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow:\n"),
        "/sitemap.xml": (200, {"Content-Type": "application/xml"},
                         f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
                         f"{sitemap}</urlset>"),
        "/list": html("列表", f"<ul>{items}</ul>"),
        "/news/1.html": article(1), "/news/2.html": article(2),
    }


@pytest.fixture
def hostile(admin, local_file):
    server = Server()
    server.routes.update(hostile_routes(server.url, admin, local_file))
    yield server
    server.stop()


def crawl(config, store, name):
    report = CrawlStage(config, store, name).run_once()
    return report, list(store.iter_documents(source=name))


def assert_nothing_leaked(store, admin):
    assert admin.hits["*"] == 0                                 # not even robots.txt was asked
    stored = json.dumps([d.model_dump(mode="json") for d in store.iter_documents()], ensure_ascii=False)
    assert ADMIN_MARKER not in stored and FILE_MARKER not in stored
    if HOSTNAME:
        assert all(HOSTNAME not in (d.text or "") and HOSTNAME != (d.title or "") for d in store.iter_documents())


def reasons(report) -> dict[str, str]:
    return {e["url"]: e["reason"] for e in report.extra["url_errors"]}


# --- end to end ----------------------------------------------------------------------------------
LISTING = {"type": "listing", "list_item": "li.item", "detail_title": "h1", "detail_body": "div.content",
           "detail_time": "span.pub::text"}
SITEMAP = {"type": "sitemap", "detail_title": "h1", "detail_body": "div.content", "detail_time": "span.pub::text"}


@pytest.mark.parametrize("kind", ["sitemap", "listing"])
def test_hostile_links_are_refused_and_the_legitimate_pages_stored(kind, hostile, admin, local_file, make_config,
                                                                   sqlite_store):
    source = ({"name": "map", **SITEMAP, "url": f"{hostile.url}/sitemap.xml"} if kind == "sitemap"
              else {"name": "map", **LISTING, "start_urls": [f"{hostile.url}/list"]})
    report, docs = crawl(make_config([source]), sqlite_store, "map")

    assert sorted(d.title for d in docs) == ["民治街道通知（1）", "民治街道通知（2）"]
    assert_nothing_leaked(sqlite_store, admin)
    why = reasons(report)
    assert "scheme 'file' is never fetched" in why["file:///etc/hostname"]
    assert "source 'map'" in why["file:///etc/hostname"]
    assert "scheme 'file'" in why[local_file]
    for url in (f"{admin.url}/admin.html", f"http://127.1:{admin.port}/admin.html",
                f"http://[::1]:{admin.port}/admin.html"):
        assert "private or local address" in why[url], url
        assert f"127.0.0.1:{hostile.port}" in why[url]         # the only private host:port it may fetch
    assert "scheme 'ftp'" in why[f"ftp://127.0.0.1:{admin.port}/admin.html"]
    assert "scheme 'gopher'" in why[f"gopher://127.0.0.1:{admin.port}/_GET%20/admin.html"]
    assert "scheme 'data'" in next(r for u, r in why.items() if u.startswith("data:"))
    # links to other hosts: counted and logged, no error of the source
    assert not any("elsewhere.example" in u or "localhost" in u for u in why)
    health = sqlite_store.get_record("sources", "map")
    assert health.state == "ok" and report.errors == 0
    assert health.last_outcome["offsite"] == 2 and health.last_outcome["refused"] == 8
    assert hostile.hits["/news/1.html"] == 1 and hostile.hits["/news/2.html"] == 1


def test_a_name_resolving_to_loopback_is_private(hostile, admin, local_file, make_config, sqlite_store):
    # localhost is allowed as a domain, but it resolves (from /etc/hosts) to 127.0.0.1, and
    # localhost:<admin port> is not the source's own host:port
    source = {"name": "map", **SITEMAP, "url": f"{hostile.url}/sitemap.xml", "allowed_domains": ["localhost"]}
    report, docs = crawl(make_config([source]), sqlite_store, "map")
    assert len(docs) == 2
    assert_nothing_leaked(sqlite_store, admin)
    reason = reasons(report)[f"http://localhost:{admin.port}/admin.html"]
    assert "localhost resolves to 127.0.0.1" in reason and "private or local address" in reason


def test_redirects_to_another_loopback_port_or_scheme_are_refused(hostile, admin, make_config, sqlite_store):
    hostile.routes.update({
        "/list": html("列表", "<ul>" + "".join(
            f"<li class='item'><a href='{p}'>x</a></li>" for p in
            ("/go/admin", "/go/file", "/go/dotted", "/go/name", "/go/away", "/news/1.html")) + "</ul>"),
        "/go/admin": redirect(f"{admin.url}/admin.html"),
        "/go/file": redirect("file:///etc/hostname"),
        "/go/dotted": redirect(f"http://127.0.0.1.:{admin.port}/admin.html"),
        "/go/name": redirect(f"http://localhost:{admin.port}/admin.html"),
        "/go/away": redirect("https://elsewhere.example/"),
    })
    source = {"name": "redir", **LISTING, "start_urls": [f"{hostile.url}/list"], "allowed_domains": ["localhost"]}
    report, docs = crawl(make_config([source]), sqlite_store, "redir")

    assert [d.title for d in docs] == ["民治街道通知（1）"]        # the rest of the crawl went on
    assert_nothing_leaked(sqlite_store, admin)
    assert all(hostile.hits[f"/go/{p}"] == 1 for p in ("admin", "file", "dotted", "name", "away"))
    why = reasons(report)
    admin_reason = why[f"{hostile.url}/go/admin"]
    assert admin_reason.startswith(f"redirect to {admin.url}/admin.html refused for source 'redir'")
    assert "private or local address" in admin_reason and f"own configured host:port (127.0.0.1:{hostile.port})" \
        in admin_reason
    assert "scheme 'file'" in why[f"{hostile.url}/go/file"]
    assert "private or local address" in why[f"{hostile.url}/go/dotted"]
    assert "localhost resolves to 127.0.0.1" in why[f"{hostile.url}/go/name"]   # checked after the redirect too
    assert "redirect to https://elsewhere.example/ refused" in why[f"{hostile.url}/go/away"]
    assert "not one of the source's allowed domains" in why[f"{hostile.url}/go/away"]
    health = sqlite_store.get_record("sources", "redir")
    assert health.last_outcome["refused"] == 1 and health.last_outcome["offsite"] == 1


def test_a_public_source_never_reaches_loopback(admin, local_file, make_config, sqlite_store):
    # the hostile server doubles as the crawl's proxy (as in test_politeness), so a source on a
    # public-looking name is crawled without any DNS lookup; its pages point at 127.0.0.1
    proxy = Server()
    base = "http://news.example.invalid"
    proxy.routes.update(hostile_routes(base, admin, local_file))
    proxy.routes["/list"] = html("列表", "<ul>" + "".join(
        f"<li class='item'><a href='{link}'>x</a></li>" for link in
        [f"{base}/news/1.html", f"{proxy.url}/news/2.html", f"{admin.url}/admin.html", "/go/admin"]) + "</ul>")
    proxy.routes["/go/admin"] = redirect(f"{admin.url}/admin.html")
    try:
        source = {"name": "public", **LISTING, "start_urls": [f"{base}/list"]}
        report, docs = crawl(make_config([source], proxy=proxy.url), sqlite_store, "public")
        assert [d.url for d in docs] == [f"{base}/news/1.html"]
        assert proxy.hits["/news/2.html"] == 0                     # the proxy's own host:port is no target
        assert_nothing_leaked(sqlite_store, admin)
        why = reasons(report)
        assert "private or local address" in why[f"{proxy.url}/news/2.html"]
        assert "news.example.invalid:80" in why[f"{admin.url}/admin.html"]
        assert why[f"{base}/go/admin"].startswith(f"redirect to {admin.url}/admin.html refused")
    finally:
        proxy.stop()


def test_yuqing_crawl_command_with_hostile_links(hostile, admin, tmp_path, capsys):
    import yaml

    from yuqing.app.cli import main

    config = tmp_path / "config.yaml"
    source = {"name": "map", **SITEMAP, "url": f"{hostile.url}/sitemap.xml"}
    config.write_text(yaml.safe_dump({"store": {"path": str(tmp_path / "cli.sqlite")},
                                      "crawl": {**FAST, "sources": [source]}}), "utf-8")
    assert main(["crawl", "map", "--config", str(config), "--format", "json"]) == 0
    line = json.loads(capsys.readouterr().out.strip())
    assert line["new"] == 2 and line["health"]["state"] == "ok"
    assert admin.hits["*"] == 0


# --- the checker, without any traffic ------------------------------------------------------------
def no_lookup(host):
    raise AssertionError(f"{host} was looked up: the check must refuse before any traffic")


REFUSED_FOR_A_PUBLIC_SOURCE = {
    "http://10.0.0.1/": "private", "http://10.0.0.1:8080/admin": "private", "http://192.168.1.1/": "private",
    "http://172.16.0.1/": "private", "http://172.31.255.254/": "private", "http://169.254.169.254/latest/meta-data/":
    "private", "http://[::1]/": "private", "http://[::1]:8080/x": "private", "http://[fc00::1]/": "private",
    "http://[fd12:3456::1]/": "private", "http://[fe80::1]/": "private", "http://[::ffff:10.0.0.1]/": "private",
    "http://[::ffff:127.0.0.1]/": "private", "http://127.0.0.1/": "private", "http://127.1/": "private",
    "http://2130706433/": "private", "http://0x7f.0.0.1/": "private", "http://0.0.0.0/": "private",
    "http://100.64.0.1/": "private", "https://127.0.0.1.:443/": "private",
    "file:///etc/hostname": "scheme", "file://localhost/etc/passwd": "scheme", "ftp://news.example.com/file": "scheme",
    "gopher://news.example.com:70/_x": "scheme", "data:text/html,x": "scheme", "s3://bucket/key": "scheme",
    "javascript:alert(1)": "scheme", "dict://127.0.0.1:11211/": "scheme",
    "http://news.example.com:99999/": "invalid", "http:///no-host": "invalid",
    "https://evil.example.org/": "offsite", "https://news.example.com.evil.org/": "offsite",
    "https://notnews.example.com/": "offsite",
}


@pytest.mark.parametrize("url, kind", sorted(REFUSED_FOR_A_PUBLIC_SOURCE.items()))
def test_checker_refuses_before_any_lookup(url, kind):
    policy = UrlPolicy("pub", ["https://news.example.com/list"], resolve=no_lookup)
    refusal = policy.check(url)
    assert refusal is not None and refusal.kind == kind, (url, refusal)
    assert refusal.url == url and refusal.reason


def test_checker_messages_name_the_url_and_why():
    policy = UrlPolicy("pub", ["https://news.example.com/list"], resolve=no_lookup)
    assert str(policy.check("http://169.254.169.254/")).startswith(
        "http://169.254.169.254/: 169.254.169.254 is a private or local address")
    assert "only http and https" in str(policy.check("gopher://news.example.com/"))
    assert "not one of the source's allowed domains (news.example.com)" in str(policy.check("https://x.org/"))


def test_checker_allows_own_domains_and_checks_every_resolved_address():
    # a fixed name table stands in for DNS here: no lookup leaves the machine
    table = {"news.example.com": ["93.184.216.34"], "img.news.example.com": ["93.184.216.35", "2606:2800::1"],
             "intranet.news.example.com": ["10.1.2.3"], "mixed.news.example.com": ["93.184.216.36", "192.168.0.7"],
             "v6.news.example.com": ["fd00::7"], "cdn.partner.example": ["93.184.216.40"]}
    policy = UrlPolicy("pub", ["https://news.example.com/list"], ["partner.example"], resolve=table.__getitem__)
    assert policy.check("https://news.example.com/a.html") is None
    assert policy.check("http://img.news.example.com/a.png") is None          # a subdomain
    assert policy.check("https://cdn.partner.example/x") is None              # allowed_domains
    assert policy.check("https://intranet.news.example.com/").kind == "private"
    assert "resolves to 10.1.2.3" in policy.check("https://intranet.news.example.com/").reason
    mixed = policy.check("https://mixed.news.example.com/")                    # one bad address is enough
    assert mixed.kind == "private" and "192.168.0.7" in mixed.reason and "93.184" not in mixed.reason
    assert policy.check("https://v6.news.example.com/").kind == "private"
    # a private answer is never approved for a public source, so the connection's own lookup is refused too
    assert not policy.allows_connection("intranet.news.example.com", "10.1.2.3")
    assert policy.allows_connection("news.example.com", "93.184.216.34")


def test_a_source_on_loopback_may_crawl_only_its_own_host_and_port():
    policy = UrlPolicy("fixture", ["http://127.0.0.1:5555/news/list"], resolve=no_lookup)
    assert policy.check("http://127.0.0.1:5555/news/1.html") is None
    assert policy.check("http://127.0.0.1:5556/admin.html").kind == "private"
    assert policy.check("http://127.0.0.2:5555/").kind == "private"
    assert policy.check("http://10.0.0.1:5555/").kind == "private"
    assert policy.check("http://localhost:5555/").kind == "offsite"
    assert policy.allows_connection("127.0.0.1", "127.0.0.1")                 # approved by the check above
    assert not policy.allows_connection("127.0.0.2", "127.0.0.2")
    named = UrlPolicy("named", ["http://localhost:5555/"])                    # /etc/hosts, no DNS traffic
    assert named.check("http://localhost:5555/x") is None
    assert named.check("http://localhost:5556/x").kind == "private"


def test_the_connection_resolver_refuses_unapproved_private_answers():
    from twisted.internet.error import DNSLookupError

    saved = GuardedResolver.policy
    try:
        GuardedResolver.policy = UrlPolicy("pub", ["https://news.example.com/"], proxy="http://127.0.0.1:3128",
                                           resolve=no_lookup)
        assert GuardedResolver._guard("93.184.216.34", "news.example.com") == "93.184.216.34"
        with pytest.raises(DNSLookupError, match="private or local address"):
            GuardedResolver._guard("127.0.0.1", "news.example.com")         # DNS rebinding after the check
        assert GuardedResolver._guard("127.0.0.1", "127.0.0.1.") == "127.0.0.1"  # the proxy's own host
        GuardedResolver.policy = None
        with pytest.raises(DNSLookupError):
            GuardedResolver._guard("10.0.0.1", "anything.example")
    finally:
        GuardedResolver.policy = saved


@pytest.mark.parametrize("address, public", [("93.184.216.34", True), ("2606:2800:220:1::1", True),
                                             ("10.0.0.1", False), ("172.16.5.4", False), ("192.168.1.1", False),
                                             ("169.254.169.254", False), ("::1", False), ("fc00::1", False),
                                             ("fe80::1", False), ("::ffff:192.168.1.1", False), ("2002:a00:1::", False),
                                             ("64:ff9b::7f00:1", False), ("224.0.0.1", False), ("not an ip", False)])
def test_public_addresses(address, public):
    assert is_public(address) is public


def test_crawl_settings_switch_off_other_download_handlers():
    settings = scrapy_settings({"user_agent": "x"}, {"name": "s", "type": "rss", "url": "https://news.example.com/"})
    assert {k: settings["DOWNLOAD_HANDLERS"][k] for k in ("file", "data", "s3", "ftp")} == dict.fromkeys(
        ("file", "data", "s3", "ftp"))
    middlewares = settings["DOWNLOADER_MIDDLEWARES"]
    # the check runs before robots.txt (100) is asked, and sees redirects before Scrapy follows them (600)
    assert middlewares["crawlers.middlewares.UrlPolicyMiddleware"] < 100
    assert middlewares["crawlers.middlewares.RedirectPolicyMiddleware"] > 610
    assert settings["TWISTED_DNS_RESOLVER"] == "crawlers.safety.GuardedResolver"


def test_config_refuses_other_schemes_and_bad_domains():
    from crawlers.sources import validate_sources
    from yuqing.errors import ConfigError

    with pytest.raises(ConfigError, match=r"name 'f'\): url 'file:///etc/passwd' must be an http:// or https:// URL"):
        validate_sources([{"name": "f", "type": "rss", "url": "file:///etc/passwd"}])
    with pytest.raises(ConfigError, match=r"start_urls 'ftp://x/list'"):
        validate_sources([{"name": "f", "type": "listing", "start_urls": ["ftp://x/list"], "list_item": "li"}])
    with pytest.raises(ConfigError, match=r"allowed_domains entry 'http://x.org/' must be a bare domain"):
        validate_sources([{"name": "f", "type": "rss", "url": "https://a.org/", "allowed_domains": ["http://x.org/"]}])
    [source] = validate_sources([{"name": "f", "type": "rss", "url": "https://a.org/feed",
                                  "allowed_domains": ["*.CDN.Example.org", "新闻.中国"]}])
    assert source["allowed_domains"] == ["cdn.example.org", "xn--efvy88h.xn--fiqs8s"]
