"""Chinese full-text indexing helpers shared by the stores: bigram tokens, safe queries, highlights.

Why character bigrams and not jieba or FTS5's ``trigram`` (``bench/bench_storage.py --fts``, 20k
synthetic documents, 38 phrase queries of 2–8 characters, truth = the documents containing the
phrase; SQLite 3.40):

=========================  ============  ======  =========  =============
variant                    index docs/s  recall  precision  2-char recall
=========================  ============  ======  =========  =============
bigram (this module)             27,329   1.000      1.000          1.000
jieba (nlp.segment)               3,498   0.973      1.000          0.896
trigram (FTS5 built-in)          68,140   0.738      1.000          0.000
=========================  ============  ======  =========  =============

jieba misses phrases it cuts differently in the text than in the query, and is too slow for
5,000 documents/s; ``trigram`` cannot answer 2-character queries such as 暴雨 or 欠薪 from its
index (and its ``LIKE`` fallback scans every row). A query becomes one FTS5 phrase of bigrams per
whitespace-separated part, so it matches exactly the documents that contain each part.
"""
from __future__ import annotations

import re
from typing import Iterable

# Runs of Han characters (and other scripts written without spaces), or of letters/digits.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_RUN = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")

#: Wraps each match in a highlight fragment.
OPEN, CLOSE = "【", "】"


def tokens(text: str) -> list[str]:
    """Index tokens of ``text``: bigrams of every Han run (a lone character stays), words of others.

    >>> tokens("民治街道暴雨, G4高速")
    ['民治', '治街', '街道', '道暴', '暴雨', 'g4', '高速']
    """
    out: list[str] = []
    for match in _RUN.finditer(text or ""):
        han, word = match.group(1), match.group(2)
        if word:
            out.append(word.lower())
        elif len(han) == 1:
            out.append(han)
        else:
            out.extend(han[i:i + 2] for i in range(len(han) - 1))
    return out


def index_text(*parts: str | None) -> str:
    """The space-joined tokens of several fields, as stored in an FTS5 column."""
    return " ".join(" ".join(tokens(p)) for p in parts if p)


def query_parts(query: str) -> list[str]:
    """The whitespace-separated parts of a user query (each must occur in a matching document)."""
    return [p for p in (query or "").split() if p]


def fts5_match(query: str) -> str | None:
    """An FTS5 MATCH expression for a user query, every token quoted so nothing is an operator.

    ``"``, ``*``, ``OR``, ``NEAR(`` in the user's text are literal: they either become quoted
    tokens or are dropped as punctuation. Returns ``None`` when the query has no searchable token
    (it then matches nothing). A single Han character is searched as a bigram prefix.
    """
    phrases = []
    for part in query_parts(query):
        toks = tokens(part)
        if not toks:
            continue
        quoted = " ".join('"' + t.replace('"', '""') + '"' for t in toks)
        if len(toks) == 1 and len(toks[0]) == 1 and _is_han(toks[0]):
            quoted += " *"  # a lone character is the start of some bigram
        phrases.append(quoted if len(toks) == 1 else f"({_phrase(toks)})")
    return " AND ".join(phrases) if phrases else None


def _phrase(toks: list[str]) -> str:
    return '"' + " ".join(t.replace('"', '""') for t in toks) + '"'


def _is_han(ch: str) -> bool:
    return bool(re.fullmatch(f"[{_CJK}]", ch))


def contains_all(text: str, query: str) -> bool:
    """Whether ``text`` contains every part of ``query`` (the same test the index answers)."""
    flat = _normalise(text)
    return all(_normalise(p) in flat for p in query_parts(query) if tokens(p))


def _normalise(text: str) -> str:
    return " ".join(tokens(text))


def highlight(text: str, query: str, *, width: int = 40, max_fragments: int = 3) -> list[str]:
    """Fragments of ``text`` around each occurrence of a query part, the match wrapped in 【】."""
    if not text:
        return []
    spans = _spans(text, query)
    fragments: list[str] = []
    last_end = -1
    for start, end in spans:
        if start < last_end:
            continue
        left, right = max(0, start - width), min(len(text), end + width)
        # extend to cover later matches that fall inside this window
        inner = [(s, e) for s, e in spans if s >= start and e <= right]
        piece, cursor = [], left
        for s, e in inner:
            if s < cursor:
                continue
            piece.append(text[cursor:s] + OPEN + text[s:e] + CLOSE)
            cursor = e
        piece.append(text[cursor:right])
        fragments.append(("…" if left > 0 else "") + "".join(piece) + ("…" if right < len(text) else ""))
        last_end = right
        if len(fragments) >= max_fragments:
            break
    return fragments


def _spans(text: str, query: str) -> list[tuple[int, int]]:
    lowered = text.lower()
    spans: set[tuple[int, int]] = set()
    for part in query_parts(query):
        needle = part.lower().strip("\"'*()")
        if not needle:
            continue
        for m in re.finditer(re.escape(needle), lowered):
            spans.add((m.start(), m.end()))
    return sorted(spans)


def join_highlights(fragments: Iterable[str]) -> list[str]:
    """Elasticsearch marks each character of a phrase: ``【暴】【雨】`` becomes ``【暴雨】``."""
    return [f.replace(CLOSE + OPEN, "") for f in fragments]
