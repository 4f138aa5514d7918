"""What is new since the last cycle: documents (with analyses), incidents and source health.

The cursor is a published-time watermark kept in the store's state, with an overlap window and the
ids already seen inside it, so a cycle reads only the last few minutes of a store of millions and a
document is evaluated exactly once. A document still waiting for its analysis holds the watermark
back (up to ``alerts.pending_minutes``), so the rules see it analysed.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from alerts.rules.base import Item
from yuqing.records import Incident

log = logging.getLogger(__name__)

CURSOR_KEY = "alerts.cursor"


@dataclass
class Batch:
    items: list[Item]
    incidents: list[Incident]
    cursor: dict[str, Any] = field(default_factory=dict)
    waiting: int = 0


def collect_configured(config, store, now: datetime, **options) -> Batch:
    """:func:`collect` with the window the ``alerts.`` settings give (batch size, overlap, pending, backfill)."""
    return collect(store, now, batch_size=config["alerts.batch_size"],
                   overlap=timedelta(minutes=config["alerts.overlap_minutes"]),
                   pending=timedelta(minutes=config["alerts.pending_minutes"]),
                   backfill=timedelta(hours=config["alerts.backfill_hours"]), **options)


def collect(store, now: datetime, *, batch_size: int, overlap: timedelta, pending: timedelta,
            backfill: timedelta = timedelta(0), cursor_key: str = CURSOR_KEY, incidents: bool = True) -> Batch:
    """New items and incidents since the cursor; the new cursor is returned, saved by the caller.

    Besides the published-time window, documents *stored* since the last cycle and published within
    ``backfill`` before now are read too (late arrivals: an imported hotline export or rescue sheet,
    a source that was down), each once: ``backfilled`` in the cursor remembers them.

    ``cursor_key`` names the state the cursor is read from, so a later stage that reads the same new
    posts keeps its own (the desk's follow-ups); without ``incidents`` no incident is read.
    """
    cursor = store.get_state(cursor_key) or {}
    watermark = datetime.fromisoformat(cursor["watermark"]) if cursor.get("watermark") else None
    seen = dict(cursor.get("seen", {}))
    # a first cycle starts from the overlap window, not from the oldest of millions of stored documents
    since = (watermark or now) - overlap
    backfilled = dict(cursor.get("backfilled", {}))
    docs = []
    for doc in store.iter_documents(since=since, until=now + timedelta(minutes=10), batch_size=min(batch_size, 1000)):
        if doc.id in seen or doc.id in backfilled:
            continue
        docs.append(doc)
        if len(docs) >= batch_size:
            break
    stored_mark = datetime.fromisoformat(cursor["stored_mark"]) if cursor.get("stored_mark") else None
    late = []
    late_skipped = backfill > timedelta(0) and len(docs) >= batch_size  # the window alone filled the batch
    if backfill > timedelta(0) and len(docs) < batch_size and now - backfill < since:
        collected_since = (stored_mark - overlap) if stored_mark else now - backfill
        for doc in store.iter_documents(since=now - backfill, until=since, collected_since=collected_since,
                                        batch_size=min(batch_size, 1000)):
            if doc.id in seen or doc.id in backfilled:
                continue
            late.append(doc)
            if len(docs) + len(late) >= batch_size:
                break
        if late:
            log.info("alerts: %d documents stored late (published before the window) evaluated once", len(late))
    docs += late
    analyses = {a.id: a for a in store.get_analyses([d.id for d in docs])} if docs else {}
    items, held_back = [], None
    late_ids = {d.id for d in late}
    late_waiting = False
    for doc in docs:
        analysis = analyses.get(doc.id)
        arrived = doc.collected_at or doc.published_at
        if analysis is None and now - arrived < pending:
            if doc.id in late_ids:
                late_waiting = True  # read again next cycle: the stored mark stays where it was
            else:
                held_back = held_back or doc.published_at  # wait for the analysis stage
            continue
        items.append(Item(doc, analysis))
        if doc.id in late_ids:
            backfilled[doc.id] = doc.published_at.timestamp()
        else:
            seen[doc.id] = doc.published_at.timestamp()
    newest = max((i.doc.published_at for i in items if i.doc.id not in late_ids), default=watermark)
    if held_back is not None and newest is not None and held_back < newest:
        newest = max(held_back, watermark) if watermark else held_back  # never past a waiting document
    found, inc_mark = _incidents(store, cursor) if incidents else ([], cursor.get("incidents_mark"))
    if late_waiting or late_skipped or (len(docs) >= batch_size and late):
        new_stored_mark = stored_mark
    else:
        new_stored_mark = now
    floor = (now - backfill).timestamp()
    new_cursor = {"watermark": newest.isoformat() if newest else None, "incidents_mark": inc_mark,
                  "seen": _prune(seen, newest, overlap),
                  "stored_mark": new_stored_mark.isoformat() if new_stored_mark else None,
                  "backfilled": {k: v for k, v in backfilled.items() if v >= floor}}
    _attach_incidents(items, found)
    return Batch(items, found, new_cursor, waiting=len(docs) - len(items))


def _incidents(store, cursor: dict) -> tuple[list[Incident], Any]:
    mark = cursor.get("incidents_mark")
    since = datetime.fromisoformat(mark) - timedelta(minutes=5) if mark else None
    incidents = [i for i in store.find_records("incidents", since=since, order_by="last_seen", limit=5000)]
    newest = max((i.last_seen for i in incidents if i.last_seen), default=None)
    # an incident merged into another is no event of its own any more: its posts and signals are the other's
    return [i for i in incidents if not getattr(i, "merged_into", None)], (newest.isoformat() if newest else mark)


def _attach_incidents(items: list[Item], incidents: list[Incident]) -> None:
    owner = {doc_id: inc.id for inc in incidents for doc_id in inc.doc_ids}
    for item in items:
        item.incident_id = owner.get(item.doc.id)


def _prune(seen: dict[str, float], newest, overlap: timedelta) -> dict[str, float]:
    if newest is None:
        return seen
    floor = (newest - overlap).timestamp()
    return {k: v for k, v in seen.items() if v >= floor}


def tokenize_items(items: list[Item]) -> None:
    """jieba tokens of each item (title and text), the one tokenizer of the engine."""
    from nlp.segment import tokenize

    for item in items:
        item.tokens = tokenize(item.content)
