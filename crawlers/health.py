"""Source health (信源健康): one ``sources`` record per source, updated after every crawl.

States: ``ok``; ``degraded`` (more than a fifth of the requests failed); ``blocked`` (captcha or
login pages, or 403/429 answers at least ``crawl.blocked_threshold`` times in the recent runs);
``failing`` (the crawl did not run through, or nothing could be fetched).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, Optional

from yuqing.storage.base import JsonRecord, Store

HISTORY_RUNS = 48


#: exit status of a crawl child stopped by a signal before it ran through (EX_TEMPFAIL: try again
#: later); here rather than in crawlers.run so the service can read it without importing Scrapy
INTERRUPTED = 75


@dataclass
class CrawlOutcome:
    """What one crawl of one source did, as the parent saw it."""

    started_at: datetime
    finished_at: datetime
    completed: bool = False
    new_documents: int = 0
    documents: int = 0
    requests: int = 0
    responses: int = 0
    errors: int = 0
    blocked_answers: int = 0
    captcha_pages: int = 0
    not_modified: int = 0
    refused: int = 0                    # links refused by the URL policy (file://, private addresses)
    offsite: int = 0                    # links to hosts outside the source's allowed domains, not followed
    fetch_seconds: float = 0.0          # Scrapy's own run time, without the child's start-up
    shared: bool = False                # the queue is shared in Redis: another machine may have done the work
    last_error: Optional[str] = None


def judge(outcome: CrawlOutcome, recent: list[dict], threshold: int) -> str:
    """The state after ``outcome``, given the history of the previous runs."""
    window = recent[-2:] + [_summary(outcome)]
    if outcome.captcha_pages or sum(r.get("blocked", 0) for r in window) >= threshold:
        return "blocked"
    if not outcome.completed:
        return "failing"
    if not outcome.responses and (outcome.requests or not outcome.shared):
        return "failing"  # nothing could be fetched (a shared queue may leave one machine idle)
    if outcome.requests and outcome.errors / outcome.requests > 0.2:
        return "degraded"
    return "ok"


def _summary(outcome: CrawlOutcome) -> dict[str, Any]:
    return {"at": outcome.started_at.isoformat(), "new": outcome.new_documents, "requests": outcome.requests,
            "errors": outcome.errors, "blocked": outcome.blocked_answers + outcome.captcha_pages,
            "seconds": round((outcome.finished_at - outcome.started_at).total_seconds(), 2)}


def update_health(store: Store, source: dict, outcome: CrawlOutcome, threshold: int = 3,
                  errors: Optional[list[dict]] = None) -> JsonRecord:
    """Write and return the source's health record after a crawl."""
    previous = store.get_record("sources", source["name"])
    old = previous.model_dump(mode="json") if previous is not None else {}
    runs = list(old.get("runs") or [])
    state = judge(outcome, runs, threshold)
    runs = (runs + [_summary(outcome)])[-HISTORY_RUNS:]
    day_ago = outcome.finished_at - timedelta(hours=24)
    window = [r for r in runs if datetime.fromisoformat(r["at"]) >= day_ago]
    span = (outcome.finished_at - datetime.fromisoformat(window[0]["at"])).total_seconds() if window else 0
    hours = max(span, float(source.get("interval") or 600)) / 3600
    requests = sum(r["requests"] for r in window)
    success = outcome.finished_at.isoformat() if state in ("ok", "degraded") else old.get("last_success")
    record = JsonRecord(
        id=source["name"], type=source.get("type"), interval=source.get("interval"), state=state,
        last_success=success, last_run=outcome.finished_at.isoformat(),
        items_per_hour=round(sum(r["new"] for r in window) / hours, 2),
        error_rate=round(sum(r["errors"] for r in window) / requests, 3) if requests else 0.0,
        last_error=outcome.last_error if outcome.last_error else old.get("last_error"),
        consecutive_failures=0 if state in ("ok", "degraded") else int(old.get("consecutive_failures") or 0) + 1,
        last_outcome={k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(outcome).items()},
        recent_errors=(errors or [])[-20:], runs=runs)
    store.put_records("sources", [record])
    return record
