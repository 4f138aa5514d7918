"""Evidence (证据): posts and hotline tickets in the store about THIS project at THIS place.

A post is evidence only when its title, text or place names the project's place (street,
community, roads of the address, ``place_words``) AND one of the project words (the card's
``keywords``; without them the kind's ``evidence_words``). Candidates come from the store's
full-text search (each place word with each project word, and each project word within the
card's street by the analyses' location); each is then checked in full, and a post whose analysis
puts it in another street is dropped unless it names the card's street or community itself.
Citing a post about another place is worse than citing none.

Stance (立场) per stakeholder group is read from the analysis' sentiment: positive = 支持,
neutral = 观望, negative = 反对; a post speaks for a group when it contains one of its words.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Optional

from assessment.card import ProjectCard
from assessment.knowledge import Kind, Knowledge
from assessment.model import Cited
from yuqing import privacy
from yuqing.records import DEFAULT_TZ, Analysis, Document

STANCES = {"positive": "支持", "neutral": "观望", "negative": "反对"}
_NAMED = re.compile(r"[\u4e00-\u9fff]{2,8}?(?:大道|路|街|巷|村|市场|花园|小区|广场|公园|大厦|工业区|工业园)")
_BREAK = re.compile(r"[0-9０-９]+[号栋座楼室层幢]?|[，,、;；\s()（）-]+")
PAGE = 500


@dataclass
class Post:
    doc: Document
    analysis: Optional[Analysis]
    groups: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)

    @property
    def sentiment(self) -> Optional[str]:
        return self.analysis.sentiment.label if self.analysis else None

    @property
    def reach(self) -> int:
        m = self.doc.metrics
        return m.reposts * 3 + m.comments * 2 + m.likes

    @property
    def full_text(self) -> str:
        return " ".join(p for p in (self.doc.title, self.doc.text, self.doc.place) if p)

    def cite(self, width: int = 140) -> Cited:
        addresses = [self.analysis.rescue.address] if self.analysis and self.analysis.rescue and \
            self.analysis.rescue.address else []
        text = " ".join(p for p in (self.doc.title, self.doc.text) if p)
        quote = privacy.mask_text(privacy.mask_known_addresses(text, addresses))
        if len(quote) > width:
            quote = quote[:width] + "…"
        return Cited(doc_id=self.doc.id, quote=quote, url=self.doc.url,
                     published_at=self.doc.published_at.isoformat(), sentiment=self.sentiment,
                     groups=self.groups, source=self.doc.source)


@dataclass
class Evidence:
    posts: list[Post]
    place_words: list[str]
    project_words: list[str]
    truncated: bool = False

    def of_category(self, category) -> list[Post]:
        return self.posts if category.all_posts else [p for p in self.posts if category.id in p.categories]

    def query(self) -> dict:
        return {"place_words": self.place_words, "project_words": self.project_words,
                "truncated": self.truncated}


def place_words(card: ProjectCard) -> list[str]:
    """The names of the project's place: street and community (with and without suffix), roads and
    named places of the address, and the card's ``place_words``."""
    loc, words = card.location, []
    for name, suffixes in ((loc.street, ("街道", "镇", "乡")), (loc.community, ("社区", "村委会", "村"))):
        if name:
            words.append(name)
            for suffix in suffixes:
                if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                    words.append(name[: -len(suffix)])
    if loc.address:
        address = loc.address
        for name in (loc.province, loc.city, loc.district, loc.street, loc.community):
            address = address.replace(name, " ") if name else address
        for piece in _BREAK.split(address):
            words += _NAMED.findall(piece)
    words += card.place_words
    return list(dict.fromkeys(w for w in words if len(w) >= 2))


def project_words(card: ProjectCard, kind: Kind) -> list[str]:
    return list(dict.fromkeys(card.keywords or kind.evidence_words))


def _candidates(store, places: list[str], words: list[str], street: Optional[str], limit: int) -> tuple[dict, bool]:
    found: dict[str, Document] = {}
    queries = [(f"{p} {w}", None) for p in places for w in words]
    if street:
        queries += [(w, street) for w in words]
    truncated = False
    for query, on_street in queries:
        offset = 0
        while True:
            result = store.search(query, street=on_street, limit=PAGE, offset=offset)
            for hit in result.hits:
                found.setdefault(hit.document.id, hit.document)
            offset += PAGE
            if len(found) >= limit:
                return found, True
            if offset >= result.total or not result.hits:
                break
    return found, truncated


def _about_place(doc: Document, analysis: Optional[Analysis], card: ProjectCard, places: list[str],
                 words: list[str]) -> bool:
    text = " ".join(p for p in (doc.title, doc.text, doc.place) if p)
    if not any(p in text for p in places) or not any(w in text for w in words):
        return False
    street = analysis.location.street if analysis else None
    own = [n for n in (card.location.street, card.location.community) if n]
    if street and card.location.street and street != card.location.street and not any(n in text for n in own):
        return False
    return True


def gather(card: ProjectCard, kind: Kind, knowledge: Knowledge, store, limit: int = 2000) -> Evidence:
    """The posts about this project, oldest first, each with its groups and categories."""
    places, words = place_words(card), project_words(card, kind)
    if not places or not words:
        return Evidence([], places, words)
    found, truncated = _candidates(store, places, words, card.location.street, limit)
    ids = list(found)
    analyses = {}
    for start in range(0, len(ids), 500):
        analyses.update({a.id: a for a in store.get_analyses(ids[start:start + 500])})
    posts = []
    for doc_id, doc in found.items():
        analysis = analyses.get(doc_id)
        if _about_place(doc, analysis, card, places, words):
            post = Post(doc, analysis)
            classify(post, knowledge)
            posts.append(post)
    posts.sort(key=lambda p: (p.doc.published_at, p.doc.id))
    return Evidence(posts, places, words, truncated)


def classify(post: Post, knowledge: Knowledge) -> None:
    """The post's stakeholder groups and assessment categories (by words and the analysis)."""
    text = post.full_text
    for group in knowledge.groups:
        if any(w in text for w in group.words) or (post.doc.source_type in group.source_types):
            post.groups.append(group.name)
    top = post.analysis.top_category if post.analysis else None
    for category in knowledge.categories:
        if category.all_posts or any(w in text for w in category.words) or (top and top in category.analysis_categories):
            post.categories.append(category.id)


def cite(posts: Iterable[Post], n: int) -> list[Cited]:
    """The ``n`` posts to quote: opposing voices first (what the plan must answer), then reach, newest."""
    order = {"negative": 0, "neutral": 1, "positive": 2, None: 3}
    ranked = sorted(posts, key=lambda p: (order[p.sentiment], -p.reach, -p.doc.published_at.timestamp()))
    return [p.cite() for p in ranked[:n]]


def stance(evidence: Evidence, knowledge: Knowledge, cite_n: int = 5) -> list[dict]:
    """Per stakeholder group: posts, 支持/观望/反对 counts and shares, and the posts they rest on."""
    out = []
    for group in knowledge.groups:
        posts = [p for p in evidence.posts if group.name in p.groups and p.sentiment]
        if not posts:
            continue
        counts = Counter(p.sentiment for p in posts)
        n = len(posts)
        out.append({"group": group.name, "posts": n,
                    "support": counts["positive"], "neutral": counts["neutral"], "oppose": counts["negative"],
                    "support_share": round(counts["positive"] / n, 3), "oppose_share": round(counts["negative"] / n, 3),
                    # a tie reads as 观望, then 反对: the cautious reading
                    "stance": STANCES[max(("neutral", "negative", "positive"), key=lambda s: counts[s])],
                    "doc_ids": [c.doc_id for c in cite(posts, cite_n)]})
    return out


def _period(day: datetime, by_month: bool) -> str:
    """The period a post falls in: its month (``2026-09``), or the Monday of its week (``2026-08-31``)."""
    local = day.astimezone(DEFAULT_TZ).date()
    if by_month:
        return local.strftime("%Y-%m")
    return (local - timedelta(days=local.weekday())).isoformat()


def timeline(evidence: Evidence, knowledge: Knowledge) -> dict:
    """Volume by sentiment and support share per group, per week (named by its Monday; per month
    beyond 13 weeks)."""
    if not evidence.posts:
        return {"periods": [], "volume": {}, "support": {}, "by": "week"}
    first, last = evidence.posts[0].doc.published_at, evidence.posts[-1].doc.published_at
    by_month = (last - first).days > 91
    periods = sorted({_period(p.doc.published_at, by_month) for p in evidence.posts})
    volume = {s: [0] * len(periods) for s in ("negative", "neutral", "positive", "unknown")}
    groups: dict[str, list[list[int]]] = defaultdict(lambda: [[0, 0] for _ in periods])
    index = {p: i for i, p in enumerate(periods)}
    for post in evidence.posts:
        i = index[_period(post.doc.published_at, by_month)]
        volume[post.sentiment or "unknown"][i] += 1
        if post.sentiment:
            for g in post.groups:
                groups[g][i][0] += 1
                groups[g][i][1] += post.sentiment == "positive"
    support = {g: [round(100 * s / n) if n else None for n, s in cells] for g, cells in groups.items()
               if sum(n for n, _ in cells) >= 3}
    return {"periods": periods, "volume": volume, "support": support, "by": "month" if by_month else "week",
            "group_posts": {g: [n for n, _ in cells] for g, cells in groups.items() if g in support}}
