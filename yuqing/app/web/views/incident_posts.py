"""The posts of an incident as its page lists them, shared by the page and its merge/split forms.

Its own module because :mod:`yuqing.app.web.views.incident` mounts the forms of
:mod:`yuqing.app.web.views.incident_edit`, and the split form needs these groups: both import them here.
"""
from __future__ import annotations

import re
from typing import Any

_REPOST = re.compile(r"^(转发微博|转发|//@[^:：]*[:：]|回复@[^:：]*[:：]|\s)+")


def post_groups(docs: list) -> list[dict[str, Any]]:
    """Posts oldest first, reposts and copies of one text folded into the first of them (``ids``: all
    the group's posts, the first one first)."""
    groups: dict[str, dict[str, Any]] = {}
    for doc in sorted(docs, key=lambda d: d.published_at):
        key = doc.thread_id if doc.thread_id and doc.thread_id in groups else _REPOST.sub("", doc.text)[:120]
        group = groups.get(key)
        if group is None:
            groups[key] = {"doc": doc, "copies": 0, "ids": [doc.id]}
        else:
            group["copies"] += 1
            group["ids"].append(doc.id)
    return list(groups.values())


def posts_of(store, incident) -> tuple[list, dict]:
    """The incident's documents (oldest first; deleted ones skipped) and their analyses by id."""
    docs = sorted(store.get_documents(incident.doc_ids), key=lambda d: d.published_at)
    return docs, {a.id: a for a in store.get_analyses([d.id for d in docs])}
