"""Alerts about a watched project, routed to its owners (项目负责人).

An alert is about the project when it cites one of the project's evidence posts (the posts that
name its place and one of its words, :mod:`assessment.evidence`), or when its own title or
summary names the place and a project word. Such an alert gets, on the alert itself (extensions
of the contract's record): ``projects`` (the project ids) and ``project_owners`` (the
``web.users`` names who own them), and a line in its history ("关于稳评项目…，已转项目负责人…");
the state and the assignee the analysts set are left alone. A ``project_alerts`` record
(``project:alert``) lists it on the project's watch page, which is where an owner — who never sees
the queue — reads it.

Each cycle looks at the alerts created since the previous one (an hour of overlap), of the
project's street or without a street; the first cycle looks at all of them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Optional

from alerts.lifecycle import modify as modify_alert
from yuqing.records import AlertChange
from yuqing.storage.base import JsonRecord

OVERLAP = timedelta(hours=1)
MAX_ALERTS = 5000
ROUTER = "稳评监测"


def about(alert, evidence_ids: set[str], places: list[str], words: list[str]) -> bool:
    if evidence_ids & set(alert.doc_ids or []):
        return True
    text = f"{alert.title} {alert.summary or ''}"
    return any(p in text for p in places) and any(w in text for w in words)


def candidates(store, street: Optional[str], since: Optional[datetime]) -> list:
    wheres = [{"street": street}, {"street": None}] if street else [None]
    found = {}
    for where in wheres:
        for alert in store.find_records("alerts", where, since=since, order_by="created_at", descending=True,
                                        limit=MAX_ALERTS):
            found[alert.id] = alert
    return list(found.values())


def route(store, project, *, evidence_ids: Iterable[str], places: list[str], words: list[str],
          owners: list[str], since: Optional[datetime], now: datetime) -> list[str]:
    """Route the project's new alerts to ``owners``; returns the ids routed in this cycle."""
    pid, ids = project.id, set(evidence_ids)
    routed = []
    for alert in candidates(store, getattr(project, "street", None), since - OVERLAP if since else None):
        if pid in (getattr(alert, "projects", None) or []) or not about(alert, ids, places, words):
            continue

        def mark(fresh):
            if pid in (getattr(fresh, "projects", None) or []):
                return None
            fresh.projects = [*(getattr(fresh, "projects", None) or []), pid]
            fresh.project_owners = list(dict.fromkeys([*(getattr(fresh, "project_owners", None) or []), *owners]))
            note = f"关于稳评项目「{project.name}」，已转项目负责人 {'、'.join(owners) if owners else '（未指定负责人）'}"
            fresh.history = [*fresh.history, AlertChange(who=ROUTER, when=now, from_state=fresh.state,
                                                         to_state=fresh.state, note=note)]
            return fresh
        modify_alert(store, alert.id, mark)
        store.put_records("project_alerts", [JsonRecord(
            id=f"{pid}:{alert.id}", project_id=pid, alert_id=alert.id, owners=owners,
            routed_at=now.isoformat(timespec="seconds"), created_at=alert.created_at.isoformat())])
        routed.append(alert.id)
    return routed


def routed_alerts(store, pid: str, limit: int = 200) -> list:
    """The alerts routed to the project, newest first."""
    links = store.find_records("project_alerts", {"project_id": pid}, order_by="routed_at", descending=True,
                               limit=limit)
    alerts = [store.get_record("alerts", link.alert_id) for link in links]
    return sorted((a for a in alerts if a is not None), key=lambda a: a.created_at, reverse=True)
