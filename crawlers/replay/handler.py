"""What every page of the replay site shares: escaping, times, JSON, the handler's plumbing.

Below both :mod:`crawlers.replay.pages` (the pages) and :mod:`crawlers.replay.server` (the site, which
mounts the pages): the pages see the site only as :class:`Site`, what they read of it.
"""
from __future__ import annotations

import html
import json
from datetime import datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Optional, Protocol
from urllib.parse import parse_qs, urlsplit

from crawlers.replay.story import Post
from yuqing.records import DEFAULT_TZ

NEWS_PER_PAGE = 10
POSTS_PER_PAGE = 10


class Site(Protocol):
    """What a page reads of the site (:class:`crawlers.replay.server.ReplaySite`)."""

    url: str
    by_id: dict[str, Post]

    def visible(self, channel: Optional[str] = None) -> list[Post]: ...

    def is_visible(self, post: Optional[Post]) -> bool: ...

    def appears_at(self, post: Post) -> float: ...


def shanghai(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, DEFAULT_TZ)


def rfc822(epoch: float) -> str:
    return formatdate(epoch, usegmt=True)


def esc(text: Optional[str]) -> str:
    return html.escape(text or "", quote=True)


def paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(line)}</p>" for line in text.splitlines() if line.strip())


def query_of(path: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(path)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}


def to_json(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


class BaseReplayHandler(BaseHTTPRequestHandler):
    """Common plumbing of the replay site's handler (see :mod:`crawlers.replay.pages`)."""

    site: Site
    protocol_version = "HTTP/1.1"
    server_version = "ReplaySite/1.0"

    def log_message(self, *args) -> None:
        pass

    def send(self, status: int, body, content_type: str = "text/html; charset=utf-8") -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
