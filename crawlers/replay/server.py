"""The replay site (回放站点): a news site, a forum, an RSS feed and a social JSON API on loopback.

Every post has an offset in minutes from the start of the story (``at`` in ``data/*.yaml``). The
site shows a post once its time has come: the story clock starts ``head_start`` minutes in (so the
demo has something to show at once) and runs ``speed`` times faster than the wall clock. A post's
publication time is the wall-clock moment it appeared, so what the crawlers collect looks fresh and
arrives in the order of the story.
"""
from __future__ import annotations

import html
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Optional
from urllib.parse import parse_qs, urlsplit

import yaml

from yuqing.records import DEFAULT_TZ

DATA_DIR = Path(__file__).parent / "data"
NEWS_PER_PAGE = 10
POSTS_PER_PAGE = 10


@dataclass
class Post:
    """One item of the story, in any channel."""

    id: str
    channel: str            # news | forum | social
    at: float               # minutes after the story's start
    text: str
    author: str = ""
    title: Optional[str] = None
    thread: Optional[str] = None      # forum: the thread this post belongs to
    reply_to: Optional[str] = None    # social: the post answered or reposted
    place: Optional[str] = None
    metrics: dict = field(default_factory=dict)


def load_posts(data_dir: Path = DATA_DIR) -> list[Post]:
    """Every post of the story, oldest first."""
    posts: list[Post] = []
    for item in yaml.safe_load((data_dir / "news.yaml").read_text("utf-8")):
        posts.append(Post(item["id"], "news", item["at"], item["text"].strip(), item.get("author", ""),
                          item["title"], place=item.get("place")))
    for thread in yaml.safe_load((data_dir / "forum.yaml").read_text("utf-8")):
        posts.append(Post(thread["id"], "forum", thread["at"], thread["text"], thread["author"], thread["title"],
                          thread=thread["id"]))
        for number, reply in enumerate(thread.get("replies", []), start=1):
            posts.append(Post(f"{thread['id']}-{number}", "forum", reply["at"], reply["text"], reply["author"],
                              thread=thread["id"]))
    for item in yaml.safe_load((data_dir / "social.yaml").read_text("utf-8")):
        metrics = {k: item.get(k, 0) for k in ("likes", "reposts", "comments")}
        posts.append(Post(item["id"], "social", item["at"], item["text"], item["user"],
                          reply_to=item.get("reply_to"), metrics=metrics))
    return sorted(posts, key=lambda p: (p.at, p.id))


class ReplaySite:
    """The bundled demo site. ``ReplaySite(host, port, speed).start()``; ``.url``; ``.stop()``.

    Args:
        host: address to listen on (loopback by default).
        port: port, or 0 for a free one.
        speed: story minutes per wall-clock minute (60: an hour of the story per minute).
        head_start: story minutes already shown when the site starts.
        clock: the wall clock (tests pass one they can move forward).
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, speed: float = 60.0,
                 head_start: float = 360.0, posts: Optional[list[Post]] = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.host, self.port, self.speed, self.head_start = host, port, float(speed), float(head_start)
        self.posts = posts if posts is not None else load_posts()
        self.by_id = {p.id: p for p in self.posts}
        self.clock = clock
        self.started = clock()
        self.server: Optional[ThreadingHTTPServer] = None

    # the story clock ----------------------------------------------------------------------------
    def story_minutes(self, now: Optional[float] = None) -> float:
        return self.head_start + ((now or self.clock()) - self.started) / 60.0 * self.speed

    def appears_at(self, post: Post) -> float:
        """Wall-clock time (epoch seconds) when ``post`` appears on the site."""
        return self.started + (post.at - self.head_start) * 60.0 / self.speed

    def visible(self, channel: Optional[str] = None) -> list[Post]:
        """Posts whose time has come, newest first."""
        story = self.story_minutes()
        return [p for p in reversed(self.posts) if p.at <= story and (channel is None or p.channel == channel)]

    def is_visible(self, post: Optional[Post]) -> bool:
        return post is not None and post.at <= self.story_minutes()

    # serving -------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2] if self.server else (self.host, self.port)
        return f"http://{host}:{port}"

    def start(self) -> "ReplaySite":
        from crawlers.replay.pages import make_handler

        self.started = self.clock()
        self.server = ThreadingHTTPServer((self.host, self.port), make_handler(self))
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="replay-site", daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


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

    site: ReplaySite
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
