"""Deadlines (时限) of a 报送单 by the alert's severity, and how far past them an order is.

Their own module below :mod:`dispatch.orders` (which sets an order's deadlines when it is dispatched)
and :mod:`dispatch.deadlines` (the job that chases and escalates, and calls the orders' steps).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Optional


def minutes(config, key: str, severity: str) -> timedelta:
    return timedelta(minutes=float((config[key] or {}).get(severity, 1440)))


def due_times(config, severity: str, start: datetime) -> tuple[datetime, datetime]:
    """(accept by, close by) of an order of ``severity`` dispatched at ``start``."""
    return (start + minutes(config, "dispatch.accept_minutes", severity),
            start + minutes(config, "dispatch.close_minutes", severity))


def overdue(order, now: datetime) -> Optional[str]:
    """``close`` or ``accept`` when an open order is past that deadline, else ``None``."""
    if not order.is_open:
        return None
    if now >= order.close_due:
        return "close"
    if order.state == "sent" and now >= order.accept_due:
        return "accept"
    return None


def levels_due(config, order, missed: str, now: datetime) -> int:
    """How many levels up an order should be by now: one per full deadline period missed."""
    due = order.close_due if missed == "close" else order.accept_due
    period = (order.close_due - order.created_at) if missed == "close" else (order.accept_due - order.created_at)
    period = max(period, timedelta(minutes=1))
    return 1 + int((now - due) / period)
