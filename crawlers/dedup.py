"""Near-duplicate detection (转发、洗稿): MinHash over character shingles, linked to the first copy.

A near-duplicate is kept, not dropped: its document gets ``duplicate_of`` (the id of the earliest
copy seen) and ``duplicate_similarity``, so reposts still count for an incident's spread while the
emergency desk sees one request.
"""
from __future__ import annotations

import re
import threading
import weakref
from datetime import datetime, timedelta
from typing import Optional

from yuqing.records import DEFAULT_TZ, Document

_NOISE = re.compile(r"//@[^:：]{1,30}[:：]|[\s\W_]+", re.UNICODE)
_MIN_CHARS = 20  # shorter posts ("顶", "+1") are alike without being copies
_NUM_PERM = 64


def shingles(text: str, size: int = 3) -> set[bytes]:
    """Character ``size``-grams of the text without spaces, punctuation and repost markers."""
    clean = _NOISE.sub("", text or "")
    if len(clean) < _MIN_CHARS:
        return set()
    return {clean[i:i + size].encode("utf-8") for i in range(len(clean) - size + 1)}


class NearDuplicateIndex:
    """An LSH index of recent documents; :meth:`link` marks a document that copies an earlier one."""

    def __init__(self, threshold: float = 0.8) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=_NUM_PERM)
        self.hashes: dict[str, object] = {}
        self.roots: dict[str, tuple[str, Optional[datetime]]] = {}  # id → (first copy's id, its time)
        self.lock = threading.Lock()

    @staticmethod
    def minhash(text: str):
        from datasketch import MinHash

        grams = shingles(text)
        if not grams:
            return None
        mh = MinHash(num_perm=_NUM_PERM, seed=7)
        mh.update_batch(list(grams))
        return mh

    def link(self, doc: Document) -> Document:
        """Add ``doc``; if it copies an indexed document, set ``duplicate_of`` on it (returned)."""
        text = getattr(doc, "text_simplified", None) or doc.text
        mh = self.minhash(text)
        if mh is None:
            return doc
        with self.lock:
            if doc.id in self.hashes:
                return doc
            best, best_score = None, 0.0
            for other in self.lsh.query(mh):
                score = mh.jaccard(self.hashes[other])
                if score >= self.threshold and score > best_score:
                    best, best_score = other, score
            self.lsh.insert(doc.id, mh)
            self.hashes[doc.id] = mh
            root = (doc.id, doc.published_at)
            if best is not None:
                root = self.roots.get(best, (best, None))
                doc.duplicate_of = root[0]
                doc.duplicate_similarity = round(best_score, 3)
            self.roots[doc.id] = root
        return doc

    def add_existing(self, doc: Document) -> None:
        """Index a stored document, keeping its stored link."""
        mh = self.minhash(getattr(doc, "text_simplified", None) or doc.text)
        if mh is None or doc.id in self.hashes:
            return
        with self.lock:
            self.lsh.insert(doc.id, mh)
            self.hashes[doc.id] = mh
            self.roots[doc.id] = (getattr(doc, "duplicate_of", None) or doc.id, doc.published_at)


_INDEXES: "weakref.WeakKeyDictionary[object, NearDuplicateIndex]" = weakref.WeakKeyDictionary()
_INDEXES_LOCK = threading.Lock()


def index_for(store, threshold: float = 0.8, days: int = 7) -> NearDuplicateIndex:
    """The process's index for ``store``, loaded once from the documents of the last ``days``."""
    with _INDEXES_LOCK:
        index = _INDEXES.get(store)
        if index is None:
            index = NearDuplicateIndex(threshold)
            since = datetime.now(DEFAULT_TZ) - timedelta(days=days)
            for doc in store.iter_documents(since=since):
                index.add_existing(doc)
            _INDEXES[store] = index
        return index
