"""Cards follow their incident when an analyst merges or splits it by hand (:mod:`clustering.manual`).

:func:`merge_incidents` and :func:`split_incident` are the hand changes with their cards following:
what the command line (``yuqing incidents``) and the web's incident page call. The cards are handed to
:mod:`clustering.manual` as its ``follow``, because clustering comes before alerts and imports none of
them; the merge's audit event still names the cards that moved.

One card per incident (``alerts.one_card_per_incident``): the card of ``incident:ID``. When incident
B is merged into A, B's open cards move to A, each with a line in its history:

* B's incident card and A's become one: the card further along the lifecycle survives (dispatched
  before acknowledged before new; on a tie, A's), so an acknowledgement or a 报送 already under way is
  not lost. It takes the other's posts and the higher colour, and from then on is A's card
  (``incident_id`` A, de-dup key ``incident:A``); the other is closed as 重复 (``duplicate_of``).
* B's other open cards (requests for help keep a card each, and every rule's own card when
  ``one_card_per_incident`` is off) are re-attached to A.

Closed cards stay as they were: they are history, and A's page shows them with the merged incidents.
A split moves no card; the incident's open card gets a line saying which posts left for which
incident. The alert stage's map of open cards is told (:func:`alerts.dedup.cards_moved`), so its next
finding for A updates the surviving card instead of opening another.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Iterable, Optional

from alerts.dedup import MAX_DOC_IDS, cards_moved
from alerts.lifecycle import modify, record_change
from alerts.severity import higher, name
from clustering import manual
from yuqing.records import OPEN_ALERT_STATES, Alert, Incident, now as _now

#: how far along the lifecycle an open card is (the survivor of two is the one further along)
PROGRESS = {"new": 0, "acknowledged": 1, "dispatched": 2}


def incident_key(incident_id: str) -> str:
    """The de-dup key of an incident's card (:meth:`alerts.stage.AlertEngine.card_key`)."""
    return f"incident:{incident_id}"


def _key(card: Alert) -> Optional[str]:
    return getattr(card, "dedup_key", None)


def open_cards(store, incident_id: str) -> list[Alert]:
    return store.find_records("alerts", {"incident_id": incident_id, "state": list(OPEN_ALERT_STATES)},
                              order_by="created_at")


def merge_incidents(store, keep_id: str, other_id: str, **options: Any) -> Incident:
    """:func:`clustering.manual.merge` (same options), ``other_id``'s open cards moving onto ``keep_id``."""
    return manual.merge(store, keep_id, other_id, follow=follow_merge, **options)


def split_incident(store, incident_id: str, doc_ids: Iterable[str], **options: Any) -> Incident:
    """:func:`clustering.manual.split` (same options), with a line on the incident's open card."""
    return manual.split(store, incident_id, doc_ids, follow=note_split, **options)


def follow_merge(store, other_id: str, keep_id: str, *, by: str, now: Optional[datetime] = None) -> list[str]:
    """Move ``other_id``'s open cards onto ``keep_id``; returns the ids of the cards changed."""
    now = now or _now()
    moving = open_cards(store, other_id)
    if not moving:
        return []
    theirs = [c for c in moving if _key(c) == incident_key(other_id)]
    ours = [c for c in open_cards(store, keep_id) if _key(c) == incident_key(keep_id)]
    changed: list[str] = []
    if theirs and ours:
        survivor, folded = sorted([ours[0], theirs[0]], key=lambda c: (-PROGRESS[c.state], c is not ours[0]))
        _fold(store, folded, survivor, other_id, keep_id, by, now)
        changed += [folded.id, survivor.id]
        theirs = theirs[1:]
    for card in [*theirs, *(c for c in moving if _key(c) != incident_key(other_id))]:
        _attach(store, card.id, other_id, keep_id, by, now, own_card=_key(card) == incident_key(other_id))
        changed.append(card.id)
    cards_moved(store)
    return list(dict.fromkeys(changed))


def note_split(store, incident_id: str, into: str, posts: int, *, by: str, now: Optional[datetime] = None) -> None:
    """A line on the incident's open card: ``posts`` of its posts now belong to ``into``."""
    now = now or _now()
    for card in open_cards(store, incident_id):
        if _key(card) != incident_key(incident_id):
            continue

        def line(alert: Alert) -> Alert:
            record_change(alert, by, alert.state, alert.state, f"人工拆分：{posts} 篇帖子移到事件 {into}", now)
            return alert

        modify(store, card.id, line)


def fold_post_cards(store, book, incidents: list, now: datetime, by: str = "system") -> list[str]:
    """Fold into an incident's card the open cards raised on its posts before it had one.

    A keyword, a harmful post or a street's frequency fires on posts as they come; the incident
    those posts belong to often forms a cycle or two later. Once the incident has its card
    (``incident:ID``), an open card that names no incident and most of whose posts are the
    incident's is folded into it, as in a merge: closed as 重复 (``duplicate_of``), its posts,
    reasons and colour carried over, a line in both histories. Requests for help keep their own
    card (the desk works them one by one), cards without posts (calendar windows) and an enterprise's
    cards stay. Looks at the
    incidents updated this cycle only. Returns the ids of the cards folded.
    """
    cards = {inc.id: book.open_id(incident_key(inc.id)) for inc in incidents}
    owner = {d: inc.id for inc in incidents if cards.get(inc.id) for d in inc.doc_ids}
    if not owner:
        return []
    folded: list[str] = []
    for card in store.find_records("alerts", {"state": list(OPEN_ALERT_STATES)}, order_by="created_at"):
        if (card.incident_id or not card.doc_ids or getattr(card, "desk_topic", None) == "rescue"
                or str(_key(card) or "").startswith("incident:")
                or (getattr(card, "evidence", None) or {}).get("enterprise")):  # an enterprise's card
            continue
        top, count = Counter(owner.get(d) for d in card.doc_ids).most_common(1)[0]
        if top is None or count * 2 <= len(card.doc_ids):
            continue
        survivor = store.get_record("alerts", cards[top])
        if survivor is None or survivor.state not in OPEN_ALERT_STATES:
            continue
        _fold(store, card, survivor, top, top, by, now,
              close_note=f"本预警的帖子属于事件 {top}：并入该事件的预警 {survivor.id}",
              absorb_note=f"预警 {card.id}（{card.title}）的帖子属于本事件：并入本卡")
        folded.append(card.id)
    if folded:
        cards_moved(store)
    return folded


def _fold(store, folded: Alert, survivor: Alert, other_id: str, keep_id: str, by: str, now: datetime,
          close_note: Optional[str] = None, absorb_note: Optional[str] = None) -> None:
    def close(alert: Alert) -> Optional[Alert]:
        if alert.state not in OPEN_ALERT_STATES:
            return None
        record_change(alert, by, alert.state, "duplicate",
                      close_note or f"事件 {other_id} 已人工并入 {keep_id}：本预警并入预警 {survivor.id}", now)
        alert.state = "duplicate"
        setattr(alert, "duplicate_of", survivor.id)
        return alert

    def absorb(alert: Alert) -> Alert:
        before = alert.severity
        alert.severity = higher(alert.severity, folded.severity)
        alert.doc_ids = list(dict.fromkeys([*alert.doc_ids, *folded.doc_ids]))[-MAX_DOC_IDS:]
        own = {alert.rule: list(getattr(alert, "reasons", None) or [])}
        reasons = dict(getattr(alert, "rule_reasons", None) or own)
        theirs = getattr(folded, "rule_reasons", None) or {folded.rule: getattr(folded, "reasons", None) or []}
        for rule, said in theirs.items():
            reasons.setdefault(rule, list(said))
        setattr(alert, "rule_reasons", reasons)
        setattr(alert, "rules", list(reasons))
        raised = f"；级别由 {name(before)} 升至 {name(alert.severity)}" if alert.severity != before else ""
        record_change(alert, by, alert.state, alert.state,
                      (absorb_note or f"事件 {other_id} 已人工并入 {keep_id}：并入其预警 {folded.id}（{folded.title}）")
                      + raised, now)
        alert.incident_id = keep_id
        setattr(alert, "dedup_key", incident_key(keep_id))
        setattr(alert, "updated_at", now.isoformat())
        return alert

    modify(store, folded.id, close)
    modify(store, survivor.id, absorb)


def _attach(store, card_id: str, other_id: str, keep_id: str, by: str, now: datetime, *, own_card: bool) -> None:
    def move(alert: Alert) -> Optional[Alert]:
        if alert.incident_id != other_id:
            return None
        alert.incident_id = keep_id
        if own_card:
            setattr(alert, "dedup_key", incident_key(keep_id))
        record_change(alert, by, alert.state, alert.state, f"事件 {other_id} 已人工并入 {keep_id}：本预警随之改属 {keep_id}",
                      now)
        setattr(alert, "updated_at", now.isoformat())
        return alert

    modify(store, card_id, move)
