"""Escalation (超时升级): an alert not acknowledged within its severity's deadline escalates.

Each missed deadline adds one escalation level and a history entry (``from`` and ``to`` both
``new``, who ``system``, the note says why and to whom), and a notification to the route's contacts
plus ``alerts.escalation_contacts``. The next level is due after another full deadline.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from alerts.lifecycle import modify, record_change
from alerts.severity import name as severity_name
from yuqing.records import Alert


def deadline(alert: Alert, minutes_by_severity: dict) -> timedelta:
    return timedelta(minutes=float(minutes_by_severity.get(alert.severity, 1440)))


def overdue_alerts(store, minutes_by_severity: dict, now: datetime) -> list[Alert]:
    """Alerts still ``new`` whose next escalation is due."""
    shortest = min((float(m) for m in minutes_by_severity.values()), default=15.0)
    from yuqing.storage.base import Range
    candidates = store.find_records("alerts", {"state": "new", "created_at": Range(lt=now - timedelta(minutes=shortest))},
                                    limit=5000)
    due = []
    for alert in candidates:
        level = int(getattr(alert, "escalation_level", 0) or 0)
        if now - alert.created_at >= deadline(alert, minutes_by_severity) * (level + 1):
            due.append(alert)
    return due


def escalate(store, alert_id: str, minutes_by_severity: dict, contacts: list[str], now: datetime) -> Alert | None:
    """Record one escalation on the alert (if it is still new and due); return it, or ``None``."""
    escalated = {}

    def change(alert: Alert):
        level = int(getattr(alert, "escalation_level", 0) or 0)
        limit = deadline(alert, minutes_by_severity)
        if alert.state != "new" or now - alert.created_at < limit * (level + 1):
            return None
        waited = int(limit.total_seconds() // 60) * (level + 1)
        record_change(alert, "system", "new", "new",
                      f"第 {level + 1} 次升级：{severity_name(alert.severity)}预警 {waited} 分钟未确认"
                      + (f"，已通知 {'、'.join(contacts)}" if contacts else ""), now)
        setattr(alert, "escalation_level", level + 1)
        setattr(alert, "escalated_at", now.isoformat())
        escalated["yes"] = True
        return alert

    alert = modify(store, alert_id, change)
    return alert if escalated else None
