"""De-duplication and aggregation (合并): one open alert per rule per incident, request or key.

A finding whose key already has an open alert updates that alert (new documents, a higher colour,
never a lower one); otherwise a new alert is created. Whether to notify follows ``realert``
throttling and the configured silences.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable, Optional

from alerts.lifecycle import modify, record_change
from alerts.rules.base import Finding
from alerts.severity import higher, name
from yuqing.errors import NotFound
from yuqing.records import OPEN_ALERT_STATES, Alert, SimilarCase, now as _now, severity_rank, stable_id

MAX_DOC_IDS = 500


@dataclass
class Outcome:
    alert: Alert
    event: str            # created | raised | updated | unchanged
    notify: bool
    silenced_by: Optional[str] = None


def dedup_key(rule_name: str, finding: Finding) -> str:
    return f"{rule_name}:{finding.dedup_key}"


#: the store state changed when open cards are moved outside the stage (an analyst merging two
#: incidents, :mod:`alerts.incident_cards`); the stage's :class:`AlertBook` then reads its map again
BOOK_STATE = "alerts.cards_moved"


def cards_moved(store) -> None:
    """Tell every :class:`AlertBook` (this process or another) that open cards changed their keys."""
    store.set_state(BOOK_STATE, {"at": _now().isoformat(), "token": secrets.token_hex(4)})


def open_alert_id(store, key: str) -> Optional[str]:
    found = store.find_records("alerts", {"dedup_key": key, "state": list(OPEN_ALERT_STATES)},
                               order_by="created_at", descending=True, limit=1)
    return found[0].id if found else None


class AlertBook:
    """Which open alert each de-dup key has, kept across cycles; new alerts written in one batch.

    The map is read once from the store (every open alert) and then kept up to date by the stage,
    the only writer that creates alerts. An analyst closing an alert meanwhile is noticed when the
    alert is re-read for its update: a closed alert is never updated, a new one is opened instead.
    New alerts of a cycle are kept in memory (later findings with the same key merge into them) and
    written together by :meth:`flush`, which is what keeps a cycle that opens hundreds of alerts
    cheap on Elasticsearch; updates of stored alerts go through ``update_record`` with their version.
    """

    def __init__(self, store) -> None:
        self.store = store
        self._open: Optional[dict[str, str]] = None
        self._moved_mark: Optional[dict] = None
        self.pending: dict[str, Alert] = {}

    def open_id(self, key: str) -> Optional[str]:
        if self._open is None:
            self._moved_mark = self.store.get_state(BOOK_STATE)
            self._open = {}
            for alert in self.store.find_records("alerts", {"state": list(OPEN_ALERT_STATES)}, order_by="created_at"):
                if getattr(alert, "dedup_key", None):
                    self._open[alert.dedup_key] = alert.id
        if (key.startswith("incident:") and key not in self.pending
                and self.store.get_state(BOOK_STATE) != self._moved_mark):
            # an analyst merged two incidents since the map was read: their cards changed keys or closed
            self._open = None
            return self.open_id(key)
        return self._open.get(key)

    def is_new(self, key: str) -> bool:
        return key not in self.pending and self.open_id(key) is None

    def flush(self) -> list[Alert]:
        """Write the alerts opened since the last flush; returns them."""
        created = list(self.pending.values())
        if created:
            self.store.put_records("alerts", created)
            for key, alert in self.pending.items():
                self._open[key] = alert.id  # type: ignore[index]
            self.pending = {}
        return created

    def apply(self, rule_name: str, finding: Finding, severity: str, reasons: list[str], now: datetime,
              extra: dict[str, Any], realert_minutes: int, silences: list[dict],
              notify_if: Callable[[Alert], bool] = lambda alert: True, key: Optional[str] = None,
              tags: Optional[dict[str, Any]] = None) -> Outcome:
        """Open or update the alert for ``finding``; say whether it should be notified.

        ``notify_if`` says whether an alert due a notification gets one (severity floor, notifiers
        configured); ``notified_at`` is then written with the alert, in the same write. ``key``
        replaces the rule's own de-dup key (``incident:ID``: one card per incident for every rule).
        ``tags`` are fields the card gets when it has none yet (``desk_topic``), new or updated.
        """
        key = key or dedup_key(rule_name, finding)
        silence = silenced(silences, rule_name, finding.street, finding.category, now)
        result: dict[str, Any] = {}

        def change(alert: Alert) -> Optional[Alert]:
            if alert.state not in OPEN_ALERT_STATES:
                result["closed"] = True
                return None
            merged = _merge(alert, finding, severity, reasons, now, result, realert_minutes, rule_name)
            for tag, value in (tags or {}).items():
                if merged is not None and getattr(merged, tag, None) is None:
                    setattr(merged, tag, value)
            result["notify"] = bool(merged is not None and result.get("notify") and silence is None
                                    and notify_if(merged))
            if result["notify"]:
                setattr(merged, "notified_at", now.isoformat())
            return merged

        if key in self.pending:  # opened earlier this cycle: merge in memory, notified once at creation
            alert = self.pending[key]
            change(alert)
            return Outcome(alert, "updated", False, silence)
        existing = self.open_id(key)
        if existing is not None:
            try:
                alert = modify(self.store, existing, change)
            except NotFound:
                result["closed"] = True
            if not result.get("closed"):
                return Outcome(alert, result.get("event", "unchanged"), result.get("notify", False), silence)
            self._open.pop(key, None)  # type: ignore[union-attr]
        alert = _new_alert(rule_name, key, finding, severity, reasons, now, {**extra, **(tags or {})})
        notify = silence is None and notify_if(alert)
        if notify:
            setattr(alert, "notified_at", now.isoformat())
        self.pending[key] = alert
        return Outcome(alert, "created", notify, silence)


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
           result: dict, realert_minutes: int, rule_name: Optional[str] = None) -> Optional[Alert]:
    new_docs = [d for d in finding.doc_ids if d not in set(alert.doc_ids)]
    raised = severity_rank(severity) < severity_rank(alert.severity)
    by_rule = dict(getattr(alert, "rule_reasons", None) or {alert.rule: list(getattr(alert, "reasons", None) or [])})
    new_rule = rule_name is not None and rule_name not in by_rule
    if not new_docs and not raised and not new_rule:
        result["event"] = "unchanged"
        return None
    if rule_name is not None:  # every rule's latest reasons stay on the card (one card per incident)
        by_rule[rule_name] = list(reasons)
        if new_rule:
            record_change(alert, "system", alert.state, alert.state, f"新信号（{rule_name}）：" + "；".join(reasons), now)
        setattr(alert, "rule_reasons", by_rule)
        setattr(alert, "rules", list(by_rule))
        reasons = [r for rule_reasons in by_rule.values() for r in rule_reasons]
    alert.doc_ids = (alert.doc_ids + new_docs)[-MAX_DOC_IDS:]
    if raised:
        record_change(alert, "system", alert.state, alert.state,
                      f"新证据：级别由 {name(alert.severity)} 升至 {name(severity)}；" + "；".join(reasons), now)
        alert.severity = higher(alert.severity, severity)
    if rule_name is None or rule_name == alert.rule:  # another rule's signal adds reasons, not a new title
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
    result["notify"] = raised or (due and bool(new_docs))
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
