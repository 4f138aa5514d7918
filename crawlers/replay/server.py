"""The replay site (回放站点): a news site, a forum, an RSS feed and a social JSON API on loopback.

Every post has an offset in minutes from the start of the story (``at`` in ``data/*.yaml``). The
site shows a post once its time has come: the story clock starts ``head_start`` minutes in (so the
demo has something to show at once) and runs ``speed`` times faster than the wall clock. A post's
publication time is the wall-clock moment it appeared, so what the crawlers collect looks fresh and
arrives in the order of the story.
"""
from __future__ import annotations

import threading
import time
from http.server import ThreadingHTTPServer
from typing import Callable, Optional

from crawlers.replay.pages import make_handler
from crawlers.replay.story import DATA_DIR, Post, load_posts  # noqa: F401  (re-exported)


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
