"""Follow-up posts arriving on a board row (后续消息): "已安全", "已获救" close it, "还在等", "还没人来" raise it.

A post is matched to a row the way the engine groups requests (:mod:`nlp.rescue_group`): the
same phone, or the same precise address. A "safe" post marks an open row 已报平安 with the post
cited (``followups``); a "still waiting" post raises its urgency (and reopens a row marked
救出/平安, since someone says they are still there). Each is a history entry by ``engine``; an
analyst undoes one with :func:`undo`, which restores the status and urgency from before it.
Posts already applied, and a row's own first post, are skipped, so running twice changes nothing.

:class:`FollowupStage` is the pipeline stage ``followups``, right after ``alert`` (whose rows it
updates): it reads the new posts as the alert stage does (:func:`alerts.collect.collect`, the same
``alerts.*`` window, its own cursor) and applies the follow-ups among them. ``yuqing run --once`` and a
replay run it after the alert stage, so a follow-up reaches its row in the same cycle. In the service
the two are separate jobs every ``service.alert_interval`` and may run side by side, so a follow-up
that finds no row yet (its request still in a running alert cycle) is tried again on the next runs,
for ``alerts.overlap_minutes``: it reaches its row in the same cycle or the next.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable, Optional

from desk import board
from yuqing.errors import NotConfigured
from yuqing.pipeline import Stage, StageReport
from yuqing.records import Analysis, Document, now as _now

log = logging.getLogger(__name__)

WAITING = re.compile(r"还在等|还没人来|还没有人来|仍然被困|仍被困|还被困|还是没人|没人来救|一直没人|还在楼顶|还没救")
#: words of a post that says some are safe while others still need help: such a post stays a request.
#: The analyser's request flag alone does not decide it: the model of 2026-12-02 gives "已获救，勿再转"
#: posts a request probability near 0.5, and an update that closes a row must not be lost to that.
STILL_IN_NEED = re.compile(r"还有.{0,8}(?:被困|没救|未救|等救|等待|没出来)|仍有.{0,8}被困|仍然被困|还需要|还缺|仍需|"
                           r"急需|求救|救命|无法联系|联系不上|失联|走失|下落不明")
#: how much a "still waiting" post raises a row's urgency (capped at 1)
WAITING_BOOST = 0.15
ENGINE = "engine"
#: the stage's cursor over new posts (alerts.collect), and the follow-ups waiting for their row
CURSOR_KEY = "desk.followups.cursor"
WAITING_KEY = "desk.followups.waiting"
#: at most this many follow-ups wait for their row (the oldest are given up first)
WAITING_MAX = 5000


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


@dataclass
class Applied:
    """What :func:`apply_followups` did: rows changed, follow-ups with no row (yet), posts that failed."""

    changed: int = 0
    unmatched: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def apply_followups(store, items: Iterable[tuple[Document, Optional[Analysis]]],
                    now: Optional[datetime] = None) -> Applied:
    """Apply the follow-up posts among ``items`` to their rows (one failing post does not stop the rest)."""
    now = now or _now()
    found = [(doc, analysis, kind) for doc, analysis in items if (kind := kind_of(doc.text))
             # a request saying 已转移 of some people is still a request ("还有3人被困"): never "safe"
             and not (kind == "safe" and analysis is not None and analysis.rescue and analysis.rescue.is_request
                      and STILL_IN_NEED.search(doc.text[:5000]))]
    applied = Applied()
    if not found:
        return applied
    by_phone, by_address = _index(store)
    for doc, analysis, kind in found:
        try:
            phones, address = _keys(doc, analysis)
            row_id = next((by_phone[p] for p in phones if p in by_phone), None) or by_address.get(address or "")
            if row_id is None:
                applied.unmatched.append(doc.id)
            elif apply_one(store, row_id, doc, kind, now):
                applied.changed += 1
        except Exception as exc:  # logged and counted; the other posts still reach their rows
            log.exception("follow-up post %s could not be applied: %s", doc.id, exc)
            applied.failed.append(doc.id)
    return applied


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


class FollowupStage(Stage):
    """The pipeline stage ``followups``: follow-up posts onto the desk's rows (see the module docstring)."""

    name = "followups"

    @classmethod
    def from_config(cls, config, store) -> "FollowupStage":
        if not config["alerts.enabled"]:
            raise NotConfigured("alerts.enabled is false: no alert stage puts requests on the board")
        return cls(config, store)

    def run_once(self, now: Optional[datetime] = None) -> StageReport:
        from alerts.collect import collect_configured

        now = now or _now()
        batch = collect_configured(self.config, self.store, now, cursor_key=CURSOR_KEY, incidents=False)
        waiting = dict(self.store.get_state(WAITING_KEY) or {})  # post id → when it first found no row
        items = {i.doc.id: (i.doc, i.analysis) for i in batch.items}
        again = [d for d in waiting if d not in items]
        if again:
            analyses = {a.id: a for a in self.store.get_analyses(again)}
            items.update((doc.id, (doc, analyses.get(doc.id))) for doc in self.store.get_documents(again))
        applied = apply_followups(self.store, list(items.values()), now)
        give_up = now - timedelta(minutes=self.config["alerts.overlap_minutes"])
        still = {d: waiting.get(d) or now.isoformat() for d in applied.unmatched}
        still = {d: when for d, when in still.items() if datetime.fromisoformat(when) >= give_up}
        still = dict(sorted(still.items(), key=lambda kv: kv[1])[-WAITING_MAX:])
        if still != waiting:
            self.store.set_state(WAITING_KEY, still)
        self.store.set_state(CURSOR_KEY, batch.cursor)  # after the rows: a crash re-reads, applying nothing twice
        return StageReport(self.name, processed=len(batch.items), created=applied.changed,
                           errors=len(applied.failed), extra={"waiting": len(still), "retried": len(again),
                                                              "failed": applied.failed},
                           detail=f"{applied.changed} rows changed by follow-up posts, "
                                  f"{len(still)} waiting for their row")
