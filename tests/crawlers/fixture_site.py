"""A real HTTP server on 127.0.0.1 serving the fixture cases of the crawler tests.

Like Scrapy's ``tests/mockserver``: every case the crawlers must handle is one path here — GBK and
Big5 pages, paginated lists, a forum with replies, RSS and Atom, a JSON API with next-page tokens,
a sitemap, a search page, robots.txt, 429 with Retry-After, 503 then success, a slow page, a 20 MB
page, malformed HTML, a PDF at an HTML URL, a redirect loop, a captcha page and an empty page.
The server counts hits per path (``site.hits``) and can add news items while running. A gate
(``hold``/``release``) keeps chosen requests waiting, so a test can act while a crawl is provably at
a given point instead of guessing how long it takes to get there.
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

NEWS_PER_PAGE = 5
NEWS_TOPICS = ["民治街道暴雨积水", "龙华街道工地噪音", "观澜街道欠薪讨薪", "大浪街道物业收费", "福城街道旧改拆迁",
               "沙井街道健身房跑路", "新安街道停水通知", "西乡街道交通拥堵", "民治街道学位紧张", "龙华街道垃圾清运",
               "观澜街道燃气检查", "大浪街道夜市整治", "福城街道河道清淤"]


NEWS_DETAILS = [
    "昨夜强降雨导致多个路段积水超过半米，社区工作人员连夜转移低洼处住户。",
    "附近居民投诉夜间施工持续到凌晨两点，环保部门已责令整改并限定作业时间。",
    "近百名工人聚集在厂门口，要求公司在春节前结清拖欠的三个月工资。",
    "小区业主质疑物业公司未经业主大会表决擅自上调收费标准，要求公开账目。",
    "旧市场商户对补偿方案存在分歧，街道组织召开座谈会听取意见。",
    "健身房老板失联，数百名会员预付卡余额无法退还，已有会员报警。",
    "因管网改造，周六上午九点至下午五点停水，请居民提前做好储水准备。",
    "早高峰期间主干道因车辆剐蹭严重拥堵，交警到场疏导后恢复通行。",
    "多名家长反映今年学位申请人数激增，担心孩子无法就近入学。",
    "垃圾中转站臭味扰民，城管部门承诺增加清运频次并加装除臭设备。",
    "燃气公司开展入户安全检查，发现多处软管老化隐患并现场更换。",
    "夜市占道经营引发噪音和卫生问题，执法队联合社区开展整治。",
    "河道清淤工程启动，预计工期两个月，期间部分步道临时封闭。",
]


def news_body(n: int, topic: str) -> str:
    detail = NEWS_DETAILS[(n - 1) % len(NEWS_DETAILS)]
    return f"{topic}（第{n}期）。{detail}街道办表示将持续跟进。"


def page(title: str, body: str, charset: str = "utf-8", meta: bool = True) -> str:
    head = f'<meta charset="{charset}">' if meta else ""
    return (f"<!DOCTYPE html><html><head>{head}<title>{title}</title><script>var x='<p>hidden</p>';</script>"
            f"</head><body><div class='nav'>首页 | 新闻 | 公告 | 联系我们</div>{body}"
            f"<div class='footer'>版权所有 示例新闻网 粤ICP备00000000号</div></body></html>")


class FixtureSite:
    """The fixture server; ``start()`` picks a free port, ``url`` is its base URL."""

    def __init__(self, news_count: int = 12, detail_delay: float = 0.0) -> None:
        self.news: list[dict] = []
        for k in range(news_count):  # item 1 is the oldest, the last one an hour old
            self.add_news(hours_ago=news_count - k)
        self.hits: Counter = Counter()
        self.hit_times: dict[str, list[float]] = {}
        self.detail_delay = detail_delay
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.etag_version = 1
        self.user_agents: set[str] = set()
        self.proxied = 0   # requests that came in proxy form (absolute URI)
        # the gate: requests for ``held`` targets wait while it is shut (see hold/release)
        self.gate = threading.Event()
        self.gate.set()
        self.held: set[str] = set()
        self.at_gate = threading.Event()   # set when a held request has arrived
        self.gate_timeout = 60.0           # a test that never releases fails, it does not hang the server

    def add_news(self, hours_ago: float = 0.0, title: str | None = None) -> dict:
        n = len(self.news) + 1
        when = time.time() - hours_ago * 3600
        topic = title or NEWS_TOPICS[(n - 1) % len(NEWS_TOPICS)]
        item = {"n": n, "title": f"{topic}（{n}）", "when": when, "body": news_body(n, topic)}
        self.news.insert(0, item)  # newest first, like a real list
        self.etag_version = getattr(self, "etag_version", 0) + 1
        return item

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FixtureSite":
        site = self

        class Handler(_Handler):
            fixture = site

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.release()  # no handler thread is left waiting at the gate
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def hold(self, *targets: str) -> None:
        """Shut the gate for these targets (path and query as requested, e.g. ``/news/list?page=2``).

        Their requests are counted in ``hits`` as they arrive, set ``at_gate``, and are answered only
        after :meth:`release` (or ``gate_timeout``).
        """
        self.held = set(targets)
        self.at_gate.clear()
        self.gate.clear()

    def release(self) -> None:
        """Open the gate: held requests are answered, and nothing is held any more."""
        self.gate.set()

    def count(self, prefix: str) -> int:
        return sum(v for k, v in self.hits.items() if k.startswith(prefix))


def _cn_time(when: float) -> str:
    t = time.gmtime(when + 8 * 3600)
    return f"{t.tm_year}年{t.tm_mon}月{t.tm_mday}日 {t.tm_hour:02d}:{t.tm_min:02d}"


def _iso(when: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00", time.gmtime(when + 8 * 3600))


class _Handler(BaseHTTPRequestHandler):
    fixture: FixtureSite
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet test output
        pass

    def send(self, status: int, body: bytes | str, content_type: str = "text/html; charset=utf-8",
             headers: dict | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        try:  # a crawler that gave up (the slow page's timeout) has gone: not the site's error
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        site = self.fixture
        with site.lock:
            site.user_agents.add(self.headers.get("User-Agent", ""))
            site.proxied += self.path.startswith("http://")
            site.hits[path] += 1
            site.hit_times.setdefault(path, []).append(time.monotonic())
            hits = site.hits[path]
        target = f"{path}?{parts.query}" if parts.query else path
        if target in site.held and not site.gate.is_set():
            site.at_gate.set()
            site.gate.wait(site.gate_timeout)
        route = ROUTES.get(path)
        if route is None:
            for prefix, handler in PREFIX_ROUTES:
                if path.startswith(prefix):
                    route = handler
                    break
        if route is None:
            self.send(404, page("未找到", "<h1>404 页面不存在</h1>"))
            return
        route(self, path, query, hits)


# --- routes ---------------------------------------------------------------------------------------

def robots(h, path, query, hits):
    h.send(200, "User-agent: *\nDisallow: /private/\n", "text/plain")


def news_list(h, path, query, hits):
    site = h.fixture
    number = int(query.get("page", "1"))
    chunk = site.news[(number - 1) * NEWS_PER_PAGE: number * NEWS_PER_PAGE]
    etag = f'"v{site.etag_version}-{number}"'
    if h.headers.get("If-None-Match") == etag:
        h.send(304, b"", None, {"ETag": etag})
        return
    items = "".join(f"<li class='item'><a href='/news/{n['n']}.html?utm_source=list&spm=1'>{n['title']}</a>"
                    f"<span class='time'>{_cn_time(n['when'])}</span></li>" for n in chunk)
    more = number * NEWS_PER_PAGE < len(site.news)
    nxt = f"<a class='next' href='/news/list?page={number + 1}'>下一页</a>" if more else ""
    h.send(200, page("新闻列表", f"<ul class='list'>{items}</ul>{nxt}"), headers={"ETag": etag})


def news_detail(h, path, query, hits):
    site = h.fixture
    if site.detail_delay:
        time.sleep(site.detail_delay)
    n = int(path.rsplit("/", 1)[1].split(".")[0])
    found = [x for x in site.news if x["n"] == n]
    if not found:
        h.send(404, page("未找到", "<h1>404</h1>"))
        return
    item = found[0]
    body = (f"<h1 class='title'>{item['title']}</h1><div class='meta'>发布时间：<span class='pub'>{_cn_time(item['when'])}"
            f"</span> 来源：<span class='author'>示例日报</span></div>"
            f"<div class='content'><p>{item['body']}</p><p>（责任编辑：小王）</p></div>")
    h.send(200, page(item["title"], body))


GBK_TEXT = ("观澜街道某电子厂近百名工人反映，工厂拖欠三个月工资，春节前无法回家。工人代表表示已向劳动监察部门投诉，"
            "希望街道协调尽快发放欠薪。")
BIG5_TEXT = "沙井街道一間健身房突然關門，數百名會員的預付卡無法退款，會員們聚集在門口討說法，要求老闆出面解決。"


def gbk_list(h, path, query, hits):
    items = "".join(f"<li class='item'><a href='/gbk/{i}.html'>欠薪新闻{i}</a></li>" for i in (1, 2))
    h.send(200, page("列表", f"<ul>{items}</ul>", "gbk").encode("gbk"), "text/html; charset=gbk")


def gbk_detail(h, path, query, hits):
    n = path.rsplit("/", 1)[1].split(".")[0]
    if n == "1":  # declared in the HTTP header
        body = page("欠薪", f"<h1>工厂欠薪（{n}）</h1><div class='content'><p>{GBK_TEXT}</p></div>", "gbk", meta=False)
        h.send(200, body.encode("gbk"), "text/html; charset=gbk")
    else:  # declared nowhere: must be sniffed
        body = page("欠薪", f"<h1>工厂欠薪（{n}）</h1><div class='content'><p>{GBK_TEXT * 2}</p></div>", meta=False)
        h.send(200, body.encode("gb18030"), "text/html")


def big5_list(h, path, query, hits):
    h.send(200, page("列表", "<ul><li class='item'><a href='/big5/1.html'>預付卡</a></li></ul>"))


def big5_detail(h, path, query, hits):
    body = (f"<html><head><title>健身房</title></head><body><h1>健身房跑路</h1><div class='content'><p>{BIG5_TEXT}</p>"
            f"<p>會員表示，上週還有銷售人員推銷年卡。</p></div></body></html>")
    h.send(200, body.encode("big5"), "text/html")


FORUM_THREADS = {
    1: ("大浪街道某小区物业费上涨，业主怎么办？", ["物业突然通知物业费从每平米2.5元涨到3.8元，没有开业主大会。",
                                     "我们楼也收到了，太离谱了，建议找街道。", "已经打了12345热线，等回复。",
                                     "业委会什么时候开会？", "支持维权，坚决反对不合理涨价。"]),
    2: ("福城街道旧市场拆迁补偿标准有人知道吗", ["听说旧市场要拆，商户补偿怎么算？", "按面积算，但是标准没公示。",
                                   "明天上午街道办有说明会。"]),
}


def forum_list(h, path, query, hits):
    items = "".join(f"<tr class='thread'><td><a href='/forum/thread/{t}'>{title}</a></td>"
                    f"<td class='last'>{i + 1}小时前</td></tr>" for i, (t, (title, _)) in enumerate(FORUM_THREADS.items()))
    h.send(200, page("论坛", f"<table>{items}</table>"))


def forum_thread(h, path, query, hits):
    t = int(path.rsplit("/", 1)[1])
    title, posts = FORUM_THREADS[t]
    number = int(query.get("page", "1"))
    per = 3
    chunk = list(enumerate(posts))[(number - 1) * per: number * per]
    floors = "".join(f"<div class='post' data-pid='p{t}-{i}'><span class='user'>网友{i}</span>"
                     f"<span class='ptime'>昨天 {10 + i}:00</span><div class='msg'>{text}</div></div>" for i, text in chunk)
    nxt = f"<a class='pnext' href='/forum/thread/{t}?page={number + 1}'>下一页</a>" if number * per < len(posts) else ""
    h.send(200, page(title, f"<h1>{title}</h1>{floors}{nxt}"))


def rss(h, path, query, hits):
    items = "".join(f"<item><title>{n['title']}</title><link>{h.fixture.url}/news/{n['n']}.html</link>"
                    f"<description><![CDATA[<p>{n['body']}</p>]]></description>"
                    f"<pubDate>{formatdate(n['when'], usegmt=True)}</pubDate><author>示例日报</author></item>"
                    for n in h.fixture.news[:6])
    xml = f"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>示例</title>{items}</channel></rss>"
    h.send(200, xml, "application/rss+xml; charset=utf-8")


def atom(h, path, query, hits):
    entries = "".join(f"<entry><title>{n['title']}</title><link href='/news/{n['n']}.html'/><id>tag:x,{n['n']}</id>"
                      f"<updated>{_iso(n['when'])}</updated><author><name>示例记者</name></author>"
                      f"<content type='html'>&lt;p&gt;{n['body']}&lt;/p&gt;</content></entry>" for n in h.fixture.news[:4])
    xml = (f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>示例</title>"
           f"{entries}</feed>")
    h.send(200, xml, "application/atom+xml; charset=utf-8")


API_POSTS = [
    {"mid": f"m{i}", "content": text, "user": {"name": f"用户{i}"}, "ts": int(time.time()) - (8 - i) * 600,
     "stats": {"like": i * 3, "repost": i, "comment": i * 2}, "reply_to": ("m1" if i in (2, 5) else None)}
    for i, text in enumerate([
        "民治街道某小区地下车库进水，多辆车被淹，有没有人知道物业联系方式？",
        "回复：物业电话一直占线，已经打了119。",
        "龙华街道暴雨红色预警，请大家减少外出。",
        "西乡街道地铁口积水严重，出行请注意安全。",
        "转发：//@路人甲: 民治街道某小区地下车库进水，多辆车被淹，有没有人知道物业联系方式？",
        "观澜街道某工厂门口聚集了很多工人讨薪。",
        "新安街道今晚停水，请提前储水。",
    ], start=1)
]


def api(h, path, query, hits):
    start = int(query.get("cursor", "0"))
    chunk = API_POSTS[start:start + 3]
    nxt = str(start + 3) if start + 3 < len(API_POSTS) else ""
    h.send(200, json.dumps({"data": {"list": chunk, "next": nxt}}, ensure_ascii=False),
           "application/json; charset=utf-8")


def sitemap_index(h, path, query, hits):
    xml = (f"<?xml version='1.0'?><sitemapindex xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>"
           f"<sitemap><loc>{h.fixture.url}/sitemap-news.xml</loc></sitemap></sitemapindex>")
    h.send(200, xml, "application/xml")


def sitemap_news(h, path, query, hits):
    urls = "".join(f"<url><loc>{h.fixture.url}/news/{n['n']}.html</loc><lastmod>{_iso(n['when'])}</lastmod></url>"
                   for n in h.fixture.news[:5])
    h.send(200, f"<?xml version='1.0'?><urlset xmlns='http://www.sitemaps.org/schemas/sitemap/0.9'>{urls}</urlset>",
           "application/xml")


def search(h, path, query, hits):
    keyword = query.get("q", "")
    found = [n for n in h.fixture.news if keyword and keyword in n["title"]]
    items = "".join(f"<li class='item'><a href='/news/{n['n']}.html'>{n['title']}</a></li>" for n in found)
    h.send(200, page("搜索", f"<ul>{items}</ul>" if items else "<p class='none'>没有结果</p>"))


BAD_LINKS = ["/busy.html", "/flaky.html", "/slow.html", "/huge.html", "/malformed.html", "/doc.html",
             "/doc2.html", "/loop/a", "/captcha.html", "/empty.html", "/private/secret.html", "/news/1.html"]


def bad_list(h, path, query, hits):
    items = "".join(f"<li class='item'><a href='{link}'>问题页{i}</a></li>" for i, link in enumerate(BAD_LINKS))
    h.send(200, page("问题页面", f"<ul>{items}</ul>"))


def busy(h, path, query, hits):
    if hits == 1:
        h.send(429, page("稍后", "<p>请求过多</p>"), headers={"Retry-After": "1"})
    else:
        h.send(200, page("繁忙之后", "<h1>繁忙之后</h1><div class='content'><p>限流解除后的正常内容，龙华街道通知。</p></div>"))


def flaky(h, path, query, hits):
    if hits == 1:
        h.send(503, page("维护", "<p>服务暂不可用</p>"))
    else:
        h.send(200, page("恢复", "<h1>恢复之后</h1><div class='content'><p>服务恢复后的正常内容，民治街道公告。</p></div>"))


def slow(h, path, query, hits):
    time.sleep(6)
    h.send(200, page("慢", "<h1>慢</h1><div class='content'><p>太慢了</p></div>"))


def huge(h, path, query, hits):
    size = 20 * 1024 * 1024
    h.send_response(200)
    h.send_header("Content-Type", "text/html; charset=utf-8")
    h.send_header("Content-Length", str(size))
    h.end_headers()
    chunk = ("<p>" + "大" * 1000 + "</p>").encode("utf-8")
    sent = 0
    try:
        while sent < size:
            part = chunk[: size - sent]
            h.wfile.write(part)
            sent += len(part)
    except (BrokenPipeError, ConnectionResetError):
        pass


def malformed(h, path, query, hits):
    h.send(200, "<html><head><title>残缺</title><body><h1>残缺页面<div class='content'><p>标签没有闭合的页面"
                "<p>新安街道<b>停电<i>通知：今晚十点至次日六点检修。<td>表格</tr></table></div")


def pdf(h, path, query, hits):
    h.send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "application/pdf")


def pdf_as_html(h, path, query, hits):
    h.send(200, b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "text/html")


def loop(h, path, query, hits):
    target = "/loop/b" if path.endswith("/a") else "/loop/a"
    h.send(302, b"", "text/html", {"Location": target})


def captcha(h, path, query, hits):
    h.send(200, page("安全验证", "<div class='captcha'><p>访问过于频繁，请输入验证码继续访问</p><img src='/c.png'></div>"))


def empty(h, path, query, hits):
    h.send(200, b"", "text/html; charset=utf-8")


def secret(h, path, query, hits):
    h.send(200, page("秘密", "<h1>不该被抓取</h1><div class='content'><p>robots.txt 禁止</p></div>"))


def forbidden(h, path, query, hits):
    h.send(403, page("禁止", "<p>403 Forbidden</p>"))


ROUTES = {
    "/robots.txt": robots, "/news/list": news_list, "/gbk/list": gbk_list, "/big5/list": big5_list,
    "/forum/list": forum_list, "/feed.rss": rss, "/feed.atom": atom, "/api/posts": api,
    "/sitemap.xml": sitemap_index, "/sitemap-news.xml": sitemap_news, "/search": search, "/bad/list": bad_list,
    "/busy.html": busy, "/flaky.html": flaky, "/slow.html": slow, "/huge.html": huge,
    "/malformed.html": malformed, "/doc.html": pdf, "/doc2.html": pdf_as_html, "/captcha.html": captcha,
    "/empty.html": empty, "/private/secret.html": secret,
}
PREFIX_ROUTES = [("/news/", news_detail), ("/gbk/", gbk_detail), ("/big5/", big5_detail),
                 ("/forum/thread/", forum_thread), ("/loop/", loop), ("/forbidden/", forbidden)]
