"""Analysts correct the clustering by hand (人工合并/拆分事件), and the engine keeps what they decided.

* :func:`merge` — two incidents are one event: ``keep`` takes the other's posts (``merged_from``), the
  other is closed with ``merged_into``.
* :func:`split` — posts of an incident are another event: they move to a new incident
  (``split_from``/``parent_ids`` name the old one) or, with ``into``, to an existing one.

What follows an incident in later stages is passed in as ``follow``: the alert cards
(:func:`alerts.incident_cards.merge_incidents` and :func:`~alerts.incident_cards.split_incident` are
these two with the cards following, and what the command line and the web call). Clustering comes
before alerts and does not import them.

Each decision is a record of its own (``incident_edits``: who, when, why, and the *pins*: where each
post concerned now belongs), written before the incidents are changed. The cluster stage reads the
decisions about its window on every run and re-clusters around them (:mod:`clustering.pins`), so the
engine never undoes a hand merge or split; :func:`apply` is idempotent and re-applies a decision made
while a run was busy. An incident record keeps a ``history`` of the hand changes (who, when, action,
note), and each decision is written to ``lineage`` and audited (``incident_merge``,
``incident_split``).

Concurrent writes: every change is a read-modify-write with the store's version token, retried on a
conflict. A caller that shows an incident to a person passes the :func:`revision` it showed
(``expected``); when the incident's posts or its merge changed since (another analyst, or the engine
re-clustering), the change is refused with :class:`~yuqing.errors.ConflictError`. The revision covers
membership only: the engine rewrites every incident at each re-clustering, and a page open across one
should not be refused when nothing the analyst saw has changed.
"""
from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping, Optional

from clustering import facets
from clustering.amplification import distinct_authors
from clustering.identity import new_incident_id
from yuqing.errors import ConflictError, InputError, NotFound
from yuqing.records import Incident, now as _now
from yuqing.storage.base import JsonRecord

log = logging.getLogger(__name__)

KIND = "incident_edits"
KINDS = "incidents"
OPEN_STATES = ("emerging", "growing", "peak", "declining")
#: what each hand change is called on the page and in the audit log
ACTIONS = {"merge": "合并事件", "split": "拆分事件"}
_RETRIES = 8
#: posts read to write a split-off incident's keywords (the next re-clustering relabels it)
LABEL_SAMPLE = 400


def revision(incident: Any) -> str:
    """A short fingerprint of what a hand change depends on: the incident's posts and its merge."""
    doc_ids = sorted(getattr(incident, "doc_ids", None) or [])
    merged_into = getattr(incident, "merged_into", None) or ""
    return hashlib.sha1(json.dumps([doc_ids, merged_into]).encode()).hexdigest()[:12]


def decisions(store, since: Optional[datetime] = None) -> list[dict]:
    """Hand decisions whose posts may lie at or after ``since`` (all without it), oldest first."""
    found = [r.model_dump(mode="json") for r in store.find_records(KIND, since=since)]
    return sorted(found, key=lambda d: (str(d.get("when") or ""), d["id"]))


def get(store, incident_id: str) -> Incident:
    found = store.get_record(KINDS, incident_id)
    if found is None:
        raise NotFound(f"no incident with id {incident_id!r} (the web UI's 事件 page lists them)")
    return found


# --- the two hand changes -------------------------------------------------------------------------

#: ``follow(store, other_id, keep_id, by=, now=)`` after a merge: the ids of the records it moved
FollowMerge = Callable[..., list[str]]
#: ``follow(store, incident_id, into, posts, by=, now=)`` after a split
FollowSplit = Callable[..., None]


def merge(store, keep_id: str, other_id: str, *, by: str, note: str = "",
          expected: Optional[Mapping[str, str]] = None, role: Optional[str] = None,
          client: Optional[str] = None, now: Optional[datetime] = None,
          follow: Optional[FollowMerge] = None) -> Incident:
    """Merge ``other_id`` into ``keep_id`` (one event); returns the kept incident as written.

    Args:
        expected: incident id → the :func:`revision` the person saw; a changed incident is refused.
        role, client: who acted, for the audit log (the web UI's role and address).
        follow: moves what belongs to the merged incident in later stages (its alert cards), before
            the audit event is written, which names what moved.
    Raises:
        InputError: no name, the same incident twice, or one of them already merged away.
        NotFound: an incident does not exist.
        ConflictError: an incident changed since the person read it.
    """
    by, note, now = _who(by), (note or "").strip(), now or _now()
    if keep_id == other_id:
        raise InputError(f"an incident cannot be merged into itself ({keep_id})")
    keep, other = get(store, keep_id), get(store, other_id)
    _check(expected, keep, other)
    for incident in (keep, other):
        if getattr(incident, "merged_into", None):
            raise InputError(f"incident {incident.id} was already merged into {incident.merged_into}; "
                             f"merge with {incident.merged_into} instead")
    pins = {d: keep_id for d in [*keep.doc_ids, *other.doc_ids]}
    decision = _record(store, "merge", keep, other_id, by, note, now, pins=pins, merged={other_id: keep_id},
                       until=[keep.last_seen, other.last_seen])
    apply(store, decision)
    stamp = now.isoformat()
    _lineage(store, stamp, [
        {"incident_id": keep_id, "relation": "merged", "merged_from": [other_id], "by": by, "note": note},
        {"incident_id": other_id, "relation": "merged_into", "into": keep_id, "by": by, "note": note}])
    moved = follow(store, other_id, keep_id, by=by, now=now) if follow else []
    detail = f"{other_id} 并入 {keep_id}（{len(other.doc_ids)} 篇）" + (f"；预警 {'、'.join(moved)} 随之并入" if moved else "")
    _audit(store, "incident_merge", by, role, client, keep_id, detail + (f"；备注：{note}" if note else ""), now)
    store.flush()
    return get(store, keep_id)


def split(store, incident_id: str, doc_ids: Iterable[str], *, by: str, note: str = "", into: Optional[str] = None,
          expected: Optional[Mapping[str, str]] = None, role: Optional[str] = None,
          client: Optional[str] = None, now: Optional[datetime] = None,
          follow: Optional[FollowSplit] = None) -> Incident:
    """Move posts of ``incident_id`` to a new incident, or to ``into``; returns the incident they went to.

    ``follow`` tells later stages (a line on the incident's alert card), as :func:`merge`'s does.

    Raises:
        InputError: no name, no posts, posts not in the incident, every post of it (that is a merge),
            or an incident already merged away.
        NotFound: an incident does not exist.
        ConflictError: an incident changed since the person read it.
    """
    by, note, now = _who(by), (note or "").strip(), now or _now()
    moved = list(dict.fromkeys(d for d in doc_ids if d))
    source = get(store, incident_id)
    target = get(store, into) if into else None
    _check(expected, source, *([target] if target else []))
    for incident in (source, *([target] if target else [])):
        if getattr(incident, "merged_into", None):
            raise InputError(f"incident {incident.id} was merged into {incident.merged_into}; "
                             f"split from {incident.merged_into} instead")
    if into == incident_id:
        raise InputError(f"the posts are already in {incident_id}; name another incident with --into")
    unknown = [d for d in moved if d not in source.doc_ids]
    if not moved or unknown:
        raise InputError(f"incident {incident_id}: name posts of this incident to split off"
                         + (f" (not in it: {', '.join(unknown)})" if unknown else ""))
    remaining = [d for d in source.doc_ids if d not in set(moved)]
    if not remaining:
        raise InputError(f"incident {incident_id}: leave at least one post (to move them all, merge instead)")
    into = into or new_incident_id(moved, lambda i: store.get_record(KINDS, i) is not None)
    # the analyst says where the moved posts belong, and that the others stay: both sides are pinned
    pins = {**{d: incident_id for d in remaining}, **{d: into for d in [*(target.doc_ids if target else []), *moved]}}
    decision = _record(store, "split", source, into, by, note, now, pins=pins, moved=moved, new=target is None,
                       until=[source.last_seen])
    apply(store, decision)
    stamp = now.isoformat()
    _lineage(store, stamp, [
        {"incident_id": incident_id, "relation": "split_off", "into": into, "moved": len(moved), "by": by,
         "note": note},
        {"incident_id": into, "relation": "split", "parent_ids": [incident_id], "moved": len(moved), "by": by,
         "note": note}])
    if follow:
        follow(store, incident_id, into, len(moved), by=by, now=now)
    detail = f"{incident_id} 拆出 {len(moved)} 篇到{'新事件' if target is None else '事件'} {into}"
    _audit(store, "incident_split", by, role, client, incident_id, detail + (f"；备注：{note}" if note else ""), now)
    store.flush()
    return get(store, into)


# --- applying a decision (idempotent) --------------------------------------------------------------

def apply(store, decision: Mapping) -> None:
    """Make the incidents say what ``decision`` says; a no-op when they already do."""
    if decision["action"] == "merge":
        _apply_merge(store, decision)
    elif decision["action"] == "split":
        _apply_split(store, decision)
    else:
        log.warning("incident edit %s: unknown action %r skipped", decision.get("id"), decision["action"])


def _apply_merge(store, decision: Mapping) -> None:
    keep_id, other_id = decision["incident_id"], decision["other_id"]
    other = store.get_record(KINDS, other_id)
    if other is None:
        return
    keep_docs = list(dict.fromkeys([*decision["pins"], *other.doc_ids]))
    other_state = getattr(other, "state", None)

    def grow(data: dict) -> bool:
        docs = list(dict.fromkeys([*data.get("doc_ids", []), *keep_docs]))
        changed = docs != data.get("doc_ids") or other_id not in (data.get("merged_from") or [])
        if docs != data.get("doc_ids"):
            data["doc_ids"] = docs
            _refresh(store, data)
            extra = [k for k in other.keywords if k not in data.get("keywords", [])]
            data["keywords"] = [*data.get("keywords", []), *extra][:max(10, len(data.get("keywords", [])))]
        data["merged_from"] = sorted({*(data.get("merged_from") or []), other_id})
        if data.get("state") == "closed" and other_state in OPEN_STATES:
            data.update(state=other_state, burst=getattr(other, "burst", None), closed_at=None)
        return _history(data, decision, "merge", other_id) or changed

    def close(data: dict) -> bool:
        changed = data.get("merged_into") != keep_id or data.get("state") != "closed"
        data.update(merged_into=keep_id, state="closed", closed_at=data.get("closed_at") or decision["when"])
        return _history(data, decision, "merged_into", keep_id) or changed

    _change(store, keep_id, grow, decision)
    _change(store, other_id, close, decision)


def _apply_split(store, decision: Mapping) -> None:
    source_id, into = decision["incident_id"], decision["other_id"]
    moved = list(decision.get("moved") or [])

    def shrink(data: dict) -> bool:
        docs = [d for d in data.get("doc_ids", []) if d not in set(moved)]
        changed = docs != data.get("doc_ids")
        if changed:
            data["doc_ids"] = docs
            _refresh(store, data)
        return _history(data, decision, "split_off", into) or changed

    def receive(data: dict) -> bool:
        docs = list(dict.fromkeys([*data.get("doc_ids", []), *moved]))
        changed = docs != data.get("doc_ids")
        if changed:
            data["doc_ids"] = docs
            _refresh(store, data)
        return _history(data, decision, "split_in", source_id) or changed

    _change(store, source_id, shrink, decision)
    if store.get_record(KINDS, into) is None:
        source = store.get_record(KINDS, source_id)
        try:
            store.update_record(KINDS, _split_incident(store, into, source, decision), None)
            return
        except ConflictError:
            pass  # made meanwhile (the stage re-applying this decision): add to it below
    _change(store, into, receive, decision)


def _split_incident(store, new_id: str, source: Optional[Incident], decision: Mapping) -> Incident:
    """A new incident for posts split off ``source``: facets from their analyses, keywords against the rest."""
    from clustering.labels import class_keywords, make_label

    moved = list(decision.get("moved") or [])
    data: dict[str, Any] = {"id": new_id, "doc_ids": moved, "parent_ids": [decision["incident_id"]],
                            "split_from": decision["incident_id"], "merged_from": [], "created_at": decision["when"],
                            "updated_at": decision["when"], "growth": 0.0,
                            "state": getattr(source, "state", None) or "emerging"}
    if data["state"] == "closed":
        data["closed_at"] = decision["when"]
    _refresh(store, data)
    rest = [d for d in (source.doc_ids if source else []) if d not in set(moved)][-LABEL_SAMPLE:]
    texts = {"moved": [d.text for d in store.get_documents(moved[-LABEL_SAMPLE:])],
             "rest": [d.text for d in store.get_documents(rest)]}
    data["keywords"] = class_keywords(texts, top=10, skip=("rest",)).get("moved", []) if texts["moved"] else []
    data["label"] = make_label(data["keywords"], data.get("streets") or []) or (source.label if source else "")
    _history(data, decision, "split_new", decision["incident_id"])
    return Incident(**data)


# --- helpers ------------------------------------------------------------------------------------------

def _who(by: str) -> str:
    if not (by or "").strip():
        raise InputError("say who makes the change (--by NAME)")
    return by.strip()


def _check(expected: Optional[Mapping[str, str]], *incidents: Incident) -> None:
    for incident in incidents:
        seen = (expected or {}).get(incident.id)
        if seen and seen != revision(incident):
            last = (getattr(incident, "history", None) or [{}])[-1]
            who = f"{last['who']} 于 {str(last.get('when', ''))[:16].replace('T', ' ')}" if last.get("who") else "引擎重新聚类"
            raise ConflictError(f"incident {incident.id} changed since you read it (最近更新：{who}); "
                                f"reload it and try again")


def _record(store, action: str, incident: Incident, other_id: str, by: str, note: str, now: datetime,
            *, pins: dict, until: list, **extra: Any) -> dict:
    """Keep the decision itself (before the incidents change: the stage re-applies it if it must)."""
    times = [t for t in until if t is not None]
    stamp = now.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    record = JsonRecord(id=f"{stamp}-{secrets.token_hex(4)}", action=action, incident_id=incident.id,
                        other_id=other_id, by=by, note=note, when=now.isoformat(),
                        docs_until=(max(times) if times else now).isoformat(), pins=pins,
                        merged=extra.pop("merged", {}), **extra)
    store.update_record(KIND, record, None)
    return record.model_dump(mode="json")


def _change(store, incident_id: str, edit: Callable[[dict], bool], decision: Mapping) -> None:
    """Read, edit and write one incident against its version, again on a conflict; nothing if unchanged."""
    for _ in range(_RETRIES):
        found = store.get_versioned(KINDS, incident_id)
        if found is None:
            return
        data = found.record.model_dump(mode="json")
        if not edit(data):
            return
        data["updated_at"] = decision["when"]
        try:
            store.update_record(KINDS, Incident(**data), found.version)
            return
        except ConflictError:
            continue  # the engine or another analyst wrote first: apply to the newest record
    raise ConflictError(f"incident {incident_id}: too many concurrent changes; try again")


def _history(data: dict, decision: Mapping, action: str, other: str) -> bool:
    """Add the decision's line to the incident's hand history once; whether it was added."""
    history = data.setdefault("history", []) or []
    if any(h.get("decision") == decision["id"] for h in history):
        return False
    data["history"] = [*history, {"decision": decision["id"], "who": decision["by"], "when": decision["when"],
                                  "action": action, "other_id": other, "note": decision.get("note") or "",
                                  "posts": len(decision.get("moved") or []) or None}]
    return True


def _refresh(store, data: dict) -> None:
    """Size, times, streets, category, sentiment and authors from the incident's posts as they now are."""
    doc_ids = data.get("doc_ids") or []
    docs = store.get_documents(doc_ids)
    analyses = store.get_analyses([d.id for d in docs])
    data.update(size=len(doc_ids), posts=len(docs), streets=facets.streets(analyses),
                category=facets.top_category(analyses), sentiment=facets.sentiment_mix(analyses),
                authors=distinct_authors(docs))
    if docs:
        times = [d.published_at for d in docs]
        data.update(first_seen=min(times).isoformat(), last_seen=max(times).isoformat())


def _lineage(store, stamp: str, entries: list[dict]) -> None:
    store.put_records("lineage", [JsonRecord(id=f"{stamp}|{e['incident_id']}|{e['relation']}", run_at=stamp, **e)
                                  for e in entries])


def _audit(store, action: str, by: str, role: Optional[str], client: Optional[str], target: str, detail: str,
           when: datetime) -> None:
    from governance import audit

    audit.append(store, action, who=by, role=role, target_kind=KINDS, target_id=target, client=client,
                 detail=detail, when=when)
