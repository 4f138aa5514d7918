"""Public JSON APIs of social platforms and aggregators (社交平台、聚合接口), with next-page tokens."""
from __future__ import annotations

import json
from typing import Any, Optional
from urllib.parse import urlencode, urlsplit, urlunsplit, parse_qsl

from crawlers.spiders.base import SPIDERS, Option, SourceSpider


def dig(data: Any, path: Optional[str]) -> Any:
    """The value at a dotted path (``data.items``, ``user.name``, ``pics.0.url``), or ``None``."""
    if not path:
        return None
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.lstrip("-").isdigit() and -len(data) <= int(part) < len(data):
            data = data[int(part)]
        else:
            return None
        if data is None:
            return None
    return data


def with_param(url: str, key: str, value: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != key]
    query.append((key, value))
    return urlunsplit(parts._replace(query=urlencode(query)))


@SPIDERS.register("json_api")
class JsonApiSpider(SourceSpider):
    """A JSON list endpoint; paths pick the list, id, text, time, author, metrics and next token.

    With ``query_param`` the endpoint is a search: it is asked once per term (the source's
    ``keywords``, else ``crawl.keywords``; in storm mode the event's keywords and places first),
    the term in that query parameter. Without it, the endpoint is a timeline read as it is (storm
    mode then only crawls it more often).
    """

    source_type = "social"
    options = {
        "url": Option(str, required=True, help="the first page's URL"),
        "items_path": Option(str, required=True, help="dotted path to the list of posts, e.g. data.list"),
        "id_path": Option(str, required=True, help="path to a post's id, inside a post"),
        "text_path": Option(str, required=True, help="path to a post's text"),
        "time_path": Option(str, help="path to a post's time (ISO, Chinese or a timestamp)"),
        "author_path": Option(str, help="path to a post's author name"),
        "title_path": Option(str, help="path to a post's title"),
        "url_path": Option(str, help="path to a post's own URL"),
        "url_template": Option(str, help="a post's URL built from its id: https://…/status/{id}"),
        "thread_path": Option(str, help="path to the id of the post this one replies to or reposts"),
        "place_path": Option(str, help="path to a place given by the platform"),
        "metrics": Option(dict, default={}, help="metric → path: {likes: like_count, reposts: …}"),
        "next_path": Option(str, help="path to the next-page token (empty or missing: last page)"),
        "next_param": Option(str, default="cursor", help="query parameter that carries the token"),
        "query_param": Option(str, help="query parameter that carries a search term: the API is asked once "
                                        "per term (keywords, crawl.keywords, storm mode's event words)"),
        "keywords": Option(list, help="search terms for query_param (default: crawl.keywords)"),
    }

    def start_requests(self):
        param, terms = self.opt("query_param"), self.search_terms()
        if not (param and terms):
            yield self.request(self.opt("url"), self.parse, list_page=True)
            return
        for term in terms:
            yield self.request(with_param(self.opt("url"), param, term), self.parse, list_page=True)

    def parse(self, response):
        if self.not_modified(response) or not self.text_response(response):
            return
        try:
            data = json.loads(response.text)
        except ValueError as exc:
            self.report(response.url, f"not JSON ({exc})")
            return
        posts = dig(data, self.opt("items_path"))
        if not isinstance(posts, list):
            self.report(response.url, f"items_path {self.opt('items_path')!r} is not a list in the answer")
            return
        fresh = 0
        for post in posts:
            item = self._post(post, response)
            if item is None:
                continue
            if self.is_old(self.parse_time(item["published"])):
                continue
            if self.is_seen(native_id=item["native_id"]):
                fresh += self.keep_paging_past_seen()
                continue
            fresh += 1
            yield item
        token = dig(data, self.opt("next_path"))
        if token not in (None, "", 0, False) and fresh:
            url = with_param(response.url, self.opt("next_param", "cursor"), str(token))
            yield from self.next_page(url, self.parse, response)

    def _post(self, post: Any, response) -> Optional[dict]:
        native = dig(post, self.opt("id_path"))
        text = dig(post, self.opt("text_path"))
        if native is None or not isinstance(text, str):
            self.report(response.url, f"a post without {self.opt('id_path')!r} or text was skipped")
            return None
        url = dig(post, self.opt("url_path"))
        template = self.opt("url_template")
        if not url and template:
            url = template.replace("{id}", str(native))
        parent = dig(post, self.opt("thread_path"))
        metrics = {name: dig(post, path) for name, path in (self.opt("metrics") or {}).items()}
        return self.item(url=response.urljoin(url) if url else None, native_id=str(native),
                         title=dig(post, self.opt("title_path")), body_text=text,
                         published=dig(post, self.opt("time_path")), author=dig(post, self.opt("author_path")),
                         thread_native_id=str(parent) if parent not in (None, "", 0) else None,
                         place=dig(post, self.opt("place_path")),
                         metrics={k: v for k, v in metrics.items() if isinstance(v, (int, float))})
