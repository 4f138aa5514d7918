"""Follow-up posts arriving on a board row (后续消息): "已安全", "已获救" close it, "还在等", "还没人来" raise it.

A post is matched to a row the way the engine groups requests (:mod:`nlp.rescue_group`): the
same phone, or the same precise address. A "safe" post marks an open row 已报平安 with the post
cited (``followups``); a "still waiting" post raises its urgency (and reopens a row marked
救出/平安, since someone says they are still there). Each is a history entry by ``engine``; an
analyst undoes one with :func:`undo`, which restores the status and urgency from before it.
Posts already applied, and a row's own first post, are skipped, so running twice changes nothing.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable, Optional

from desk import board
from yuqing.records import Analysis, Document, now as _now

WAITING = re.compile(r"还在等|还没人来|还没有人来|仍然被困|仍被困|还被困|还是没人|没人来救|一直没人|还在楼顶|还没救")
#: how much a "still waiting" post raises a row's urgency (capped at 1)
WAITING_BOOST = 0.15
ENGINE = "engine"


def kind_of(text: str) -> Optional[str]:
    """``safe``, ``waiting`` or ``None`` for a post's text."""
    from nlp.rescue_group import SAFE
    from nlp.text import normalize

    plain = normalize(text[:5000]).text
    if WAITING.search(plain):
        return "waiting"
    if SAFE.search(plain):
        return "safe"
    return None


def _keys(doc: Document, analysis: Optional[Analysis]) -> tuple[list[str], Optional[str]]:
    from nlp.phones import extract_phones
    from nlp.rescue_group import address_key

    rescue = analysis.rescue if analysis is not None else None
    phones = list(rescue.phones) if rescue and rescue.phones else extract_phones(doc.text[:5000])
    address = rescue.address if rescue else None
    if address is None:
        from nlp.location import default_locator
        from nlp.rescue import find_address
        address = find_address(doc.text[:2000], default_locator())
    return phones, address_key(address)


def _index(store) -> tuple[dict[str, str], dict[str, str]]:
    """phone → row id and address key → row id, over every row not merged into another."""
    from nlp.rescue_group import address_key

    by_phone, by_address = {}, {}
    for data in board.list_requests(store):
        if data.get("merged_into"):
            continue
        for phone in data.get("phones") or []:
            by_phone.setdefault(phone, data["id"])
        key = address_key(data.get("address"))
        if key:
            by_address.setdefault(key, data["id"])
    return by_phone, by_address


def apply_followups(store, items: Iterable[tuple[Document, Optional[Analysis]]],
                    now: Optional[datetime] = None) -> int:
    """Apply the follow-up posts among ``items`` to their rows; returns how many rows changed."""
    now = now or _now()
    found = [(doc, analysis, kind) for doc, analysis in items if (kind := kind_of(doc.text))
             # a request saying 已转移 of some people is still a request ("还有3人被困"): never "safe"
             and not (kind == "safe" and analysis is not None and analysis.rescue and analysis.rescue.is_request)]
    if not found:
        return 0
    by_phone, by_address = _index(store)
    changed = 0
    for doc, analysis, kind in found:
        phones, address = _keys(doc, analysis)
        row_id = next((by_phone[p] for p in phones if p in by_phone), None) or by_address.get(address or "")
        if row_id is not None and apply_one(store, row_id, doc, kind, now):
            changed += 1
    return changed


def apply_one(store, row_id: str, doc: Document, kind: str, now: datetime) -> bool:
    """Apply one follow-up post to one row; ``False`` if it was applied before or does not apply."""
    data, _version = board.get(store, row_id)
    if doc.id in {f.get("doc_id") for f in data.get("followups") or []} or doc.id == (data.get("doc_ids") or [None])[0]:
        return False
    status = board.status_of(data)
    if status in ("duplicate", "invalid") or (kind == "safe" and status in ("safe", "rescued")):
        return False

    def edit(row: dict) -> dict:
        before = {"status": board.status_of(row), "urgency": row.get("urgency")}
        entry = {"doc_id": doc.id, "kind": kind, "when": now.isoformat(), "before": before,
                 "quote": doc.text[:120]}
        row.setdefault("followups", []).append(entry)
        if kind == "safe":
            row["status"] = "safe"
            row["safe_doc_ids"] = list(dict.fromkeys([*(row.get("safe_doc_ids") or []), doc.id]))
            row.setdefault("status_times", {}).setdefault("safe", now.isoformat())
            return {"from": before["status"], "to": "safe", "note": f"后续消息 {doc.id}：已报平安", "doc_id": doc.id}
        row["urgency"] = round(min(1.0, float(row.get("urgency") or 0.0) + WAITING_BOOST), 4)
        if before["status"] in ("safe", "rescued"):
            row["status"] = "verified"
        return {"from": before["status"], "to": board.status_of(row), "note": f"后续消息 {doc.id}：仍在等待救援",
                "doc_id": doc.id}

    board.change(store, row_id, ENGINE, edit, action="desk_followup", now=now)
    return True


def undo(store, row_id: str, doc_id: str, *, by: str, now: Optional[datetime] = None) -> dict:
    """Undo a follow-up the engine applied (a wrong match): status and urgency as before it."""

    def edit(row: dict) -> dict:
        entries = [f for f in row.get("followups") or [] if f.get("doc_id") == doc_id and not f.get("undone")]
        if not entries:
            from yuqing.errors import InputError
            raise InputError(f"request {row_id}: no follow-up post {doc_id} to undo")
        entry = entries[-1]
        entry["undone"] = True
        current = board.status_of(row)
        row["status"] = entry["before"]["status"]
        row["urgency"] = entry["before"]["urgency"]
        row["safe_doc_ids"] = [d for d in row.get("safe_doc_ids") or [] if d != doc_id]
        return {"from": current, "to": row["status"], "note": f"撤销后续消息 {doc_id}", "doc_id": doc_id}

    data, _ = board.change(store, row_id, by, edit, action="desk_followup_undo", now=now)
    return data
