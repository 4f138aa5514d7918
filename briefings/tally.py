"""One pass over a period's posts and their analyses: the counts a report's figures are made of.

Every number of a report's overview and street table comes from here (or from a count of records),
so it can be reproduced: the posts published in ``[start, end)``, in the chosen streets (by the
street the analysis placed them in), counted once each.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Iterator, Optional, Sequence

from yuqing.records import DEFAULT_TZ

#: posts per harmful type and requests for help whose ids a report keeps for its citations
KEEP_IDS = 200


@dataclass
class Tally:
    """What the posts of a period add up to."""

    documents: int = 0
    analysed: int = 0
    sentiment: Counter = field(default_factory=Counter)
    by_day: dict = field(default_factory=lambda: defaultdict(Counter))        # day → documents, negative
    by_street: dict = field(default_factory=lambda: defaultdict(Counter))     # street → documents, negative, rescue
    by_category: Counter = field(default_factory=Counter)
    rescue_ids: list = field(default_factory=list)
    rescue: int = 0
    harmful: dict = field(default_factory=lambda: defaultdict(list))          # type → doc ids (first KEEP_IDS)
    harmful_counts: Counter = field(default_factory=Counter)

    @property
    def negative(self) -> int:
        return self.sentiment.get("negative", 0)


def tally(store, start: datetime, end: datetime, streets: Optional[Sequence[str]] = None,
          batch_size: int = 1000) -> Tally:
    """Count the posts published in ``[start, end)`` (in ``streets`` when given) with their analyses.

    The analyses of one batch are fetched in a second thread while the next batch of posts is read
    (on Elasticsearch both are network round trips).
    """
    wanted = set(streets or ())
    result = Tally()
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = None
        for docs in _batches(store.iter_documents(since=start, until=end, batch_size=batch_size), batch_size):
            fetched = pool.submit(store.get_analyses, [d.id for d in docs])
            if pending is not None:
                _add(pending[0], pending[1].result(), wanted, result)
            pending = (docs, fetched)
        if pending is not None:
            _add(pending[0], pending[1].result(), wanted, result)
    return result


def _batches(items: Iterable, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _add(docs, found, wanted: set, result: Tally) -> None:
    analyses = {a.id: a for a in found}
    for doc in docs:
        analysis = analyses.get(doc.id)
        street = analysis.location.street if analysis is not None else None
        if wanted and street not in wanted:
            continue
        day = doc.published_at.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d")
        result.documents += 1
        result.by_day[day]["documents"] += 1
        key = street or "未定位"
        result.by_street[key]["documents"] += 1
        if analysis is None:
            continue
        result.analysed += 1
        label = analysis.sentiment.label
        result.sentiment[label] += 1
        if label == "negative":
            result.by_day[day]["negative"] += 1
            result.by_street[key]["negative"] += 1
        if analysis.top_category:
            result.by_category[analysis.top_category] += 1
        if analysis.rescue is not None and analysis.rescue.is_request:
            result.rescue += 1
            result.by_street[key]["rescue"] += 1
            if len(result.rescue_ids) < KEEP_IDS:
                result.rescue_ids.append(doc.id)
        if analysis.harmful is not None:
            for item in analysis.harmful.types:
                result.harmful_counts[item.label] += 1
                if len(result.harmful[item.label]) < KEEP_IDS:
                    result.harmful[item.label].append(doc.id)
