"""Query parameters of the web UI, checked: a bad one answers 400 with a message in Chinese and English."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable, Optional

from starlette.exceptions import HTTPException
from starlette.requests import Request

from yuqing.records import ALERT_STATES, CATEGORIES, DEFAULT_TZ, SEVERITIES
from yuqing.storage import textindex

#: a search query's limits: longer ones are refused (400) before they reach the store
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 10
#: longest accepted filter value (street, rule)
MAX_FILTER_CHARS = 100


def int_param(request: Request, name: str, default: int, maximum: int, *, minimum: int = 1) -> int:
    """A whole-number parameter from ``minimum`` up; larger values are capped at ``maximum``; else 400."""
    raw = request.query_params.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise HTTPException(400, f"参数 {name} 必须是 {minimum} 到 {maximum} 之间的整数 "
                                 f"(parameter {name} must be a whole number from {minimum} to {maximum})")
    return min(value, maximum)


def search_query(request: Request) -> str:
    """The ``q`` parameter, refused (400) when longer than the store should be asked to search."""
    query = request.query_params.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise HTTPException(400, f"检索词过长：最多 {MAX_QUERY_CHARS} 个字符 "
                                 f"(query too long: at most {MAX_QUERY_CHARS} characters)")
    if len(textindex.query_parts(query)) > MAX_QUERY_TERMS:
        raise HTTPException(400, f"检索词过多：最多 {MAX_QUERY_TERMS} 个词 "
                                 f"(too many search terms: at most {MAX_QUERY_TERMS})")
    return query


def filter_param(request: Request, key: str) -> Optional[str]:
    value = request.query_params.get(key)
    if not value:
        return None
    if len(value) > MAX_FILTER_CHARS:
        raise HTTPException(400, f"参数 {key} 过长：最多 {MAX_FILTER_CHARS} 个字符 "
                                 f"(parameter {key} too long: at most {MAX_FILTER_CHARS} characters)")
    return value


def choice_param(request: Request, key: str, allowed: Iterable[str]) -> Optional[str]:
    value = filter_param(request, key)
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise HTTPException(400, f"参数 {key} 只能是 {'、'.join(allowed)} (parameter {key} must be one of "
                                 f"{', '.join(allowed)})")
    return value


def date_param(request: Request, key: str) -> Optional[datetime]:
    """A date (``2026-12-01``) or time (``2026-12-01T08:00``) in the engine's zone; 400 otherwise."""
    value = filter_param(request, key)
    if value is None:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise HTTPException(400, f"参数 {key} 必须是日期，例如 2026-12-01 (parameter {key} must be a date such "
                                 f"as 2026-12-01, not {value[:40]!r})") from None
    return when if when.tzinfo else when.replace(tzinfo=DEFAULT_TZ)


def time_range(request: Request) -> tuple[Optional[datetime], Optional[datetime]]:
    """``since`` and ``until`` (an ``until`` date counts its whole day)."""
    since, until = date_param(request, "since"), date_param(request, "until")
    raw = request.query_params.get("until", "")
    if until is not None and len(raw) == 10:
        until += timedelta(days=1)
    return since, until


#: the alert queue's filters: name → the values allowed (None: free text)
ALERT_FILTERS = (("state", ALERT_STATES), ("severity", SEVERITIES), ("street", None), ("category", CATEGORIES),
                 ("rule", None), ("assignee", None))


def alert_filters(request: Request) -> dict[str, Any]:
    """The store conditions of the queue's filters (``state`` may be ``open``: every open state)."""
    where: dict[str, Any] = {}
    for key, allowed in ALERT_FILTERS:
        if key == "state" and request.query_params.get("state") == "open":
            where["state"] = ["new", "acknowledged", "dispatched"]
            continue
        value = choice_param(request, key, allowed) if allowed else filter_param(request, key)
        if value:
            where[key] = value
    return where
