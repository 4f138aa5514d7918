"""One record per distinct rescue request (求救): reposts, paraphrases and follow-ups merged.

Two requests are the same when they share a phone, the same address, or near-identical text
(character-bigram Jaccard of the original posts ≥ ``similarity``) with no phone or home that tells
them apart (a copied request template with another family's phone is another request). Slots are merged from all
copies. A later post saying the people are safe (已安全、已获救…) that shares a phone or address with
a request, or quotes it, marks it ``safe`` (its id in ``safe_doc_ids``) instead of becoming a new one.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Optional

from nlp.phones import extract_phones
from nlp.text import normalize
from yuqing.records import Analysis, Document, Location, stable_id

SAFE = re.compile(r"已安全|已经安全|安全了|都安全|平安了|已获救|获救了|已被救|已救出|已经救出|被救出|成功救出|"
                  r"已转移|已撤离|已联系上|已经联系上|联系上了|不用再转|勿再转|别再转|不要再转|已解决")
_HAN_BIGRAM = re.compile(r"[\u4e00-\u9fff]{2}")
_ADDRESS_NOISE = re.compile(r"[\s，。,、（）()]|附近|旁边|这边|一带")


@dataclass
class _Item:
    doc: Document
    analysis: Optional[Analysis]
    phones: list[str]
    address: Optional[str]
    grams: frozenset[str]
    is_request: bool
    says_safe: bool
    street: Optional[str] = None
    group: int = -1


@dataclass
class _Group:
    items: list[_Item] = field(default_factory=list)
    safe: list[_Item] = field(default_factory=list)


def bigrams(text: str) -> frozenset[str]:
    """Overlapping Chinese character bigrams (the similarity unit for near-duplicates)."""
    han = "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")
    return frozenset(han[i:i + 2] for i in range(len(han) - 1))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def address_key(address: Optional[str]) -> Optional[str]:
    """An address precise enough to identify one home (has a building/room or an estate)."""
    if not address:
        return None
    key = _ADDRESS_NOISE.sub("", address)
    if len(key) < 6 or not re.search(r"\d|小区|花园|新村|大厦|公寓|山庄|家园|村", key):
        return None
    return key


def _item(doc: Document, analysis: Optional[Analysis]) -> Optional[_Item]:
    """What grouping needs of one post; ``None`` for a post that is neither a request nor a
    "now safe" follow-up."""
    norm = normalize(doc.text[:5000])
    rescue = analysis.rescue if analysis is not None else None
    is_request = bool(rescue and rescue.is_request)
    says_safe = bool(SAFE.search(norm.text))
    if not is_request and not says_safe:
        return None
    phones = list(rescue.phones) if rescue else extract_phones(norm.text)
    address = rescue.address if rescue else None
    if address is None and not is_request:
        from nlp.location import default_locator
        from nlp.rescue import find_address
        address = find_address(norm.original_post, default_locator())
    street = analysis.location.street if analysis is not None else None
    return _Item(doc, analysis, phones, address, bigrams(norm.original_post), is_request, says_safe, street)


def _when(item: _Item) -> datetime:
    return item.doc.published_at


def _merge(group: _Group) -> dict:
    items = sorted(group.items, key=_when)
    rescues = [i.analysis.rescue for i in items if i.analysis is not None and i.analysis.rescue is not None]
    phones = list(dict.fromkeys(p for i in items for p in i.phones))
    addresses = [i.address for i in items if i.address]
    streets = Counter(i.street for i in items if i.street)
    counts = [r.people_count for r in rescues if r.people_count]
    vulnerable = list(dict.fromkeys(v for r in rescues for v in r.vulnerable))
    needs = list(dict.fromkeys(n for r in rescues for n in r.needs))
    safe = sorted(group.safe, key=_when)
    return {
        "request_id": stable_id("rescue", items[0].doc.id),
        "doc_ids": [i.doc.id for i in items],
        "phones": phones,
        "address": max(addresses, key=len) if addresses else None,
        "street": streets.most_common(1)[0][0] if streets else None,
        "people_count": max(counts) if counts else None,
        "vulnerable": vulnerable,
        "needs": needs,
        "urgency": round(max((r.urgency for r in rescues), default=0.0), 4),
        "status": "safe" if safe else "open",
        "safe_doc_ids": [i.doc.id for i in safe],
        "first_seen": items[0].doc.published_at.isoformat(),
        "last_seen": items[-1].doc.published_at.isoformat(),
    }


def _different_people(a: _Item, b: _Item) -> bool:
    """Near-identical text, yet another phone or another home: two requests, not one.

    People in a storm copy the shared request template (地址：…；人数：…；电话：…), so the text of
    two families' requests can be almost the same; their phones and addresses tell them apart.
    """
    if a.phones and b.phones and not set(a.phones) & set(b.phones):
        return True
    home_a, home_b = address_key(a.address), address_key(b.address)
    return bool(home_a and home_b and home_a != home_b)


class _Index:
    """Finds the group an item belongs to without comparing it with every earlier item.

    Phones and precise addresses are looked up directly; near-duplicate text is searched among
    the items sharing one of the entry's rarest bigrams (two posts with Jaccard ≥ 0.5 share most
    bigrams, so they share rare ones too), then checked exactly.
    """

    RARE_PROBES = 6

    def __init__(self, similarity: float) -> None:
        self.similarity = similarity
        self.items: list[_Item] = []
        self.by_phone: dict[str, int] = {}
        self.by_address: dict[str, int] = {}
        self.by_bigram: dict[str, list[int]] = {}
        self.phones_of: dict[int, set[str]] = {}

    def find(self, entry: _Item, similarity: float) -> Optional[int]:
        """The group of an earlier item that is the same request as ``entry``, if any."""
        for phone in entry.phones:
            if phone in self.by_phone:
                return self.by_phone[phone]
        key = address_key(entry.address)
        if key and key in self.by_address:
            group = self.by_address[key]
            # an estate without building or room, asked for with another phone, is another family
            known = self.phones_of.get(group, set())
            if re.search(r"\d", key) or not (entry.phones and known and not known & set(entry.phones)):
                return group
        probes = sorted(entry.grams, key=lambda g: len(self.by_bigram.get(g, ())))[:self.RARE_PROBES]
        seen: set[int] = set()
        best, best_score = None, similarity
        for gram in probes:
            for index in self.by_bigram.get(gram, ()):
                if index in seen:
                    continue
                seen.add(index)
                if _different_people(entry, self.items[index]):
                    continue
                score = jaccard(entry.grams, self.items[index].grams)
                if score >= best_score:
                    best, best_score = self.items[index].group, score
        return best

    def add(self, entry: _Item, group: int) -> None:
        entry.group = group
        index = len(self.items)
        self.items.append(entry)
        for phone in entry.phones:
            self.by_phone.setdefault(phone, group)
        self.phones_of.setdefault(group, set()).update(entry.phones)
        key = address_key(entry.address)
        if key:
            self.by_address.setdefault(key, group)
        for gram in entry.grams:
            self.by_bigram.setdefault(gram, []).append(index)


def group_requests(items: Iterable[tuple[Document, Optional[Analysis]]], *, similarity: float = 0.8) -> list[dict]:
    """The ``yuqing rescue`` records of CONTRACT.md (plus ``status``, ``safe_doc_ids``, times).

    Args:
        items: documents with their analyses; those whose ``rescue`` is null are only read as
            possible "now safe" follow-ups.
        similarity: bigram Jaccard at or above which two posts are the same request.

    Returns:
        Open requests first, each list most urgent first, then earliest first.
    """
    entries = sorted((e for e in (_item(doc, analysis) for doc, analysis in items) if e is not None), key=_when)
    groups: list[_Group] = []
    index = _Index(similarity)
    for entry in entries:
        if entry.is_request:
            # a request stays a request even if it says 已转移 of some people: its score already
            # weighed those words, and "还有3人被困" must not close the case
            found = index.find(entry, similarity)
            if found is None:
                found = len(groups)
                groups.append(_Group())
            groups[found].items.append(entry)
            index.add(entry, found)
        else:
            # a follow-up saying they are safe: the request it speaks of (same phone, address, or quoted)
            found = index.find(entry, similarity * 0.75)
            if found is not None:
                groups[found].safe.append(entry)
    records = [_merge(g) for g in groups if g.items]
    records.sort(key=lambda r: (r["status"] == "safe", -r["urgency"], r["first_seen"]))
    return records


def rule_analysis(doc: Document, *, locator=None, threshold: float = 0.5,
                  now: Optional[datetime] = None, keywords: int = 8) -> Analysis:
    """An analysis from the rule extractors alone (rescue slots, place, keywords), used when the
    trained analyzer is not installed. Sentiment is neutral: no model has run."""
    from nlp.keywords import extract_keywords
    from nlp.location import default_locator
    from nlp.rescue import extract_rescue

    locator = locator or default_locator()
    slots = extract_rescue(doc.text, published_at=doc.published_at, now=now, locator=locator,
                           place_hint=doc.place)
    rescue = slots.to_rescue() if slots.request_score >= threshold else None
    location = slots.location if slots.location is not None else Location()
    return Analysis(id=doc.id, sentiment={"label": "neutral", "score": 0.0}, rescue=rescue,
                    location=location, keywords=extract_keywords(normalize(doc.text[:20000]).text, k=keywords))
