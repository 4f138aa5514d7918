"""Coordinated amplification (水军/刷屏): many near-identical posts from few or new accounts, fast.

Posts of one incident are grouped greedily by cosine similarity to a group's first post (≥
``similarity``). A group is flagged when, within ``span`` minutes, it holds at least ``min_posts``
posts and either few distinct authors per post (≤ ``author_ratio``) or mostly new accounts (an
``author_created_at`` less than 30 days before the post, when the source gives it).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional, Sequence

import numpy as np

from clustering.settings import SETTINGS
from yuqing.config import settings_params
from yuqing.records import Document

#: Most posts examined per incident (the newest); bounds the cost on huge incidents.
MAX_POSTS = 2000


@settings_params(SETTINGS, "clustering.amplification_")
class AmplificationParams:
    similarity: float
    min_posts: int
    span_minutes: int
    author_ratio: float


def _author(doc: Document, position: int) -> str:
    # An unknown author cannot be shown to be the same account: each counts as distinct.
    return doc.author or f"\x00unknown-{position}"


def _is_new_account(doc: Document) -> bool:
    created = getattr(doc, "author_created_at", None)
    if not created:
        return False
    try:
        created_at = datetime.fromisoformat(str(created))
    except ValueError:
        return False
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=doc.published_at.tzinfo)
    return doc.published_at - created_at < timedelta(days=30)


def near_identical_groups(vectors: np.ndarray, similarity: float) -> list[list[int]]:
    """Greedy leader grouping: each row joins the first group whose leader it matches."""
    leaders = np.empty_like(vectors)  # filled row by row; slicing it never copies
    groups: list[list[int]] = []
    for row in range(len(vectors)):
        if groups:
            sims = leaders[:len(groups)] @ vectors[row]
            best = int(sims.argmax())
            if sims[best] >= similarity:
                groups[best].append(row)
                continue
        leaders[len(groups)] = vectors[row]
        groups.append([row])
    return groups


def _densest(members: list[int], docs: Sequence[Document], span: timedelta) -> list[int]:
    """The largest run of ``members`` (time-sorted) that fits within ``span``."""
    best, left = (0, 0), 0
    for right in range(len(members)):
        while docs[members[right]].published_at - docs[members[left]].published_at > span:
            left += 1
        if right - left > best[1] - best[0]:
            best = (left, right)
    return members[best[0]:best[1] + 1]


def amplification(docs: Sequence[Document], vectors: np.ndarray,
                  params: AmplificationParams = AmplificationParams()) -> dict:
    """``{"flagged", "share", "groups": [{"posts", "authors", "new_accounts", "first", "last", "doc_ids"}]}``."""
    order = sorted(range(len(docs)), key=lambda i: docs[i].published_at)[-MAX_POSTS:]
    docs = [docs[i] for i in order]
    vectors = vectors[order]
    span = timedelta(minutes=params.span_minutes)
    flagged_groups = []
    for members in near_identical_groups(vectors, params.similarity):
        if len(members) < params.min_posts:
            continue
        run = _densest(members, docs, span)
        if len(run) < params.min_posts:
            continue
        authors = {_author(docs[i], i) for i in run}
        new_accounts = sum(1 for i in run if _is_new_account(docs[i]))
        if len(authors) / len(run) <= params.author_ratio or new_accounts >= 0.5 * len(run):
            flagged_groups.append({
                "posts": len(run), "authors": len(authors), "new_accounts": new_accounts,
                "first": docs[run[0]].published_at.isoformat(), "last": docs[run[-1]].published_at.isoformat(),
                "doc_ids": [docs[i].id for i in run[:50]],
            })
    posts = sum(g["posts"] for g in flagged_groups)
    return {"flagged": bool(flagged_groups), "share": round(posts / max(1, len(docs)), 4),
            "groups": flagged_groups}


def distinct_authors(docs: Sequence[Document]) -> Optional[int]:
    """Distinct named authors, or ``None`` when no document names one."""
    names = {d.author for d in docs if d.author}
    return len(names) if names else None
