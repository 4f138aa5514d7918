"""After an event (复盘): how fast the desk saw, verified and reached each request for help.

For each board row: the first post (the earliest of its posts the store still holds; the row's
``first_seen`` when they were purged), when the row reached the board (``first_seen``), when it
was first verified (核实: 已核实 or any later step) and first closed as reached (已救出 or 已报平安),
from its ``status_times``/``history``. Rows merged into another (重复) and 无效 rows are counted
apart; rows still 待核实 or 无法联系 are "never reached". Times are minutes after the first post.
In a drill (``yuqing replay``) the engine's times are on the replay clock.
"""
from __future__ import annotations

from datetime import datetime
from statistics import median
from typing import Optional

from desk import board

VERIFIED = ("verified", "dispatched", "in_progress", "rescued", "safe")
REACHED = ("rescued", "safe")


def _t(value) -> Optional[datetime]:
    return datetime.fromisoformat(value) if value else None


def _first_time(data: dict, statuses) -> Optional[datetime]:
    times = [_t(v) for k, v in (data.get("status_times") or {}).items() if k in statuses]
    times += [_t(h["when"]) for h in data.get("history") or [] if h.get("to") in statuses and h.get("when")]
    times = [t for t in times if t is not None]
    return min(times) if times else None


def _minutes(later: Optional[datetime], earlier: Optional[datetime]) -> Optional[float]:
    if later is None or earlier is None:
        return None
    return round(max(0.0, (later - earlier).total_seconds() / 60), 1)


def _summary(values: list) -> dict:
    values = sorted(v for v in values if v is not None)
    if not values:
        return {"count": 0, "median": None, "p90": None, "max": None}
    return {"count": len(values), "median": round(median(values), 1),
            "p90": values[min(len(values) - 1, int(0.9 * len(values)))], "max": values[-1]}


def review(store, *, since: Optional[datetime] = None, until: Optional[datetime] = None) -> dict:
    """The review as ``yuqing desk review --format json`` prints it (see the module docstring)."""
    rows = []
    for data in board.list_requests(store):
        first_seen = _t(data.get("first_seen"))
        if (since and first_seen and first_seen < since) or (until and first_seen and first_seen >= until):
            continue
        rows.append(data)
    first_post = _first_posts(store, rows)
    counted = [d for d in rows if board.status_of(d) not in ("duplicate", "invalid")]
    per_row, sight, verify, reach = [], [], [], []
    for data in counted:
        posted = first_post.get(data["id"]) or _t(data.get("first_seen"))
        item = {"request_id": data["id"], "street": data.get("street"), "status": board.status_of(data),
                "people_count": data.get("people_count"), "vulnerable": data.get("vulnerable") or [],
                "first_post": posted.isoformat() if posted else None,
                "minutes_to_first_sight": _minutes(_t(data.get("first_seen")), posted),
                "minutes_to_verification": _minutes(_first_time(data, VERIFIED), posted),
                "minutes_to_rescue": _minutes(_first_time(data, REACHED), posted)}
        sight.append(item["minutes_to_first_sight"])
        verify.append(item["minutes_to_verification"])
        reach.append(item["minutes_to_rescue"])
        per_row.append(item)
    statuses: dict[str, int] = {}
    for data in rows:
        statuses[board.status_of(data)] = statuses.get(board.status_of(data), 0) + 1
    never = [i for i in per_row if i["status"] in ("new", "unreachable")]
    return {"requests": len(counted), "rows": len(rows), "by_status": statuses,
            "merged_duplicates": statuses.get("duplicate", 0), "invalid": statuses.get("invalid", 0),
            "minutes_to_first_sight": _summary(sight), "minutes_to_verification": _summary(verify),
            "minutes_to_rescue": _summary(reach), "never_reached": never, "per_request": per_row}


def _first_posts(store, rows: list[dict]) -> dict[str, datetime]:
    """Row id → the earliest publication time among its posts still stored."""
    wanted = {d: row["id"] for row in rows for d in row.get("doc_ids") or []}
    out: dict[str, datetime] = {}
    ids = list(wanted)
    for start in range(0, len(ids), 500):
        for doc in store.get_documents(ids[start:start + 500]):
            row_id = wanted[doc.id]
            if row_id not in out or doc.published_at < out[row_id]:
                out[row_id] = doc.published_at
    return out
