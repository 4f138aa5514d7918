"""The alert lifecycle (处置流程): the state machine the web UI and the command line call.

``new → acknowledged → dispatched → resolved``; ``dismissed`` or ``duplicate`` from any open state.
Every change is appended to the alert's history (who, when, from, to, note). Writes use the
store's optimistic concurrency: on a conflict the alert is read again and the change re-checked,
so two analysts acting at once never overwrite each other.
"""
from __future__ import annotations

from datetime import datetime
from typing import Callable, Optional

from yuqing.errors import ConflictError, NotFound, TransitionError
from yuqing.records import OPEN_ALERT_STATES, Alert, AlertChange, now as _now

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("acknowledged", "dismissed", "duplicate"),
    "acknowledged": ("dispatched", "dismissed", "duplicate"),
    "dispatched": ("resolved", "dismissed", "duplicate"),
    "resolved": (),
    "dismissed": (),
    "duplicate": (),
}
#: the actions of the web UI and the command line (`yuqing alerts ack ID`) → the state each leads to
ACTIONS = {"ack": "acknowledged", "dispatch": "dispatched", "resolve": "resolved", "dismiss": "dismissed",
           "duplicate": "duplicate"}
RETRIES = 5


def check_transition(alert: Alert, to: str) -> None:
    """Raise :class:`TransitionError` with a clear sentence if ``alert`` cannot go to ``to``."""
    if to not in TRANSITIONS:
        raise TransitionError(f"{to!r} is not an alert state; states are: {', '.join(TRANSITIONS)}")
    allowed = TRANSITIONS[alert.state]
    if to in allowed:
        return
    if not allowed:
        raise TransitionError(f"alert {alert.id} is already {alert.state}; a closed alert cannot be changed")
    raise TransitionError(f"alert {alert.id} is {alert.state}, so it cannot be {to} directly; from "
                          f"{alert.state} it can go to: {', '.join(allowed)}")


def modify(store, alert_id: str, change: Callable[[Alert], Optional[Alert]]) -> Alert:
    """Read, change and write one alert, re-reading and retrying when someone else wrote first.

    ``change`` gets a fresh copy and returns it changed (or ``None`` to leave the alert as it is).
    """
    for _ in range(RETRIES):
        found = store.get_versioned("alerts", alert_id)
        if found is None:
            raise NotFound(f"no alert with id {alert_id!r}; `yuqing alerts list` shows the ids")
        alert = Alert.model_validate(found.record.model_dump(mode="json"))
        changed = change(alert)
        if changed is None:
            return alert
        try:
            store.update_record("alerts", changed, found.version)
            return changed
        except ConflictError:
            continue
    raise ConflictError(f"alert {alert_id} kept changing while it was being updated; try again")


def transition(store, alert_id: str, to: str, *, by: str, note: str = "", assignee: Optional[str] = None,
               duplicate_of: Optional[str] = None, when: Optional[datetime] = None) -> Alert:
    """Move an alert to state ``to``, recording who did it and why.

    Args:
        by: who acts (user name); required.
        assignee: who handles it (set on ``dispatched``; defaults to the routed department).
        duplicate_of: for ``duplicate``, the id of the alert this one repeats.
    """
    if not by or not by.strip():
        raise TransitionError("say who acts: a state change needs the name of the person (--by NAME)")
    if to == "duplicate" and duplicate_of == alert_id:
        raise TransitionError(f"alert {alert_id} cannot be a duplicate of itself")
    if to == "duplicate" and duplicate_of and store.get_record("alerts", duplicate_of) is None:
        raise NotFound(f"alert {alert_id} cannot be a duplicate of {duplicate_of!r}: no such alert")

    def change(alert: Alert) -> Alert:
        check_transition(alert, to)
        if assignee:
            alert.assignee = assignee
        elif to == "dispatched" and not alert.assignee:
            alert.assignee = getattr(alert, "department", None)
        text = note
        if to == "duplicate" and duplicate_of:
            setattr(alert, "duplicate_of", duplicate_of)
            text = f"{note}（重复于 {duplicate_of}）" if note else f"重复于 {duplicate_of}"
        record_change(alert, by, alert.state, to, text, when)
        alert.state = to
        return alert

    return modify(store, alert_id, change)


def record_change(alert: Alert, who: str, from_state: Optional[str], to: str, note: str,
                  when: Optional[datetime] = None) -> None:
    """Append one history entry (also used for escalations and severity changes: from == to)."""
    alert.history = [*alert.history, AlertChange.model_validate(
        {"who": who, "when": when or _now(), "from": from_state, "to": to, "note": note})]


def acknowledge(store, alert_id, *, by, note="", assignee=None, when=None) -> Alert:
    return transition(store, alert_id, "acknowledged", by=by, note=note, assignee=assignee, when=when)


def dispatch(store, alert_id, *, by, note="", assignee=None, when=None) -> Alert:
    return transition(store, alert_id, "dispatched", by=by, note=note, assignee=assignee, when=when)


def resolve(store, alert_id, *, by, note="", when=None) -> Alert:
    return transition(store, alert_id, "resolved", by=by, note=note, when=when)


def dismiss(store, alert_id, *, by, note="", when=None) -> Alert:
    return transition(store, alert_id, "dismissed", by=by, note=note, when=when)


def mark_duplicate(store, alert_id, *, by, of=None, note="", when=None) -> Alert:
    return transition(store, alert_id, "duplicate", by=by, note=note, duplicate_of=of, when=when)


def is_open(alert: Alert) -> bool:
    return alert.state in OPEN_ALERT_STATES
