"""Synthetic documents, analyses and incidents written for the alert tests."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from alerts.rules.base import EvalContext, Item
from yuqing.records import DEFAULT_TZ, Analysis, Document, Incident

T0 = datetime(2026, 7, 1, 12, 0, tzinfo=DEFAULT_TZ)
_counter = [0]


def doc(text: str, at: Optional[datetime] = None, **extra) -> Document:
    _counter[0] += 1
    at = at or T0
    return Document(id=extra.pop("id", f"d{_counter[0]}"), text=text, published_at=at, collected_at=extra.pop("collected_at", at),
                    source=extra.pop("source", "forum-a"), source_type="forum", **extra)


def analysis(doc_id: str, *, category: str = "other", street: Optional[str] = "民治街道",
             sentiment: str = "negative", rescue: Optional[dict] = None, harmful: Optional[list] = None,
             keywords=()) -> Analysis:
    return Analysis.model_validate({
        "id": doc_id, "sentiment": {"label": sentiment, "score": 0.9},
        "categories": [{"label": category, "score": 0.9}],
        "rescue": rescue, "harmful": {"types": harmful} if harmful else None,
        "location": {"city": "深圳市", "district": "龙华区", "street": street, "confidence": 0.9},
        "keywords": list(keywords)})


def item(text: str, at: Optional[datetime] = None, tokens=None, **kw) -> Item:
    from nlp.segment import tokenize

    d = doc(text, at)
    it = Item(d, analysis(d.id, **kw))
    it.tokens = tokens if tokens is not None else tokenize(it.content)
    return it


def incident(inc_id: str, *, size=10, growth=1.0, category="labor_dispute", streets=("民治街道",),
             negative=0.3, keywords=("欠薪", "工厂"), label=None, at=None) -> Incident:
    return Incident(id=inc_id, label=label or " ".join(keywords), keywords=list(keywords),
                    doc_ids=[f"{inc_id}-d{i}" for i in range(size)], first_seen=(at or T0) - timedelta(hours=3),
                    last_seen=at or T0, size=size, growth=growth, category=category, streets=list(streets),
                    sentiment={"negative": negative, "neutral": 1 - negative, "positive": 0.0})


def ctx(items=(), incidents=(), state=None, now=T0, **kw) -> EvalContext:
    return EvalContext(now=now, items=list(items), incidents=list(incidents),
                       state={} if state is None else state, **kw)


def rule(data: dict):
    from alerts.schema import build_rule

    return build_rule({"name": data.pop("name", "r"), **data}, "test.yaml")
