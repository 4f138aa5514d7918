"""Deadlines (时限) per severity, and the service job that chases (催办) and escalates (单向升级).

An order must be accepted within ``dispatch.accept_minutes`` and closed within
``dispatch.close_minutes`` of its dispatch (by the alert's severity; computed by
:mod:`dispatch.timelimits`, which the orders use too). The ``dispatch`` job of
``yuqing run`` (every ``dispatch.check_interval`` seconds; :class:`DispatchStage`) looks at every
open order:

* **Chase.** An order past a deadline is chased at most every ``dispatch.chase_minutes``: the
  department is notified again, with a fresh link when its link is about to expire.
* **Escalate, one way.** Each full deadline period missed raises the order one level up the
  routing entry's ``superior`` chain (the superior's own entry may name its superior): the
  superior gets a read-only link. The level only grows; accepting late never lowers it.
* **Tidy.** An order whose alert was closed another way (dismissed, resolved by an analyst) is
  withdrawn; a notification that failed is sent again.

The job takes ``now`` so a test or a replay drives the clock; it never sleeps.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional

from alerts.delivery import build_notifiers
from dispatch import orders as steps
from dispatch.notify import superiors
from dispatch.records import KIND, OPEN_ORDER_STATES
from dispatch.timelimits import due_times, levels_due, minutes, overdue  # noqa: F401  (re-exported)
from yuqing.pipeline import Stage, StageReport
from yuqing.records import now as _now


def chase(store, config, now: Optional[datetime] = None, notifiers: Optional[dict] = None) -> dict[str, int]:
    """One pass over the open orders (see the module docstring); returns what it did."""
    now = now or _now()
    notifiers = build_notifiers(config) if notifiers is None else notifiers
    counts = {"open": 0, "chased": 0, "escalated": 0, "withdrawn": 0, "resent": 0}
    for order in store.find_records(KIND, {"state": list(OPEN_ORDER_STATES)}, order_by="created_at", limit=10000):
        counts["open"] += 1
        alert = store.get_record("alerts", order.alert_id)
        if alert is None or alert.state != "dispatched":
            steps.withdraw(store, order.id, by="system", now=now,
                           reason=f"预警已{'删除' if alert is None else alert.state}")
            counts["withdrawn"] += 1
            continue
        missed = overdue(order, now)
        if missed:
            counts["chased"] += _chase_one(store, config, order.id, missed, now, notifiers)
            chain = superiors(config, order.department)
            counts["escalated"] += _escalate(store, config, order.id, missed, chain, now, notifiers)
        counts["resent"] += _resend_failed(store, config, order.id, now, notifiers)
    return counts


def _chase_one(store, config, order_id: str, missed: str, now: datetime, notifiers: dict) -> int:
    every = timedelta(minutes=int(config["dispatch.chase_minutes"]))
    link_life = timedelta(hours=float(config["dispatch.link_hours"]))
    what = "未签收" if missed == "accept" else "未办结"
    chased = []

    def change(order):
        chased.clear()
        if order.last_chased_at is not None and now - order.last_chased_at < every:
            return None
        if order.link_expires_at - now < 2 * every:  # the chase carries a link that still works
            order.link_expires_at = now + link_life
        order.chase_count += 1
        order.last_chased_at = now
        due = order.accept_due if missed == "accept" else order.close_due
        steps._step(order, "system", "chase", f"第 {order.chase_count} 次催办：超过{'签收' if missed == 'accept' else '办结'}"
                    f"时限 {due:%Y-%m-%d %H:%M} 仍{what}", now)
        chased.append(order.trail[-1].note)
        return order
    order = steps.modify(store, order_id, change)
    if not chased:
        return 0
    note = f"报送单 {order.id}（{order.department}）{chased[0]}，已再次通知"
    steps._alert_step(store, order, "system", note, now)
    steps._audit(store, "dispatch_chase", order, "system", "system", note, None, now)
    steps.deliver(store, config, order.id, "chase", order.department, "act", notifiers=notifiers, now=now)
    return 1


def _escalate(store, config, order_id: str, missed: str, chain: list[str], now: datetime, notifiers: dict) -> int:
    raised: list[str] = []

    def change(order):
        raised.clear()
        target = min(levels_due(config, order, missed, now), len(chain))
        if target <= order.escalation_level:
            return None  # one way: never back down, never twice for the same level
        for level in range(order.escalation_level + 1, target + 1):
            superior = chain[level - 1]
            order.escalated_to = [*order.escalated_to, superior]
            steps._step(order, "system", "escalate", f"第 {level} 级升级：{'签收' if missed == 'accept' else '办结'}"
                        f"超时，升级至 {superior}", now)
            raised.append(superior)
        order.escalation_level = target
        return order
    order = steps.modify(store, order_id, change)
    for superior in raised:
        note = f"报送单 {order.id}（{order.department}）超时，升级至 {superior} 督办"
        steps._alert_step(store, order, "system", note, now)
        steps._audit(store, "dispatch_escalate", order, "system", "system", note, None, now)
        steps.deliver(store, config, order.id, "escalate", superior, "view", notifiers=notifiers, now=now)
    return len(raised)


def _resend_failed(store, config, order_id: str, now: datetime, notifiers: dict) -> int:
    """Send again each (department, notifier) whose latest notification failed."""
    order = steps.get(store, order_id)
    latest = {}
    for n in order.notifications:
        latest[(n.to, n.notifier)] = n
    again: dict[tuple[str, str], set[str]] = {}
    for n in latest.values():
        if n.state == "failed" and n.when < now:
            again.setdefault((n.to, n.event), set()).add(n.notifier)
    for (to, event), names in sorted(again.items()):
        purpose = "act" if to == order.department else "view"
        steps.deliver(store, config, order.id, event, to, purpose, notifiers=notifiers, now=now, only=names)
    return sum(len(names) for names in again.values())


class DispatchStage(Stage):
    """The service's ``dispatch`` job: :func:`chase` every ``dispatch.check_interval`` seconds."""

    name = "dispatch"

    def run_once(self, now: Optional[datetime] = None) -> StageReport:
        counts = chase(self.store, self.config, now)
        return StageReport(self.name, processed=counts["open"], created=counts["chased"] + counts["escalated"],
                           detail=", ".join(f"{k} {v}" for k, v in counts.items()), extra=counts)
