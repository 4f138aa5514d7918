"""Telling a department (or its superior) about a 报送单, through the alert notifiers.

The notifiers are :mod:`alerts.notifiers`' own (e-mail, WeCom, DingTalk, Feishu, webhook), built
from ``alerts.notifiers`` and chosen by the department's routing entry (``notifiers``; absent: all).
What they send is the alert as they always send it (masked, escaped), with the order's message and
signed link as its summary, and for the webhook a ``dispatch`` object: ``{"event", "order_id",
"department", "link", "accept_due", "close_due", "link_expires_at"}``. A failed notification is
kept on the order and sent again by the service's dispatch job.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Optional

from alerts.routing import Route
from dispatch import links
from dispatch.records import DispatchOrder, Notification
from yuqing.privacy import mask_text
from yuqing.records import DEFAULT_TZ, Alert

log = logging.getLogger(__name__)

#: event → how the message starts (the notifiers print it after the colour: 【红色】报送单：…)
EVENTS = {"dispatch": "报送单", "chase": "报送单催办", "escalate": "报送单超时·上级督办"}


def routing_entry(config, department: str) -> Optional[dict[str, Any]]:
    """The first entry of ``alerts.routing`` naming ``department``, or ``None``."""
    for entry in config["alerts.routing"] or []:
        if entry.get("department") == department:
            return entry
    return None


def known_departments(config) -> list[str]:
    names = [e.get("department") for e in config["alerts.routing"] or [] if e.get("department")]
    return list(dict.fromkeys([*names, config["alerts.default_department"]]))


def route_to(config, department: str) -> Route:
    entry = routing_entry(config, department) or {}
    return Route(department, list(entry.get("contacts") or []), entry.get("notifiers"))


def superiors(config, department: str) -> list[str]:
    """The ``superior`` chain above ``department`` (nearest first; a loop stops it)."""
    chain: list[str] = []
    current = department
    while True:
        entry = routing_entry(config, current) or {}
        above = entry.get("superior")
        if not above or above == department or above in chain:
            return chain
        chain.append(above)
        current = above


def message(order: DispatchOrder, event: str, link: str, to: str) -> str:
    when = lambda t: t.astimezone(DEFAULT_TZ).strftime("%Y-%m-%d %H:%M")  # noqa: E731
    if event == "escalate":
        head = (f"报送单 {order.id} 已超时（{order.department}，{order.state_label}），请{to}督办。"
                f"查看链接（只读）：{link}")
    elif event == "chase":
        head = f"催办：报送单 {order.id} 已超时（{order.state_label}），请{to}尽快处置。处置链接：{link}"
    else:
        head = f"报送单 {order.id}：请{to}签收并处置。处置链接：{link}"
    parts = [head, f"签收时限 {when(order.accept_due)}，办结时限 {when(order.close_due)}，"
                   f"链接有效至 {when(order.link_expires_at)}。"]
    if order.note:
        parts.append(f"报送说明：{order.note}")
    return " ".join(parts)


def send(config, alert: Alert, order: DispatchOrder, event: str, to: str, link: str,
         notifiers: Optional[dict] = None, now: Optional[datetime] = None,
         only: Optional[set[str]] = None) -> list[Notification]:
    """Send ``event`` of ``order`` to department ``to``; one :class:`Notification` per notifier tried
    (``only``: just these notifiers of the route, e.g. the ones that failed)."""
    from alerts.delivery import build_notifiers
    from yuqing.records import now as _now

    notifiers = build_notifiers(config) if notifiers is None else notifiers
    route = route_to(config, to)
    names = route.notifiers if route.notifiers is not None else list(notifiers)
    names = [n for n in names if only is None or n in only]
    view = alert.model_copy(deep=True)
    text = message(order, event, link, to)
    view.summary = f"{text} 预警摘要：{alert.summary}" if alert.summary else text
    setattr(view, "dispatch", {"event": event, "order_id": order.id, "department": order.department, "to": to,
                               "link": link, "accept_due": order.accept_due.isoformat(),
                               "close_due": order.close_due.isoformat(),
                               "link_expires_at": order.link_expires_at.isoformat()})
    sent = []
    for name in names:
        notifier = notifiers.get(name)
        when = now or _now()
        if notifier is None:
            sent.append(Notification(notifier=name, to=to, event=event, state="failed", when=when,
                                     error=f"alerts.notifiers has no notifier named {name!r}"))
            continue
        try:
            notifier.send(view, route, EVENTS.get(event, event))
        except Exception as exc:  # noqa: BLE001 - any notifier failure is kept and retried, never lost
            error = mask_text(notifier.redact_secrets(str(exc)))[:300]
            log.warning("dispatch order %s: %s to %s via %s failed: %s", order.id, event, to, name, error)
            sent.append(Notification(notifier=name, to=to, event=event, state="failed", when=when, error=error))
            continue
        log.info("dispatch order %s: %s sent to %s via %s", order.id, event, to, name)
        sent.append(Notification(notifier=name, to=to, event=event, state="sent", when=when))
    return sent


def link_for(config, order: DispatchOrder, purpose: str = "act") -> str:
    return links.url(config, order.id, order.link_expires_at, purpose)
