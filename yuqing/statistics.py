"""Street statistics (街道统计): volume, negative share, incidents and alerts per street, category or day.

The answer to "what share of the sensitive events is this street's", for ``yuqing stats --by`` and
the web UI's statistics page. Every figure is a store count (no document is read), within the
streets a caller may see (``streets``: ``None`` for all, a list for a scoped user) and the time
window asked for (documents by ``published_at``, incidents by ``first_seen``, alerts by
``created_at``).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Optional, Sequence

from yuqing.records import DEFAULT_TZ, SEVERITIES
from yuqing.storage.base import Range

BY = ("street", "category", "day")
#: the most days a ``by day`` answer covers
MAX_DAYS = 366


def breakdown(store, by: str, *, streets: Optional[Sequence[str]] = None, since: Optional[datetime] = None,
              until: Optional[datetime] = None, days: int = 30) -> dict[str, Any]:
    """``{"by", "since", "until", "streets", "rows": [{"key", "documents", "negative", "negative_share",
    "incidents", "alerts": {severity: n}, "alerts_total"}]}``; rows by volume (days: in order)."""
    if by not in BY:
        raise ValueError(f"--by must be one of {', '.join(BY)}, not {by!r}")
    scope = list(streets) if streets is not None else None
    if by == "day":
        since, until = _day_window(store, scope, since, until, days)
    keys = store.count_by(by, street=scope, since=since, until=until)
    rows = []
    for key, volume in keys.items():
        rows.append(_row(store, by, key, volume, scope, since, until))
    if by != "day":
        rows.sort(key=lambda r: (-r["documents"], r["key"]))
    return {"by": by, "since": since.isoformat() if since else None, "until": until.isoformat() if until else None,
            "streets": scope, "rows": rows}


def _row(store, by: str, key: str, volume: int, scope, since, until) -> dict[str, Any]:
    doc_filter: dict[str, Any] = {"street": scope, "since": since, "until": until}
    incident_where: dict[str, Any] = {}
    alert_where: dict[str, Any] = {}
    if scope is not None:
        incident_where["streets"] = scope
        alert_where["street"] = scope
    first, last = since, until
    if by == "street":
        doc_filter["street"] = key
        incident_where["streets"] = key
        alert_where["street"] = key
    elif by == "category":
        doc_filter["category"] = key
        incident_where["category"] = key
        alert_where["category"] = key
    else:
        first = datetime.combine(date.fromisoformat(key), datetime.min.time(), DEFAULT_TZ)
        last = first + timedelta(days=1)
        doc_filter.update(since=first, until=last)
    if first or last:
        incident_where["first_seen"] = Range(gte=first, lt=last)
        alert_where["created_at"] = Range(gte=first, lt=last)
    sentiment = store.count_by("sentiment", **doc_filter)
    negative = sentiment.get("negative", 0)
    alerts = {s: store.count_records("alerts", {**alert_where, "severity": s}) for s in SEVERITIES}
    return {"key": key, "documents": volume, "negative": negative,
            "negative_share": round(negative / volume, 4) if volume else 0.0,
            "incidents": store.count_records("incidents", incident_where), "alerts": alerts,
            "alerts_total": sum(alerts.values())}


def _day_window(store, scope, since, until, days: int) -> tuple[datetime, datetime]:
    """The window of a ``by day`` answer: ``days`` days up to ``until`` or the last day with posts."""
    days = max(1, min(int(days), MAX_DAYS))
    if until is None:
        known = store.count_by("day", street=scope, since=since)
        last_day = max(known) if known else datetime.now(DEFAULT_TZ).date().isoformat()
        until = datetime.combine(date.fromisoformat(last_day) + timedelta(days=1), datetime.min.time(), DEFAULT_TZ)
    if since is None or until - since > timedelta(days=MAX_DAYS):
        since = until - timedelta(days=days)
    return since, until
