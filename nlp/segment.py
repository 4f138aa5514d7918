"""jieba segmentation with the engine's own dictionaries (districts, streets, governance words).

:func:`tokenize` is the one tokenizer every stage uses (clustering labels, keyword rules, case
search), so that a word means the same thing everywhere.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Iterable

_lock = threading.Lock()
_tokenizer = None

#: Tokens that carry no meaning for keywords, labels or rules.
STOPWORDS = frozenset("的 了 是 在 和 与 及 就 都 而 也 有 我 你 他 她 它 我们 你们 他们 这 那 这个 那个 一个 "
                      "吗 吧 呢 啊 呀 哦 嗯 着 过 被 把 让 给 对 从 到 为 以 于 之 其 或 但 并 又 还 很 "
                      "不 没 没有 什么 怎么 如何 可以 已经 现在 今天 明天 昨天 一下 大家".split())


def _build():
    import jieba

    tk = jieba.Tokenizer()
    tk.initialize()
    for extra in _user_words():
        tk.add_word(extra)
    return tk


def _user_words() -> Iterable[str]:
    """Words from the engine's dictionaries (extended by the NLP issue's gazetteer and lexicons)."""
    return ()


def tokenizer():
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import logging
                logging.getLogger("jieba").setLevel(logging.WARNING)
                _tokenizer = _build()
    return _tokenizer


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Words of ``text``: jieba precise mode, whitespace and punctuation dropped."""
    words = []
    for word in tokenizer().lcut(text or ""):
        word = word.strip()
        if not word or not any(ch.isalnum() for ch in word):
            continue
        if not keep_stopwords and word in STOPWORDS:
            continue
        words.append(word)
    return words


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    return STOPWORDS
