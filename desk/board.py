"""The rescue board (救援台): statuses, claims, call notes, teams, manual merge and split of requests.

A row is a ``rescue_requests`` record, typed :class:`alerts.requests.RescueRequest` (made and merged
across cycles by :func:`alerts.requests.keep_requests`). The desk adds fields to it and never renames
the engine's: ``status`` (below; the engine's ``open`` reads as ``new``), ``claimed_by``/``claim_until``
(认领: one operator calls the number, the claim expires), ``team`` (派单: the rescue team), ``notes``
(call results), ``merged_into``/``merged_from`` and ``split_phones``/``split_from`` (manual decisions
the engine keeps on its next cycle), ``history`` (every change: who, when, action, from, to, note)
and ``updated_at``.

Every change is a read-modify-write with the store's version token
(:meth:`~yuqing.storage.base.Store.update_record`): given the version the operator saw, a change
made meanwhile by someone else is refused with :class:`~yuqing.errors.ConflictError` (the operator
reloads and sees it); without one, the change is re-applied to the newest row. Either way nothing
another operator wrote is overwritten. Each change is also an audit event
(:mod:`governance.audit`). Rows whose personal data was purged (``personal_purged_at``) stay on
the board with their street, needs and counts.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Iterable, Optional

from alerts.requests import KIND, RescueRequest
from yuqing.errors import ConflictError, InputError, NotFound, TransitionError
from yuqing.records import now as _now, stable_id

#: status → its label on the board and in the teams' sheet
STATUSES = {
    "new": "待核实", "verified": "已核实", "dispatched": "已派单", "in_progress": "救援中",
    "rescued": "已救出/已解决", "safe": "已报平安", "unreachable": "无法联系", "duplicate": "重复",
    "invalid": "无效/虚假",
}
#: statuses a row can be in that still need someone (the board's default view)
OPEN_STATUSES = ("new", "verified", "dispatched", "in_progress", "unreachable")
#: the engine's own values (``yuqing rescue``) and what they mean on the board
LEGACY = {"open": "new"}
#: status → statuses it may change to; a closed row can be reopened (还有人被困, a wrong 平安 report)
TRANSITIONS = {
    "new": {"verified", "dispatched", "in_progress", "rescued", "safe", "unreachable", "duplicate", "invalid"},
    "verified": {"new", "dispatched", "in_progress", "rescued", "safe", "unreachable", "duplicate", "invalid"},
    "dispatched": {"verified", "in_progress", "rescued", "safe", "unreachable", "duplicate", "invalid"},
    "in_progress": {"dispatched", "rescued", "safe", "unreachable"},
    "unreachable": {"new", "verified", "dispatched", "in_progress", "rescued", "safe", "duplicate", "invalid"},
    "rescued": {"verified", "in_progress"},
    "safe": {"new", "verified", "in_progress"},
    "duplicate": {"new"},
    "invalid": {"new"},
}
_BY_LABEL = {part: key for key, label in STATUSES.items() for part in [label, *label.split("/")]}
_RETRIES = 8


def parse_status(value: str) -> str:
    """``verified`` or its label ``已核实`` → ``verified``; anything else is an error naming the choices."""
    text = (value or "").strip()
    if text in STATUSES:
        return text
    if text in LEGACY:
        return LEGACY[text]
    if text in _BY_LABEL:
        return _BY_LABEL[text]
    choices = "、".join(f"{k} {v}" for k, v in STATUSES.items())
    raise InputError(f"unknown status {value!r}; choose one of: {choices}")


def status_of(data: dict) -> str:
    status = data.get("status") or "new"
    return LEGACY.get(status, status)


def row(data: dict, now: Optional[datetime] = None) -> dict[str, Any]:
    """A board row as ``yuqing desk list`` prints it (the contract's request fields first)."""
    now = now or _now()
    claim_until = data.get("claim_until")
    claimed = bool(data.get("claimed_by") and claim_until and datetime.fromisoformat(claim_until) > now)
    status = status_of(data)
    return {
        "request_id": data.get("request_id") or data["id"], "doc_ids": list(data.get("doc_ids") or []),
        "phones": list(data.get("phones") or []), "address": data.get("address"), "street": data.get("street"),
        "people_count": data.get("people_count"), "vulnerable": list(data.get("vulnerable") or []),
        "needs": list(data.get("needs") or []), "urgency": data.get("urgency"), "status": status,
        "assignee": data.get("team"), "updated_at": data.get("updated_at") or data.get("last_seen"),
        "status_label": STATUSES.get(status, status), "claimed_by": data.get("claimed_by") if claimed else None,
        "claim_until": claim_until if claimed else None, "verified_by": data.get("verified_by"),
        "notes": [n.get("text", "") for n in data.get("notes") or []], "alert_id": data.get("alert_id"),
        "first_seen": data.get("first_seen"), "last_seen": data.get("last_seen"),
        "merged_into": data.get("merged_into"), "personal_purged_at": data.get("personal_purged_at"),
    }


def list_requests(store, *, statuses: Iterable[str] = (), street: Optional[str] = None,
                  limit: Optional[int] = None) -> list[dict]:
    """Board rows (dicts of the stored fields), still-open first, then most urgent, then earliest."""
    wanted = [parse_status(s) for s in statuses] or list(STATUSES)
    base: dict[str, Any] = {"street": street} if street else {}
    rows: list[dict] = []
    # open rows first, then the closed ones: with a limit, the store reads only what is shown
    for part in ([s for s in wanted if s in OPEN_STATUSES], [s for s in wanted if s not in OPEN_STATUSES]):
        if not part or (limit and len(rows) >= limit):
            continue
        where = {**base, "status": sorted(set(part) | {k for k, v in LEGACY.items() if v in part})}
        records = store.find_records(KIND, where, order_by="urgency", descending=True,
                                     limit=(limit - len(rows)) if limit else None)
        rows.extend(r.model_dump(mode="json") for r in records)
    rows.sort(key=lambda d: (status_of(d) not in OPEN_STATUSES, -float(d.get("urgency") or 0.0),
                             d.get("first_seen") or ""))
    return rows[:limit] if limit else rows


def same_phone(rows: Iterable[dict]) -> dict[str, list[str]]:
    """For each open row of ``rows``, the other open rows that give one of its phones.

    Likely one request reported twice, for the desk to check and merge by hand: a post naming two
    phones already on two rows joins the first and brings the second phone with it
    (:func:`alerts.requests.keyed_requests`), and the engine never merges rows itself (a phone can also
    be a volunteer's, given for several families). Rows merged into another are left out."""
    live = [d for d in rows if status_of(d) in OPEN_STATUSES and not d.get("merged_into")]
    holders: dict[str, list[str]] = {}
    for data in live:
        for phone in data.get("phones") or []:
            holders.setdefault(phone, []).append(data["id"])
    found: dict[str, list[str]] = {}
    for data in live:
        others = dict.fromkeys(o for p in data.get("phones") or [] for o in holders[p] if o != data["id"])
        if others:
            found[data["id"]] = list(others)
    return found


def get(store, request_id: str) -> tuple[dict, str]:
    """The row and its version token; :class:`NotFound` names the id."""
    found = store.get_versioned(KIND, request_id)
    if found is None:
        raise NotFound(f"no request for help with id {request_id!r} (yuqing desk list shows the ids)")
    return found.record.model_dump(mode="json"), found.version


def change(store, request_id: str, by: str, edit: Callable[[dict], dict], *, action: str,
           expected_version: Optional[str] = None, now: Optional[datetime] = None,
           audit_detail: str = "") -> tuple[dict, str]:
    """Apply ``edit`` to the row and keep it, with a history entry and an audit event.

    Args:
        edit: changes the row's dict in place and returns the history entry's details
            (``{"from", "to", "note"}`` as they apply); raises to refuse the change.
        expected_version: the version the operator saw; a newer row raises ConflictError.
    Returns:
        The row as written and its new version.
    """
    if not (by or "").strip():
        raise InputError("say who makes the change (--by NAME)")
    now = now or _now()
    for _ in range(_RETRIES):
        data, version = get(store, request_id)
        if expected_version is not None and version != expected_version:
            raise ConflictError(f"request {request_id} was changed by someone else since you read it "
                                f"(last by {_last_by(data)}); reload it and try again")
        entry = edit(data) or {}
        data.setdefault("history", []).append({"who": by, "when": now.isoformat(), "action": action, **entry})
        data["updated_at"] = now.isoformat()
        try:
            new_version = store.update_record(KIND, RescueRequest.model_validate(data), version)
        except ConflictError:
            if expected_version is not None:
                raise ConflictError(f"request {request_id} was changed by someone else at the same moment; "
                                    f"reload it and try again") from None
            continue  # the engine or another operator wrote first: apply ours to the newest row
        _audit(store, by, action, request_id, audit_detail or _describe(action, entry), now)
        return data, new_version
    raise ConflictError(f"request {request_id}: too many concurrent changes; try again")


def _last_by(data: dict) -> str:
    history = data.get("history") or []
    return history[-1]["who"] if history else "the engine"


def _describe(action: str, entry: dict) -> str:
    parts = [action]
    if entry.get("from") or entry.get("to"):
        parts.append(f"{entry.get('from')} → {entry.get('to')}")
    if entry.get("note"):
        parts.append(entry["note"])
    return " ".join(str(p) for p in parts)


def _audit(store, by: str, action: str, request_id: str, detail: str, when: datetime) -> None:
    from governance import audit

    audit.append(store, action, who=by, role="desk", target_kind=KIND, target_id=request_id, detail=detail,
                 when=when)


def set_status(store, request_id: str, status: str, *, by: str, note: str = "",
               expected_version: Optional[str] = None, now: Optional[datetime] = None) -> tuple[dict, str]:
    """Move a row to ``status`` (a key or its Chinese label) if the board allows it from where it is."""
    target = parse_status(status)

    def edit(data: dict) -> dict:
        current = status_of(data)
        if target != current and target not in TRANSITIONS.get(current, set()):
            raise TransitionError(f"request {request_id}: {STATUSES.get(current, current)} → "
                                  f"{STATUSES[target]} is not allowed; from {STATUSES.get(current, current)} "
                                  f"it can go to {'、'.join(STATUSES[s] for s in sorted(TRANSITIONS.get(current, ())))}")
        data["status"] = target
        if target == "verified":
            data["verified_by"] = by
        stamp = (now or _now()).isoformat()
        data.setdefault("status_times", {}).setdefault(target, stamp)
        if note:
            data.setdefault("notes", []).append({"who": by, "when": stamp, "text": note})
        return {"from": current, "to": target, "note": note}

    return change(store, request_id, by, edit, action="desk_status", expected_version=expected_version, now=now)


def claim(store, request_id: str, *, by: str, minutes: float = 15.0, now: Optional[datetime] = None,
          expected_version: Optional[str] = None) -> tuple[dict, str]:
    """认领: ``by`` calls this number now; another operator's live claim refuses it (ConflictError)."""
    now = now or _now()

    def edit(data: dict) -> dict:
        holder, until = data.get("claimed_by"), data.get("claim_until")
        if holder and holder != by and until and datetime.fromisoformat(until) > now:
            raise ConflictError(f"request {request_id} is claimed by {holder} until "
                                f"{datetime.fromisoformat(until):%H:%M}; choose another row")
        data["claimed_by"] = by
        data["claim_until"] = (now + timedelta(minutes=minutes)).isoformat()
        return {"to": by, "note": f"至 {data['claim_until'][11:16]}"}

    return change(store, request_id, by, edit, action="desk_claim", expected_version=expected_version, now=now)


def release(store, request_id: str, *, by: str, now: Optional[datetime] = None) -> tuple[dict, str]:
    """Give a claim back (only its holder, or anyone once it expired)."""
    now = now or _now()

    def edit(data: dict) -> dict:
        holder, until = data.get("claimed_by"), data.get("claim_until")
        if holder and holder != by and until and datetime.fromisoformat(until) > now:
            raise ConflictError(f"request {request_id} is claimed by {holder}, not by {by}")
        data["claimed_by"], data["claim_until"] = None, None
        return {"from": holder}

    return change(store, request_id, by, edit, action="desk_release", now=now)


def add_note(store, request_id: str, text: str, *, by: str, now: Optional[datetime] = None,
             expected_version: Optional[str] = None) -> tuple[dict, str]:
    """A call's result (电话未接通、已转移到三楼…) on the row."""
    if not text.strip():
        raise InputError("the note is empty")
    stamp = (now or _now()).isoformat()

    def edit(data: dict) -> dict:
        data.setdefault("notes", []).append({"who": by, "when": stamp, "text": text.strip()})
        return {"note": text.strip()}

    return change(store, request_id, by, edit, action="desk_note", expected_version=expected_version, now=now)


def assign(store, request_id: str, team: str, *, by: str, now: Optional[datetime] = None,
           expected_version: Optional[str] = None) -> tuple[dict, str]:
    """派单 to a rescue team; a row still 待核实/已核实 becomes 已派单."""

    def edit(data: dict) -> dict:
        before = data.get("team")
        data["team"] = team.strip()
        if status_of(data) in ("new", "verified", "unreachable"):
            data["status"] = "dispatched"
            data.setdefault("status_times", {}).setdefault("dispatched", (now or _now()).isoformat())
        return {"from": before, "to": data["team"]}

    return change(store, request_id, by, edit, action="desk_assign", expected_version=expected_version, now=now)


def _union(*lists) -> list:
    return list(dict.fromkeys(x for values in lists for x in values or []))


def merge(store, keep_id: str, other_ids: Iterable[str], *, by: str, now: Optional[datetime] = None) -> dict:
    """Merge rows by hand: ``keep_id`` takes the others' posts, phones and needs; they become 重复
    with ``merged_into``. The engine keeps it: a later repost of a merged row lands on ``keep_id``."""
    others = [o for o in dict.fromkeys(other_ids) if o != keep_id]
    if not others:
        raise InputError("name at least one other request to merge into " + keep_id)
    rows = [get(store, o)[0] for o in others]
    get(store, keep_id)

    def absorb(data: dict) -> dict:
        for other in rows:
            for name in ("doc_ids", "phones", "vulnerable", "needs", "safe_doc_ids"):
                data[name] = _union(data.get(name), other.get(name))
            data["people_count"] = max(filter(None, [data.get("people_count"), other.get("people_count")]),
                                       default=None)
            data["urgency"] = max(float(data.get("urgency") or 0), float(other.get("urgency") or 0))
            data["address"] = data.get("address") or other.get("address")
        data["merged_from"] = _union(data.get("merged_from"), others)
        return {"note": "合并 " + "、".join(others)}

    kept, _ = change(store, keep_id, by, absorb, action="desk_merge", now=now)

    def mark(data: dict) -> dict:
        current = status_of(data)
        data["status"], data["merged_into"] = "duplicate", keep_id
        return {"from": current, "to": "duplicate", "note": f"并入 {keep_id}"}

    for other in others:
        change(store, other, by, mark, action="desk_merge", now=now)
    return kept


def split(store, request_id: str, doc_ids: Iterable[str], *, by: str, phones: Iterable[str] = (),
          now: Optional[datetime] = None) -> dict:
    """Split posts (and the phones they give) off a row into a new one: two families, not one.

    The original keeps ``split_phones`` (phone → new row), so the engine sends a later repost with
    such a phone to the new row instead of merging it back.
    """
    moved_docs = list(dict.fromkeys(doc_ids))
    data, _ = get(store, request_id)
    unknown = [d for d in moved_docs if d not in (data.get("doc_ids") or [])]
    if not moved_docs or unknown:
        raise InputError(f"request {request_id}: give post ids of this row to split off"
                         + (f" (not on it: {', '.join(unknown)})" if unknown else ""))
    if len(moved_docs) >= len(data.get("doc_ids") or []):
        raise InputError(f"request {request_id}: leave at least one post on the original row")
    moved_phones = [p for p in dict.fromkeys(phones) if p in (data.get("phones") or [])]
    new_id = "split:" + stable_id(request_id, *moved_docs)[:16]
    stamp = (now or _now()).isoformat()
    fresh = {k: data.get(k) for k in ("street", "address", "people_count", "vulnerable", "needs", "urgency",
                                      "alert_id", "first_seen", "last_seen")}
    fresh.update(id=new_id, request_id=new_id, doc_ids=moved_docs, phones=moved_phones, status="new",
                 split_from=request_id, updated_at=stamp,
                 history=[{"who": by, "when": stamp, "action": "desk_split", "note": f"拆自 {request_id}"}])
    store.update_record(KIND, RescueRequest.model_validate(fresh), None)

    def shrink(row_data: dict) -> dict:
        row_data["doc_ids"] = [d for d in row_data.get("doc_ids") or [] if d not in moved_docs]
        row_data["phones"] = [p for p in row_data.get("phones") or [] if p not in moved_phones]
        row_data["split_phones"] = {**(row_data.get("split_phones") or {}), **{p: new_id for p in moved_phones}}
        row_data["split_docs"] = {**(row_data.get("split_docs") or {}), **{d: new_id for d in moved_docs}}
        return {"note": f"拆出 {new_id}：{len(moved_docs)} 篇"}

    change(store, request_id, by, shrink, action="desk_split", now=now)
    _audit(store, by, "desk_split", new_id, f"split from {request_id}", now or _now())
    return fresh
