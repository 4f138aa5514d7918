"""A watched project's milestones become windows of the risk calendar (风险日历).

Through the calendar's public, store-backed way in: a ``calendar_proposals`` record whose status is
``accepted`` and whose ``entry`` is a calendar entry (validated with
:func:`event_calendar.entries.parse_entry`) joins every :meth:`event_calendar.Calendar.from_config`
— so the alerts stage's calendar context, the calendar page and ``yuqing calendar upcoming`` see the
project's 公示、听证、清场、开工 dates for its street. Each is a ``milestone`` entry for the project's
street, in the categories of the project's kind (``case_categories`` of kinds.yaml), with the
project's words, warned 14 days ahead.

The records are ``project-<id>-<n>`` (``origin: project``), rewritten every cycle from the card, so
a changed date moves its window; a milestone taken off the card takes its window with it. An
analyst who rejected one (``yuqing calendar reject``) keeps that decision.
"""
from __future__ import annotations

from typing import Any

from event_calendar.entries import parse_entry
from yuqing.storage.base import JsonRecord

SENSITIVITY = 1.5
LEAD_DAYS = 14


def window_ids(pid: str, count: int) -> list[str]:
    return [f"project-{pid}-{n}" for n in range(1, count + 1)]


def entries(pid: str, card, kind) -> list[dict[str, Any]]:
    """The calendar entries of the card's milestones."""
    street = card.location.street
    out = []
    for item in card.timeline:
        entry = {"name": f"{card.name}：{item.milestone}", "kind": "milestone", "date": item.date.isoformat(),
                 "categories": list(kind.case_categories), "streets": [street] if street else [],
                 "keywords": list(card.keywords)[:8], "sensitivity": SENSITIVITY, "lead": LEAD_DAYS,
                 "reason": f"稳评项目「{card.name}」的节点「{item.milestone}」：异议、投诉和聚集多出现在公示、听证、"
                           f"清场、开工等节点前后。", "source": f"project:{pid}"}
        if item.end:
            entry["end_date"] = item.end.isoformat()
        parse_entry(entry, f"project {pid} milestone {item.milestone}")  # RecordError names the field
        out.append(entry)
    return out


def sync(store, pid: str, card, kind, previous_ids: list[str]) -> list[dict[str, Any]]:
    """Write the project's milestone windows; returns ``{"id", "status", **entry}`` for each."""
    made = entries(pid, card, kind)
    ids = window_ids(pid, len(made))
    records, shown = [], []
    for record_id, entry in zip(ids, made):
        before = store.get_record("calendar_proposals", record_id)
        status = "rejected" if getattr(before, "status", None) == "rejected" else "accepted"
        records.append(JsonRecord(
            id=record_id, status=status, category=entry["categories"][0] if entry["categories"] else None,
            street=card.location.street, origin="project", project_id=pid, entry=entry,
            evidence=f"稳评项目「{card.name}」的节点（由项目监测写入日历，不是历史学习的高发期）",
            decided_by=getattr(before, "decided_by", None) or "项目监测 (assessment watch)"))
        shown.append({"id": record_id, "status": status, **entry})
    if records:
        store.put_records("calendar_proposals", records)
    for stale in set(previous_ids) - set(ids):
        store.delete_record("calendar_proposals", stale)
    return shown
