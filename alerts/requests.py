"""Requests for help (求救) from the rescue rule to the emergency desk's rows: the record, the
grouping and the keeping, in one module.

* :class:`RescueRequest` is the record of kind ``rescue_requests``: one row of the desk's board.
* :func:`group_items` and :func:`keyed_requests` decide which posts are one request, in a cycle
  (:func:`nlp.rescue_group.group_requests`) and across cycles (the rule's memory of phones and
  addresses).
* :func:`keep_requests` writes each request onto its row and merges later cycles into it, following
  what the desk decided by hand (merges, splits, statuses).

Why here, and why together: the alert stage makes the rows (the ``rescue_request`` rule finds the
requests), the desk (:mod:`desk`) works them, and the desk is the later stage: alerts may not
import it, the desk may import this. Grouping and keeping are one decision, "which row does this
post belong on": the rule's keys, the desk's hand merges (``merged_into``) and splits
(``split_phones``) all answer it, so they are read and written in one place.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable, Literal, Optional, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from yuqing.errors import ConflictError
from yuqing.records import Need, Record, Vulnerable, aware, stable_id
from yuqing.storage.base import Kind, register_kind

if TYPE_CHECKING:
    from alerts.rules.base import Item

log = logging.getLogger(__name__)

KIND = "rescue_requests"

#: A row's status: the engine's (``open``; ``safe`` from a follow-up post) and the desk's board
#: (:data:`desk.board.STATUSES`, whose labels and allowed moves live there).
RequestStatus = Literal["open", "new", "verified", "dispatched", "in_progress", "rescued", "safe", "unreachable",
                        "duplicate", "invalid"]
REQUEST_STATUSES: tuple[str, ...] = get_args(RequestStatus)

#: how many phones and addresses the rule remembers (the oldest are forgotten first)
MEMORY_LIMIT = 50000
_WRITE_ATTEMPTS = 8


def _aware(value):
    return aware(value) if isinstance(value, datetime) else value


class Note(BaseModel):
    """A call's result on the row (电话未接通、已转移到三楼…)."""

    model_config = ConfigDict(extra="allow")
    who: str
    when: datetime
    text: str

    _aware_when = field_validator("when")(_aware)


class Change(BaseModel):
    """One entry of the row's ``history``; ``from``, ``to``, ``note`` and ``doc_id`` when they apply."""

    model_config = ConfigDict(extra="allow")
    who: str
    when: datetime
    action: str

    _aware_when = field_validator("when")(_aware)


class Followup(BaseModel):
    """A follow-up post applied to the row (:mod:`desk.followups`); ``before`` is what undo restores."""

    model_config = ConfigDict(extra="allow")
    doc_id: str
    kind: Literal["safe", "waiting"]
    when: datetime
    before: dict[str, Any] = Field(default_factory=dict)
    quote: str = ""
    undone: bool = False

    _aware_when = field_validator("when")(_aware)


class RescueRequest(Record):
    """One distinct request for help: a row of the desk's board (kind ``rescue_requests``).

    The contract's request fields (``yuqing rescue``, CONTRACT.md) first, then the engine's, then the
    desk's. Unknown fields are kept (a purge's ``addresses``, a sheet's ``contact``), so rows written
    by an older or newer engine still load.
    """

    # the contract's request (``request_id`` is the row's id unless the desk split it off)
    id: str = Field(min_length=1)
    request_id: Optional[str] = None
    doc_ids: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    address: Optional[str] = None
    street: Optional[str] = None
    people_count: Optional[int] = None
    vulnerable: list[Vulnerable] = Field(default_factory=list)
    needs: list[Need] = Field(default_factory=list)
    urgency: float = Field(default=0.0, ge=0.0, le=1.0)
    # the engine's: the alert card that carries it, when it was first and last seen
    status: RequestStatus = "open"
    alert_id: Optional[str] = None
    first_seen: Optional[datetime] = None
    last_seen: Optional[datetime] = None
    safe_doc_ids: list[str] = Field(default_factory=list)
    # the desk's (desk.board, desk.followups): claims, team, calls, hand merges and splits, history
    claimed_by: Optional[str] = None
    claim_until: Optional[datetime] = None
    team: Optional[str] = None
    verified_by: Optional[str] = None
    notes: list[Note] = Field(default_factory=list)
    status_times: dict[str, datetime] = Field(default_factory=dict)
    merged_into: Optional[str] = None
    merged_from: list[str] = Field(default_factory=list)
    split_from: Optional[str] = None
    split_phones: dict[str, str] = Field(default_factory=dict)  # phone → the row it was split off to
    split_docs: dict[str, str] = Field(default_factory=dict)    # post id → the row it was split off to
    followups: list[Followup] = Field(default_factory=list)
    history: list[Change] = Field(default_factory=list)
    updated_at: Optional[datetime] = None
    personal_purged_at: Optional[datetime] = None  # governance.retention erased its phones and address

    _aware_times = field_validator("first_seen", "last_seen", "claim_until", "updated_at", "personal_purged_at")(
        _aware)

    @field_validator("status_times")
    @classmethod
    def _aware_status_times(cls, value: dict[str, datetime]) -> dict[str, datetime]:
        return {status: aware(when) for status, when in value.items()}


register_kind(Kind(KIND, RescueRequest, fields=("street", "status", "urgency", "last_seen"), time_field="last_seen"))


# --- grouping -------------------------------------------------------------------------------------

def group_items(items: list["Item"]) -> list[dict]:
    """Distinct requests among ``items``, as :func:`nlp.rescue_group.group_requests` groups them.

    If the grouping fails on the batch (another package's bug), each post is grouped alone rather
    than hidden: :func:`keyed_requests` still gives posts sharing a phone or an address one key, so
    they reach one row and one card.
    """
    from nlp.rescue_group import group_requests  # at use: the kind registry imports this module bare

    pairs = [(i.doc, i.analysis) for i in items]
    try:
        return group_requests(pairs)
    except Exception as exc:  # a request for help must not be lost to it
        log.warning("nlp.rescue_group failed on %d posts (%s); grouping each post alone", len(pairs), exc)
    groups: list[dict] = []
    for pair in pairs:
        try:
            groups += group_requests([pair])
        except Exception as exc:
            log.error("nlp.rescue_group failed on post %s: %s", pair[0].id, exc)
    return groups


def normalize_address(address: Optional[str]) -> Optional[str]:
    """An address as the rule remembers it (spaces removed)."""
    return re.sub(r"\s+", "", address or "") or None


def identities(group: dict) -> list[str]:
    """What identifies a request across cycles: ``tel:PHONE``, ``addr:ADDRESS``, ``rid:REQUEST_ID``."""
    ids = [f"tel:{p}" for p in group.get("phones") or []]
    if group.get("address"):
        ids.append(f"addr:{normalize_address(group['address'])}")
    if group.get("request_id"):
        ids.append(f"rid:{group['request_id']}")
    return ids


def keyed_requests(groups: Iterable[dict], known: dict[str, str]) -> list[tuple[str, dict]]:
    """Each open request with its key (``req:…``: its card's de-dup key and its row's id).

    ``known`` (the rule's memory, identity → key) is updated in place: a request already seen under
    one of its phones or addresses keeps its key, so a repost in a later cycle updates the same card
    and row. Requests a follow-up already reported safe are left out (their open card stays for people).
    """
    keyed = []
    for group in groups:
        if group.get("status") == "safe":
            continue
        idents = identities(group)
        key = next((known[i] for i in idents if i in known), None) or "req:" + stable_id(group["doc_ids"][0])[:16]
        for ident in idents:
            known[ident] = key
        keyed.append((key, group))
    for ident in list(known)[:max(0, len(known) - MEMORY_LIMIT)]:
        del known[ident]
    return keyed


# --- keeping --------------------------------------------------------------------------------------

def keep_requests(store, requests: list[tuple[str, dict, str]], now: datetime) -> None:
    """Keep each ``(key, request, alert id)`` on its row of ``rescue_requests``, merged across cycles.

    One row per request (its key), holding the contract's request fields, the id of the alert that
    carries it and when it was first and last seen. A later cycle's reposts and follow-ups add their
    documents, phones, needs and vulnerable groups; urgency and people count keep their highest value.
    What the desk decided is kept (:mod:`desk.board`): its status and fields stay, a row merged by hand
    (``merged_into``) passes new posts to the row it was merged into, and phones split off by hand
    (``split_phones``) go to their new row. Each write is checked against the version read, so an
    operator's change made meanwhile is never overwritten.
    """
    for key, group, alert_id in requests:
        for _ in range(_WRITE_ATTEMPTS):
            target, found = _row_for(store, key, group)
            before = found.record.model_dump(mode="json") if found is not None else {}
            try:
                store.update_record(KIND, _merged(target, before, group, alert_id, now),
                                    found.version if found is not None else None)
                break
            except ConflictError:
                continue  # an operator wrote meanwhile: merge into the newest row


def _merged(target: str, before: dict, group: dict, alert_id: str, now: datetime) -> RescueRequest:
    def union(name):
        return sorted(set(before.get(name) or []) | set(group.get(name) or []))

    people = [n for n in (before.get("people_count"), group.get("people_count")) if n]
    return RescueRequest.model_validate({
        **before, "id": target, "request_id": before.get("request_id") or target,
        "alert_id": before.get("alert_id") or alert_id,
        "doc_ids": list(dict.fromkeys([*(before.get("doc_ids") or []), *(group.get("doc_ids") or [])])),
        "phones": union("phones"), "vulnerable": union("vulnerable"), "needs": union("needs"),
        "address": group.get("address") or before.get("address"),
        "street": group.get("street") or before.get("street"),
        "people_count": max(people) if people else None,
        "urgency": max(float(before.get("urgency") or 0.0), float(group.get("urgency") or 0.0)),
        "status": before.get("status") or group.get("status") or "open",
        "first_seen": before.get("first_seen") or now.isoformat(), "last_seen": now.isoformat()})


def _row_for(store, key: str, group: dict):
    """The row a group's posts belong on (its id, and the row if it exists), following the desk's
    manual merges and splits."""
    target, seen = key, set()
    while target not in seen:
        seen.add(target)
        found = store.get_versioned(KIND, target)
        if found is None:
            return target, None
        data = found.record.model_dump(mode="json")
        phones = set(group.get("phones") or [])
        split = data.get("split_phones") or {}
        moved = {split[p] for p in phones if p in split}
        if data.get("merged_into"):
            target = data["merged_into"]
        elif len(moved) == 1 and phones <= set(split):
            target = moved.pop()
        else:
            return target, found
    return target, store.get_versioned(KIND, target)
