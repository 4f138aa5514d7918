"""Requests for help listed on their event's card (求助归入事件卡).

A request for help keeps its own card: the emergency desk works requests one by one. When the
request's posts belong to an incident that has a card (``incident:ID``, :attr:`alerts.stage.AlertEngine.card_key`),
that card lists the request too (``requests``: the desk rows' ids, ``req:…``), with a history line
naming the request's own card, so an analyst reading the event sees its requests. The link is made
whichever comes first: a request whose incident already has a card is listed at once; an incident
whose card opens later lists the requests already made from its posts. For that the stage keeps which
post made which request (``alerts.request_posts``: post id → request key, the newest kept).
"""
from __future__ import annotations

from datetime import datetime
from typing import Iterable

from alerts.lifecycle import modify, record_change
from yuqing.errors import NotFound

STATE_KEY = "alerts.request_posts"
#: posts remembered at most (the newest kept): far more than a storm's requests for help
MAX_POSTS = 50000


def remember(store, requests: Iterable[tuple[str, dict, str]]) -> dict[str, str]:
    """Add this cycle's requests (de-dup key, request, card id) to the post → request memory."""
    memory = dict(store.get_state(STATE_KEY) or {})
    before = dict(memory)
    for key, group, _alert_id in requests:
        for doc_id in group.get("doc_ids") or []:
            memory.pop(doc_id, None)  # re-inserted last: the newest stay when the memory is cut
            memory[doc_id] = key
    for doc_id in list(memory)[:max(0, len(memory) - MAX_POSTS)]:
        del memory[doc_id]
    if memory != before:
        store.set_state(STATE_KEY, memory)
    return memory


def attach_requests(store, book, requests: list[tuple[str, dict, str]], incidents: list, items: list,
                    now: datetime) -> int:
    """List every known request on the open card of the incident its posts belong to.

    Looks at the incidents updated this cycle and the incidents of this cycle's posts (nothing else
    can have gained a card or a request since the last cycle). Returns how many requests were added
    to a card.
    """
    memory = remember(store, requests)
    if not memory:
        return 0
    members: dict[str, set[str]] = {inc.id: set(inc.doc_ids) for inc in incidents}
    for item in items:
        if item.incident_id:
            members.setdefault(item.incident_id, set()).add(item.doc.id)
    added = 0
    for incident_id, doc_ids in members.items():
        keys = sorted({memory[d] for d in doc_ids if d in memory})
        card_id = book.open_id(f"incident:{incident_id}") if keys else None
        if card_id is not None:
            added += _list_on_card(store, card_id, keys, now)
    return added


def _list_on_card(store, card_id: str, keys: list[str], now: datetime) -> int:
    result = {"added": 0}

    def change(alert):
        listed = list(getattr(alert, "requests", None) or [])
        new = [k for k in keys if k not in listed]
        if not new:
            return None
        setattr(alert, "requests", listed + new)
        cards = [_card_of(store, k) for k in new]
        note = "；".join(f"{k}（求助卡 {c}）" if c else k for k, c in zip(new, cards))
        record_change(alert, "system", alert.state, alert.state, f"本事件的求助 {len(new)} 条：{note}", now)
        result["added"] = len(new)
        return alert

    try:
        modify(store, card_id, change)
    except NotFound:
        return 0  # closed and purged meanwhile
    return result["added"]


def _card_of(store, key: str):
    """The id of a request's own card, from the desk's row."""
    row = store.get_record("rescue_requests", key)
    return getattr(row, "alert_id", None) if row is not None else None
