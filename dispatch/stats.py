"""How departments and streets handle 报送单: items, median times to accept and close, overdue.

Per group (``department``, or the alert's ``street``), over the orders dispatched in the period
(withdrawn ones — re-dispatched before the department acted — are left out):

* ``orders``: received; ``open``, ``accepted`` (ever), ``closed``, ``returned``;
* ``median_minutes_to_accept`` / ``median_minutes_to_close``: from dispatch to 签收 / 办结 (``null``
  when none);
* ``overdue``: orders that missed a deadline — accepted or closed after it, still open past it at
  ``now``, or chased or escalated for it.
"""
from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Optional

from dispatch.records import KIND, DispatchOrder


def is_overdue(order: DispatchOrder, now: datetime) -> bool:
    if order.chase_count or order.escalation_level:
        return True
    if order.accepted_at is not None and order.accepted_at > order.accept_due:
        return True
    if order.closed_at is not None and order.closed_at > order.close_due:
        return True
    if order.state == "sent" and now >= order.accept_due:
        return True
    return order.is_open and now >= order.close_due


def _minutes(start: datetime, end: Optional[datetime]) -> Optional[float]:
    return None if end is None else (end - start).total_seconds() / 60


def summarize(orders: list[DispatchOrder], now: datetime) -> dict:
    to_accept = [m for o in orders if (m := _minutes(o.created_at, o.accepted_at)) is not None]
    to_close = [m for o in orders if (m := _minutes(o.created_at, o.closed_at)) is not None]
    return {"orders": len(orders), "open": sum(o.is_open for o in orders),
            "accepted": sum(o.accepted_at is not None for o in orders),
            "closed": sum(o.state == "closed" for o in orders), "returned": sum(o.state == "returned" for o in orders),
            "median_minutes_to_accept": round(median(to_accept), 1) if to_accept else None,
            "median_minutes_to_close": round(median(to_close), 1) if to_close else None,
            "overdue": sum(is_overdue(o, now) for o in orders)}


def dispatch_stats(store, *, since: Optional[datetime] = None, until: Optional[datetime] = None,
                   now: Optional[datetime] = None, streets: Optional[list[str]] = None) -> dict:
    """``{"since", "until", "now", "total", "departments": [...], "streets": [...]}``; each group has
    ``department`` or ``street`` and the figures above, most orders first. ``streets`` limits the
    orders to those streets (a scoped user's)."""
    from yuqing.records import now as _now

    now = now or _now()
    where = {"street": streets} if streets is not None else None
    orders = [o for o in store.find_records(KIND, where, since=since, until=until)
              if o.state != "withdrawn"]
    groups: dict[str, dict[str, list]] = {"department": {}, "street": {}}
    for order in orders:
        groups["department"].setdefault(order.department, []).append(order)
        groups["street"].setdefault(order.street or "未定位", []).append(order)

    def table(key: str) -> list[dict]:
        rows = [{key: name, **summarize(members, now)} for name, members in groups[key].items()]
        return sorted(rows, key=lambda r: (-r["orders"], r[key]))
    return {"since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
            "now": now.isoformat(), "total": summarize(orders, now), "departments": table("department"),
            "streets": table("street")}
