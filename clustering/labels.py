"""Incident labels and keywords by class-based TF-IDF (c-TF-IDF) over jieba tokens.

All documents of one incident form one class; a word scores by how frequent it is in the class,
weighted by how rare it is across classes: ``tf(t, c) · log(1 + A / f(t))`` with ``A`` the average
number of words per class and ``f(t)`` the word's frequency over every class (noise included, so a
word common to everything never labels an incident).
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Hashable, Iterable, Mapping, Sequence

from nlp.segment import tokenize


#: Words frequent in posts about anything (how people ask, where they are, reposting), which would
#: otherwise win labels: the demo's rainstorm incident was labelled "民治街道 电话 家里 两个".
GENERIC = frozenset("电话 联系 联系人 家里 两个 三个 一位 一样 这边 那边 这里 那里 真的 听说 是不是 还有 出来 "
                    "回复 转发 扩散 求转发 麻烦 帮忙 赶紧 谢谢".split())


def useful(word: str) -> bool:
    """Words worth a label: two characters or more, not generic, not a number, never a phone or ID number."""
    if len(word) < 2 or word in GENERIC or word.replace(".", "").isdigit():
        return False
    return sum(ch.isdigit() for ch in word) < 6  # personal numbers never become public keywords


def class_keywords(texts_by_class: Mapping[Hashable, Sequence[str]], *, top: int = 10,
                   skip: Iterable[Hashable] = ()) -> dict[Hashable, list[str]]:
    """The ``top`` keywords of each class, best first (classes in ``skip`` only inform the weights)."""
    counts = {key: Counter(w for text in texts for w in tokenize(text) if useful(w))
              for key, texts in texts_by_class.items()}
    total = Counter()
    for counter in counts.values():
        total.update(counter)
    if not total:
        return {key: [] for key in counts if key not in set(skip)}
    average = sum(total.values()) / max(1, len(counts))
    skip = set(skip)
    result: dict[Hashable, list[str]] = {}
    for key, counter in counts.items():
        if key in skip:
            continue
        size = sum(counter.values()) or 1
        scored = sorted(counter, key=lambda w: (-(counter[w] / size) * math.log(1 + average / total[w]), w))
        result[key] = scored[:top]
    return result


def make_label(keywords: Sequence[str], streets: Sequence[str], words: int = 4) -> str:
    """``民治街道 暴雨 内涝 被困``: the main street, then the best keywords not already in it."""
    parts = list(streets[:1])
    for word in keywords:
        if len(parts) >= words:
            break
        if not any(word in p or p in word for p in parts):
            parts.append(word)
    return " ".join(parts)
