"""The replay site's story: its posts, read from ``data/*.yaml`` (news, forum threads, social posts).

Every post has an offset in minutes from the start of the story (``at``); :class:`~crawlers.replay.server.ReplaySite`
shows each once its time has come.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

DATA_DIR = Path(__file__).parent / "data"


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
