"""Scheduled scoring: the service's ``enterprise`` job scores enterprises monthly and after an import.

Every ``enterprise.check_interval`` seconds the job asks whether a scoring is due:

* after an import (``enterprise.score_on_import``): an import that added or changed rows left its time
  in the store (:data:`enterprise.indicators.IMPORTED_STATE`) later than the last scoring;
* monthly (``enterprise.score_day``): the last scoring is older than that day of this month (or of the
  month before, until the day comes), so the month's new posts and tickets count without a new import.

A due scoring scores the latest month with indicators (:func:`enterprise.service.score_month`: the
opinion window's posts are linked again first) with the calendar's 春节 windows, and keeps what it
did in the store's state :data:`SCORED_STATE`; checking the store, not a cron trigger, is why a
service that was down on the day scores when it comes back and a restart never scores twice. The
warnings reach the queue as ``enterprise_risk`` cards at the alert stage's next run.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Optional

from enterprise.indicators import IMPORTED_STATE
from yuqing.errors import NotConfigured
from yuqing.pipeline import Stage, StageReport
from yuqing.records import now as _now

log = logging.getLogger(__name__)

#: the store's state key where the last scheduled scoring leaves its time, month and counts
SCORED_STATE = "enterprise.scored"


def monthly_mark(at: datetime, day: int) -> datetime:
    """The latest start of ``day`` of a month at or before ``at`` (in ``at``'s zone)."""
    mark = at.replace(day=day, hour=0, minute=0, second=0, microsecond=0)
    if at < mark:
        mark = (mark.replace(day=1) - timedelta(days=1)).replace(day=day)
    return mark


def _time(state: Optional[dict[str, Any]]) -> Optional[datetime]:
    try:
        return datetime.fromisoformat(state["at"]) if state else None
    except (KeyError, TypeError, ValueError):  # a state written by hand or by an older version
        return None


def _calendar(config, store):
    try:
        from event_calendar import Calendar
    except ImportError:  # the calendar package is not installed: scores without the 春节 windows
        return None
    return Calendar.from_config(config, store)


class ScoringStage(Stage):
    """The ``enterprise`` job of ``yuqing run`` (switched off by ``enterprise.check_interval: 0``)."""

    name = "enterprise"

    @classmethod
    def from_config(cls, config, store) -> "ScoringStage":
        if not config["enterprise.check_interval"]:
            raise NotConfigured("enterprise.check_interval is 0 (no scheduled scoring)")
        if not config["enterprise.score_on_import"] and not config["enterprise.score_day"]:
            raise NotConfigured("enterprise.score_on_import is false and enterprise.score_day is 0")
        return cls(config, store)

    def due(self, at: datetime) -> list[str]:
        """Why a scoring is due at ``at``: ``import``, ``monthly``, both, or none."""
        last = _time(self.store.get_state(SCORED_STATE))
        reasons = []
        if self.config["enterprise.score_on_import"]:
            imported = _time(self.store.get_state(IMPORTED_STATE))
            if imported is not None and (last is None or imported > last):
                reasons.append("import")
        day = int(self.config["enterprise.score_day"])
        if day and (last is None or last < monthly_mark(at, day)):
            reasons.append("monthly")
        return reasons

    def run_once(self, at: Optional[datetime] = None) -> StageReport:
        from zoneinfo import ZoneInfo

        from enterprise.service import latest_period, score_month

        at = (at or _now()).astimezone(ZoneInfo(self.config["service.timezone"]))
        reasons = self.due(at)
        if not reasons:
            return StageReport(self.name, detail="not due: no import since the last scoring, and this month's "
                                                 "scoring is done")
        month = latest_period(self.store)
        if month is None:
            return StageReport(self.name, detail="no enterprise indicators in the store yet (yuqing indicators import)")
        result = score_month(self.store, self.config, month, calendar=_calendar(self.config, self.store))
        self.store.set_state(SCORED_STATE, {"at": at.isoformat(), "month": month, "reasons": reasons,
                                            "enterprises": result["enterprises"], "warnings": result["warnings"]})
        log.info("enterprises scored for %s (%s): %d enterprises, %d warnings", month, ", ".join(reasons),
                 result["enterprises"], result["warnings"])
        return StageReport(self.name, processed=result["enterprises"], created=result["warnings"],
                           detail=f"{month} scored ({' and '.join(reasons)}): {result['enterprises']} enterprises, "
                                  f"{result['warnings']} warnings")
