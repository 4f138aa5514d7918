"""The daily calendar job: writes upcoming warnings for the alerts stage's ``calendar_window`` rule.

Each window to warn of is kept as one ``calendar_warnings`` record (id: entry name + start date), so
re-running the job the same day, or every day of a window, adds nothing twice; ``first_warned`` says
when the engine first knew. The latest list is also kept in the store state ``calendar.warnings``.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Optional

from event_calendar.calendar import Calendar
from yuqing.pipeline import Stage, StageReport
from yuqing.records import now, stable_id
from yuqing.storage.base import JsonRecord, Kind, register_kind

log = logging.getLogger(__name__)

WARNINGS_KIND = register_kind(Kind(
    "calendar_warnings", JsonRecord, fields=("name", "start", "end", "warn_from", "categories", "streets", "kind"),
    text_fields=("name", "reason", "keywords"), time_field="start"))
STATE_KEY = "calendar.warnings"


def warning_id(window: dict) -> str:
    return stable_id("calendar-warning", window["name"], window["start"])


class CalendarStage(Stage):
    """Daily job: windows opening within ``calendar.warning_days`` → ``calendar_warnings`` records."""

    name = "calendar"

    def __init__(self, config, store, today: Optional[date] = None) -> None:
        super().__init__(config, store)
        self.today = today

    def run_once(self) -> StageReport:
        today = self.today or now().date()
        self._ensure_cases()
        calendar = Calendar.from_config(self.config, self.store, today=today)
        windows = [w.as_dict() for w in calendar.warnings(today, self.config["calendar.warning_days"])]
        stamp = now().isoformat()
        created = 0
        records = []
        for window in windows:
            record_id = warning_id(window)
            previous = self.store.get_record("calendar_warnings", record_id)
            if previous is None:
                created += 1
            first = getattr(previous, "first_warned", None) or stamp
            records.append(JsonRecord(id=record_id, **window, first_warned=first, last_warned=stamp))
        if records:
            self.store.put_records("calendar_warnings", records)
        self.store.set_state(STATE_KEY, {"day": today.isoformat(), "written_at": stamp,
                                         "warnings": [dict(w, id=warning_id(w)) for w in windows]})
        return StageReport(self.name, processed=len(windows), created=created,
                           detail=f"{len(windows)} windows open or opening by {today.isoformat()} + "
                                  f"{self.config['calendar.warning_days']} days")

    def _ensure_cases(self) -> None:
        """Anniversaries come from the case library, so its starter cases must be in the store."""
        if not self.config["calendar.anniversaries"]:
            return
        try:
            from case_library.library import ensure_starter
        except ImportError:  # case library not installed: no anniversaries
            return
        ensure_starter(self.config, self.store)


def upcoming_warnings(store, day: Optional[date] = None) -> list[dict]:
    """The warnings the last run wrote (for consumers that prefer the state to the records)."""
    state = store.get_state(STATE_KEY) or {}
    if day is not None and state.get("day") != day.isoformat():
        return []
    return list(state.get("warnings", []))
