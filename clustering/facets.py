"""Incident facets from the stored analyses: category, streets (街道) and sentiment mix.

Documents without an analysis still cluster; they just add nothing here, so an incident with no
analysed document has no category, no streets and an empty sentiment mix.
"""
from __future__ import annotations

from collections import Counter
from typing import Optional, Sequence

from yuqing.records import SENTIMENTS, Analysis


def top_category(analyses: Sequence[Analysis]) -> Optional[str]:
    """The most frequent top category; ``other`` only when nothing more specific was found."""
    votes = Counter(a.top_category for a in analyses if a.top_category)
    specific = [(label, n) for label, n in votes.most_common() if label != "other"]
    if specific:
        return specific[0][0]
    return "other" if votes else None


def streets(analyses: Sequence[Analysis], min_share: float = 0.1) -> list[str]:
    """Streets named by at least ``min_share`` of the located documents, most named first."""
    votes = Counter(a.location.street for a in analyses if a.location and a.location.street)
    located = sum(votes.values())
    return [street for street, n in votes.most_common() if n >= max(1, min_share * located)]


def sentiment_mix(analyses: Sequence[Analysis]) -> dict[str, float]:
    """Share of each sentiment label among the analysed documents (empty without analyses)."""
    votes = Counter(a.sentiment.label for a in analyses)
    total = sum(votes.values())
    if not total:
        return {}
    return {label: round(votes[label] / total, 4) for label in SENTIMENTS}
