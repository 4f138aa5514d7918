"""The bundled demo replay site (回放站点); ``yuqing run`` starts it when ``service.demo`` is true."""
from __future__ import annotations

from crawlers.replay.server import ReplaySite
from crawlers.replay.story import Post, load_posts

__all__ = ["Post", "ReplaySite", "load_posts", "start_demo"]


def start_demo(config) -> ReplaySite:
    """The replay site on ``crawl.demo.host``:``crawl.demo.port``, started."""
    return ReplaySite(config["crawl.demo.host"], int(config["crawl.demo.port"]), float(config["crawl.demo.speed"]),
                      float(config["crawl.demo.head_start"])).start()
