"""Keywords of a document: TF-IDF over :func:`nlp.segment.tokenize` tokens.

IDF comes from jieba's own table (``jieba/analyse/idf.txt``, MIT, shipped with jieba); words it
does not know (place names, new slang) get the table's median, so they can rank high when repeated.
No data-set text is needed or stored.
"""
from __future__ import annotations

import re
import threading
from collections import Counter
from pathlib import Path
from typing import Optional

from nlp.segment import tokenize

#: Keywords of a long text come from its first window (jieba costs ~10 µs a character).
WINDOW_CHARS = 20000
_lock = threading.Lock()
_idf: Optional[dict[str, float]] = None
_median = 10.0
_NUMERIC = re.compile(r"^[\d.,:：/%\-]+$|^\d+[栋楼层号室房年月日点分岁]$")
# Too generic in posts to describe one (jieba's IDF, built from news, rates some of them high).
_GENERIC = frozenset("转发 评论 网友 微博 视频 图片 链接 全文 大家 有人 这边 那边 一直 真的 还是 就是 然后 "
                     "因为 所以 但是 如果 时候 今晚 今早 目前 情况 问题 希望 知道 觉得 看到 出来 起来".split())


def _load() -> dict[str, float]:
    global _idf, _median
    if _idf is None:
        with _lock:
            if _idf is None:
                # the table's file only: importing jieba.analyse loads jieba's POS tagger (~3 s of start-up)
                import importlib.util

                from nlp import warmcache

                path = Path(importlib.util.find_spec("jieba").origin).parent / "analyse" / "idf.txt"
                # kept on disk between runs (nlp.warmcache): parsing 350,000 lines cost ~0.3 s of each start
                table, median = warmcache.cached("idf", ["idf", path, Path(__file__)], lambda: _parse_idf(path),
                                                 lambda built: built, tuple)
                _median = median
                _idf = table  # last: readers check it without the lock
    return _idf


def _parse_idf(path: Path) -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median value."""
    text = path.read_text(encoding="utf-8")
    parts = text.split()
    try:  # "word value" on every line: half the time of a loop over the lines
        if len(parts) % 2:
            raise ValueError("odd")
        table = dict(zip(parts[0::2], map(float, parts[1::2])))
    except ValueError:  # a line out of shape shifts the pairs: read line by line
        table = {}
        for line in text.splitlines():
            word, _, value = line.strip().partition(" ")
            if value:
                table[word] = float(value)
    values = sorted(table.values())
    return table, values[len(values) // 2]


def extract_keywords(text: str, k: int = 8) -> list[str]:
    """The ``k`` words of ``text`` with the highest TF-IDF, best first (ties keep text order)."""
    idf = _load()
    words = [w for w in tokenize((text or "")[:WINDOW_CHARS]) if len(w) >= 2 and not _NUMERIC.match(w) and w not in _GENERIC]
    if not words:
        return []
    counts = Counter(words)
    order = {w: i for i, w in reversed(list(enumerate(words)))}
    scored = sorted(counts, key=lambda w: (-counts[w] * idf.get(w, _median), order[w]))
    return scored[:k]
