"""Helpers shared by the crawler tests (imported by name; conftest modules are not importable)."""
from __future__ import annotations

import socket
from pathlib import Path

HERE = Path(__file__).parent

#: Small timeouts and no delays: the whole crawler suite stays within a few minutes.
FAST = {"download_delay": 0.0, "autothrottle": False, "download_timeout": 1.5, "retry_times": 2,
        "retry_backoff": 0.1, "max_run_seconds": 60, "overlap_seconds": 300}


def listing_source(site, name="news", **extra):
    """The fixture site's news list as a ``listing`` source."""
    return {"name": name, "type": "listing", "start_urls": [f"{site.url}/news/list"], "list_item": "li.item",
            "list_time": "span.time::text", "next_page": "a.next::attr(href)", "detail_title": "h1.title",
            "detail_body": "div.content", "detail_time": "span.pub::text", "detail_author": "span.author::text",
            **extra}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
