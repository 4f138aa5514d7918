"""De-duplication and aggregation (合并): one open alert per rule per incident, request or key.

A finding whose key already has an open alert updates that alert (new documents, a higher colour,
never a lower one); otherwise a new alert is created. Whether to notify follows ``realert``
throttling and the configured silences.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from alerts.lifecycle import modify, record_change
from alerts.rules.base import Finding
from alerts.severity import higher, name
from yuqing.errors import ConflictError
from yuqing.records import OPEN_ALERT_STATES, Alert, SimilarCase, severity_rank, stable_id

MAX_DOC_IDS = 500


@dataclass
class Outcome:
    alert: Alert
    event: str            # created | raised | updated | unchanged
    notify: bool
    silenced_by: Optional[str] = None


def dedup_key(rule_name: str, finding: Finding) -> str:
    return f"{rule_name}:{finding.dedup_key}"


def open_alert_id(store, key: str) -> Optional[str]:
    found = store.find_records("alerts", {"dedup_key": key, "state": list(OPEN_ALERT_STATES)},
                               order_by="created_at", descending=True, limit=1)
    return found[0].id if found else None


def apply_finding(store, rule_name: str, finding: Finding, severity: str, reasons: list[str], now: datetime,
                  extra: dict[str, Any], realert_minutes: int, silences: list[dict],
                  notify_if: Callable[[Alert], bool] = lambda alert: True,
                  existing: Optional[str] = "?") -> Outcome:
    """Create or update the open alert for ``finding``; say whether it should be notified.

    ``notify_if`` says whether an alert that is due a notification gets one (severity floor,
    notifiers configured); ``notified_at`` is then written with the alert, in the same write.
    ``existing`` is the open alert's id when the caller already looked it up.
    """
    key = dedup_key(rule_name, finding)
    silence = silenced(silences, rule_name, finding.street, finding.category, now)
    for _ in range(3):
        if existing == "?":
            existing = open_alert_id(store, key)
        if existing is None:
            alert = _new_alert(rule_name, key, finding, severity, reasons, now, extra)
            notify = silence is None and notify_if(alert)
            if notify:
                setattr(alert, "notified_at", now.isoformat())
            try:
                store.update_record("alerts", alert, None)
            except ConflictError:
                existing = "?"
                continue  # created by someone else meanwhile: update that one instead
            return Outcome(alert, "created", notify, silence)
        result: dict[str, Any] = {}

        def change(alert: Alert) -> Optional[Alert]:
            merged = _merge(alert, finding, severity, reasons, now, result, realert_minutes)
            result["notify"] = bool(merged is not None and result.get("notify") and silence is None
                                    and notify_if(merged))
            if result["notify"]:
                setattr(merged, "notified_at", now.isoformat())
            return merged

        alert = modify(store, existing, change)
        return Outcome(alert, result.get("event", "unchanged"), result["notify"], silence)
    raise ConflictError(f"alert for {key} could not be written; it will be tried again next cycle")


def _new_alert(rule_name, key, finding, severity, reasons, now, extra) -> Alert:
    data = dict(
        id=stable_id(key, now.isoformat())[:20], rule=rule_name, severity=severity, title=finding.title,
        summary=finding.summary, incident_id=finding.incident_id, doc_ids=finding.doc_ids[-MAX_DOC_IDS:],
        street=finding.street, category=finding.category, created_at=now, state="new",
        calendar=finding.calendar, similar_cases=[SimilarCase(**c) for c in finding.similar_cases],
        history=[], dedup_key=key, reasons=reasons, evidence=_jsonable(finding.evidence),
        updated_at=now.isoformat(), notified_at=None, escalation_level=0)
    data.update(extra)
    alert = Alert(**data)
    record_change(alert, "system", None, "new", "；".join(reasons), now)
    return alert


def _merge(alert: Alert, finding: Finding, severity: str, reasons: list[str], now: datetime,
           result: dict, realert_minutes: int) -> Optional[Alert]:
    new_docs = [d for d in finding.doc_ids if d not in set(alert.doc_ids)]
    raised = severity_rank(severity) < severity_rank(alert.severity)
    if not new_docs and not raised:
        result["event"] = "unchanged"
        return None
    alert.doc_ids = (alert.doc_ids + new_docs)[-MAX_DOC_IDS:]
    if raised:
        record_change(alert, "system", alert.state, alert.state,
                      f"新证据：级别由 {name(alert.severity)} 升至 {name(severity)}；" + "；".join(reasons), now)
        alert.severity = higher(alert.severity, severity)
    alert.title = finding.title
    if finding.summary:
        alert.summary = finding.summary
    alert.calendar = sorted(set(alert.calendar) | set(finding.calendar))
    if finding.similar_cases:
        alert.similar_cases = [SimilarCase(**c) for c in finding.similar_cases]
    setattr(alert, "evidence", _jsonable(finding.evidence))
    setattr(alert, "reasons", reasons)
    setattr(alert, "updated_at", now.isoformat())
    last = getattr(alert, "notified_at", None)
    due = last is None or now - datetime.fromisoformat(last) >= timedelta(minutes=realert_minutes)
    result["event"] = "raised" if raised else "updated"
    result["notify"] = raised or due
    return alert


def silenced(silences: list[dict], rule: str, street: Optional[str], category: Optional[str],
             now: datetime) -> Optional[str]:
    """The reason of the first silence that covers this alert, or ``None``."""
    for entry in silences:
        if entry.get("rule") and entry["rule"] != rule:
            continue
        if entry.get("street") and entry["street"] != street:
            continue
        if entry.get("category") and entry["category"] != category:
            continue
        until = entry.get("until")
        if until:
            end = datetime.fromisoformat(str(until))
            if end.tzinfo is None:
                end = end.replace(tzinfo=now.tzinfo)
            if now >= end:
                continue
        return entry.get("reason") or "silenced"
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and value != value:
        return None
    return value
